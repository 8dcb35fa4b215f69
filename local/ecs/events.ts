import { z } from 'zod';
import type { Clock } from '../common/clock';
import { seededRandom, type Random } from '../common/random';
import { goneAt, type EcsState, type InstanceRecord } from './store/state';

/**
 * What ECS publishes to EventBridge for our instances, as the function behind an EventBridge trigger
 * receives it: a CloudEvents 1.0 envelope with Alibaba's extensions and a `data` payload.
 * - `ecs:Instance:StateChange`: `data {resourceId, resourceType: "ALIYUN::ECS::Instance", state}`, state one
 *   of Pending, Starting, Running, Stopping, Stopped, Deleted.
 * - `ecs:Instance:PreemptibleInstanceInterruption`: `data {instanceId, action: "delete"}`, sent when a spot
 *   instance is marked for reclaim, before it is released.
 * Sources: https://www.alibabacloud.com/help/en/eventbridge/user-guide/ecs-events (event types, source
 * acs.ecs, default bus), https://www.alibabacloud.com/help/doc-detail/181428.html (envelope fields), and the
 * fields Alibaba's own sample handlers read (GitHub aliyun/ecs-labs,
 * ecs-spot-interruption-notice-events/ecs-spot-interruption-notice-events.py reads `data.instanceId`).
 */
export interface EcsCloudEvent {
  id: string;
  source: 'acs.ecs';
  specversion: '1.0';
  type: 'ecs:Instance:StateChange' | 'ecs:Instance:PreemptibleInstanceInterruption';
  subject: string;
  datacontenttype: 'application/json;charset=utf-8';
  time: string;
  aliyunaccountid: string;
  aliyunpublishtime: string;
  aliyuneventbusname: 'default';
  aliyunregionid: string;
  aliyunpublishaddr: string;
  data: { resourceId: string; resourceType: 'ALIYUN::ECS::Instance'; state: string } | { instanceId: string; action: 'delete' };
}

/** Where events go: a function in-process, or a URL that takes one event per POST (local/fc's bus). */
export type EventSink = (event: EcsCloudEvent) => unknown;

/**
 * Delivery faults, by seed: EventBridge gives no ordering guarantee and may deliver an event twice, and as
 * far as this app is concerned events are best effort. `drop` and `duplicate` are probabilities per event;
 * every copy waits `delayMs`, and with probability `reorder` up to `reorderMs` more, so later events overtake it.
 */
export const EventKnobsSchema = z
  .object({
    drop: z.number().min(0).max(1).default(0),
    duplicate: z.number().min(0).max(1).default(0),
    delayMs: z.number().int().min(0).max(600_000).default(0),
    reorder: z.number().min(0).max(1).default(0),
    reorderMs: z.number().int().min(0).max(600_000).default(1_000),
    seed: z.number().int().optional(),
  })
  .strict();
export type EventKnobs = z.infer<typeof EventKnobsSchema>;

export interface EventCounts {
  published: number;
  dropped: number;
  duplicated: number;
  delivered: number;
  failed: number;
}

/** How often the publisher looks for transitions that came due (a clock may also be moved from outside). */
const TICK_MS = 100;

interface Cursor {
  /** Timeline entries already published (a timeline only ever grows at its end; see store/lifecycle.ts). */
  seen: number;
  deleted: boolean;
  notice: boolean;
}

/**
 * Turns the emulator's instance timelines into events. Status is never stored as "current" (it is read
 * from a timeline at the clock's now), so the publisher remembers how far it has published each instance
 * and publishes what has come due since: after every call that changes state, after a control change, and
 * on a short tick for time passing. Off (no timers at all) until a sink is set.
 */
export class EventPublisher {
  private sink: EventSink | undefined;
  private knobs: EventKnobs = EventKnobsSchema.parse({});
  private random: Random;
  private cursors = new Map<string, Cursor>();
  private timer: NodeJS.Timeout | undefined;
  /** A one-shot wake-up at the next transition due before the next tick, so an event is not a tick late. */
  private wake: NodeJS.Timeout | undefined;
  private seq = 0;
  counts: EventCounts = { published: 0, dropped: 0, duplicated: 0, delivered: 0, failed: 0 };

  constructor(
    private readonly state: () => EcsState,
    private readonly clock: Clock,
    private readonly seed: number,
    private readonly accountId = '1234567890123456',
  ) {
    this.random = seededRandom(seed);
  }

  get enabled(): boolean {
    return this.sink !== undefined;
  }

