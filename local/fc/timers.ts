import type { Clock } from '../common/clock';
import type { FunctionSpec, TimerTriggerSpec } from './config';
import { parseCron, type CronSchedule } from './cron';

/**
 * Fires timer triggers by their cron, reading the time from the (injectable) clock. It re-checks the
 * clock at least once a second, so moving an AdjustableClock forward fires what became due.
 */

export interface TimerInfo {
  functionName: string;
  triggerName: string;
  payload: string;
}

/** Replace the cron of matching triggers by a fixed interval (LOCAL_SWEEP_SECONDS). */
export interface TimerOverride {
  intervalSeconds: number;
  /** Trigger name, or a predicate; default: triggers whose payload is JSON with `"action":"sweep"`. */
  match?: string | ((timer: TimerInfo) => boolean);
}

export function isSweepPayload(timer: TimerInfo): boolean {
  try {
    const p = JSON.parse(timer.payload) as unknown;
    return typeof p === 'object' && p !== null && (p as { action?: unknown }).action === 'sweep';
  } catch {
    return false;
  }
}

/** The event FC hands a timer-triggered function. */
export function timerEvent(triggerName: string, triggerTimeMs: number, payload: string): Buffer {
  const triggerTime = new Date(Math.floor(triggerTimeMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  return Buffer.from(JSON.stringify({ triggerTime, triggerName, payload }));
}

interface Scheduled {
  fn: FunctionSpec;
  timer: TimerTriggerSpec;
  schedule: CronSchedule;
  nextAt: number | undefined;
}

export class TimerScheduler {
  private readonly entries: Scheduled[] = [];
  private handle: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    functions: FunctionSpec[],
    private readonly clock: Clock,
    private readonly fire: (fn: FunctionSpec, timer: TimerTriggerSpec, triggerTimeMs: number) => void,
    override?: TimerOverride,
  ) {
    const matches = (info: TimerInfo) =>
      typeof override?.match === 'string' ? info.triggerName === override.match
        : (override?.match ?? isSweepPayload)(info);
    for (const fn of functions) {
      for (const timer of fn.timers) {
        if (!timer.enable) continue;
        const info = { functionName: fn.functionName, triggerName: timer.triggerName, payload: timer.payload };
        const schedule = override && matches(info)
          ? parseCron(`@every ${override.intervalSeconds}s`)
          : parseCron(timer.cronExpression);
        this.entries.push({ fn, timer, schedule, nextAt: undefined });
      }
    }
  }

  /** What is scheduled, with the next fire time (for logs and tests). */
  get schedule(): Array<{ functionName: string; triggerName: string; expression: string; nextAt?: number }> {
    return this.entries.map((e) => ({
      functionName: e.fn.functionName, triggerName: e.timer.triggerName, expression: e.schedule.expression, nextAt: e.nextAt,
    }));
  }

  start(): void {
    const now = this.clock.now();
    for (const e of this.entries) e.nextAt = e.schedule.next(now);
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const soonest = Math.min(...this.entries.map((e) => e.nextAt ?? Infinity));
    if (soonest === Infinity) return;
    this.handle = setTimeout(() => this.tick(), Math.max(0, Math.min(soonest - now, 1000)));
    this.handle.unref();
  }

  private tick(): void {
    const now = this.clock.now();
    for (const e of this.entries) {
      if (e.nextAt === undefined || e.nextAt > now) continue;
      const due = e.nextAt;
      // After a long pause fire once, not once per missed slot.
      e.nextAt = e.schedule.next(Math.max(due, now - 1000));
      this.fire(e.fn, e.timer, due);
    }
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.handle) clearTimeout(this.handle);
  }
}
