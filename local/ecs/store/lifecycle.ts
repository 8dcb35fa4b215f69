/**
 * An instance's status is never stored as "current": each record keeps a timeline of transitions
 * with their times, and the status is read at the clock's now. Advancing the clock therefore moves
 * every instance forward at once, with no timer per instance.
 */
export type InstanceStatus = 'Pending' | 'Starting' | 'Running' | 'Stopping' | 'Stopped';

export interface Transition {
  status: InstanceStatus;
  at: number;
}

export interface LifecycleTimings {
  /** RunInstances: time spent Pending, then Starting, before Running. */
  pendingMs: number;
  startingMs: number;
  /** StopInstance: time spent Stopping before Stopped. */
  stoppingMs: number;
}

/** `bootSeconds` is the whole way from RunInstances to Running; 40% of it is Pending, the rest Starting. */
export function timingsFor(bootSeconds: number): LifecycleTimings {
  const total = Math.max(0, bootSeconds) * 1000;
  const pendingMs = Math.round(total * 0.4);
  return { pendingMs, startingMs: total - pendingMs, stoppingMs: total - pendingMs };
}

export function statusAt(timeline: readonly Transition[], now: number): InstanceStatus {
  let status = timeline[0].status;
  for (const t of timeline) if (t.at <= now) status = t.status;
  return status;
}

/** Drop the transitions still in the future: a new command replaces whatever was scheduled. */
export function pastOnly(timeline: readonly Transition[], now: number): Transition[] {
  const past = timeline.filter((t) => t.at <= now);
  return past.length ? past : [timeline[0]];
}

export function bootTimeline(now: number, t: LifecycleTimings, held: boolean): Transition[] {
  if (held) return [{ status: 'Pending', at: now }];
  return [
    { status: 'Pending', at: now },
    { status: 'Starting', at: now + t.pendingMs },
    { status: 'Running', at: now + t.pendingMs + t.startingMs },
  ];
}

/** When the instance last became Running, if it has by `now`. */
export function lastStartAt(timeline: readonly Transition[], now: number): number | undefined {
  let at: number | undefined;
  for (const t of timeline) if (t.at <= now && t.status === 'Running') at = t.at;
  return at;
}