  /** Start publishing to `sink` (or stop, with undefined). What already happened is not published again. */
  setSink(sink: EventSink | string | undefined): void {
    this.sink = typeof sink === 'string' ? urlSink(sink) : sink;
    this.baseline();
    if (this.sink && !this.timer) {
      this.timer = setInterval(() => this.scan(), TICK_MS);
      this.timer.unref();
    }
    if (!this.sink && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  configure(input: unknown): EventKnobs {
    this.knobs = EventKnobsSchema.parse(input ?? {});
    this.random = seededRandom(this.knobs.seed ?? this.seed);
    return this.knobs;
  }

  get settings(): EventKnobs {
    return { ...this.knobs };
  }

  /** After a reset: nothing to publish for the (empty) account, faults off, counts from zero. */
  reset(): void {
    this.knobs = EventKnobsSchema.parse({});
    this.random = seededRandom(this.seed);
    this.counts = { published: 0, dropped: 0, duplicated: 0, delivered: 0, failed: 0 };
    this.baseline();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.wake) clearTimeout(this.wake);
    this.timer = undefined;
    this.sink = undefined;
  }

  /** Mark everything that has happened by now as published. */
  private baseline(): void {
    this.cursors.clear();
    const now = this.clock.now();
    for (const inst of this.state().instances.values()) {
      const gone = goneAt(inst);
      this.cursors.set(inst.instanceId, {
        seen: inst.timeline.filter((t) => t.at <= now).length,
        deleted: gone !== undefined && gone <= now,
        notice: inst.recyclingAt !== undefined && inst.recyclingAt <= now,
      });
    }
  }

  /** Publish every transition that has come due, in time order. */
  scan(): void {
    if (!this.sink) return;
    const now = this.clock.now();
    const due: Array<{ at: number; event: () => EcsCloudEvent }> = [];
    let next = Infinity;
    for (const inst of this.state().instances.values()) {
      let c = this.cursors.get(inst.instanceId);
      if (!c) this.cursors.set(inst.instanceId, (c = { seen: 0, deleted: false, notice: false }));
      if (c.deleted) continue;
      const gone = goneAt(inst);
      for (; c.seen < inst.timeline.length; c.seen++) {
        const t = inst.timeline[c.seen];
        if (gone !== undefined && t.at >= gone) break;
        if (t.at > now) {
          next = Math.min(next, t.at);
          break;
        }
        due.push({ at: t.at, event: () => this.stateChange(inst, t.status, t.at) });
      }
      if (!c.notice && inst.recyclingAt !== undefined && inst.recyclingAt <= now) {
        c.notice = true;
        const at = inst.recyclingAt;
        due.push({ at, event: () => this.interruption(inst, at) });
      }
      if (gone !== undefined && gone <= now) {
        c.deleted = true;
        due.push({ at: gone, event: () => this.stateChange(inst, 'Deleted', gone) });
      } else if (gone !== undefined) next = Math.min(next, gone);
      if (!c.notice && inst.recyclingAt !== undefined) next = Math.min(next, inst.recyclingAt);
    }
    due.sort((a, b) => a.at - b.at);
    if (next - now < TICK_MS && !this.wake) {
      this.wake = setTimeout(() => {
        this.wake = undefined;
        this.scan();
      }, Math.max(0, next - now));
      this.wake.unref();
    }
    for (const d of due) this.publish(d.event());
  }

  private publish(event: EcsCloudEvent): void {
    this.counts.published++;
    if (this.random() < this.knobs.drop) {
      this.counts.dropped++;
      return;
    }
    const copies = this.random() < this.knobs.duplicate ? 2 : 1;
    if (copies > 1) this.counts.duplicated++;
    for (let i = 0; i < copies; i++) {
      const late = this.random() < this.knobs.reorder ? Math.floor(this.random() * this.knobs.reorderMs) : 0;
      const delay = this.knobs.delayMs + late;
      const send = () => this.deliver(event);
      if (delay === 0) setImmediate(send);
      else setTimeout(send, delay).unref();
    }
  }

  private deliver(event: EcsCloudEvent): void {
    const sink = this.sink;
    if (!sink) return;
    try {
      Promise.resolve(sink(event)).then(
        () => this.counts.delivered++,
        () => this.counts.failed++,
      );
    } catch {
      this.counts.failed++;
    }
  }

  private envelope(inst: InstanceRecord, type: EcsCloudEvent['type'], at: number, data: EcsCloudEvent['data']): EcsCloudEvent {
    const hex = (n: number) => Array.from({ length: n }, () => Math.floor(this.random() * 16).toString(16)).join('');
    this.seq++;
    return {
      id: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
      source: 'acs.ecs',
      specversion: '1.0',
      type,
      subject: `acs:ecs:${inst.regionId}:${this.accountId}:instance/${inst.instanceId}`,
      datacontenttype: 'application/json;charset=utf-8',
      time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      aliyunaccountid: this.accountId,
      aliyunpublishtime: new Date(this.clock.now()).toISOString(),
      aliyuneventbusname: 'default',
      aliyunregionid: inst.regionId,
      aliyunpublishaddr: '127.0.0.1',
      data,
    };
  }

  private stateChange(inst: InstanceRecord, state: string, at: number): EcsCloudEvent {
    return this.envelope(inst, 'ecs:Instance:StateChange', at, { resourceId: inst.instanceId, resourceType: 'ALIYUN::ECS::Instance', state });
  }

  private interruption(inst: InstanceRecord, at: number): EcsCloudEvent {
    return this.envelope(inst, 'ecs:Instance:PreemptibleInstanceInterruption', at, { instanceId: inst.instanceId, action: 'delete' });
  }
}

/** One event per POST, as JSON; an answer other than 2xx counts as a failed delivery. */
function urlSink(url: string): EventSink {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(`event sink must be an http(s) URL, not ${url}`);
  return async (event) => {
    const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`event sink answered ${res.status}`);
  };
}
