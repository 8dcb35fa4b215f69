import { chunkAmounts, clientToken, isTerminal, type Batch, type InstanceRecord, type InstanceState } from './batch';
import { owedDeliveries } from './delivery';
import type { InstanceView } from './ports';
import { needsRelease } from './release';

export { needsRelease };

export interface ReconcileOptions {
  /** An id DescribeInstances does not know is Lost only after this long (Describe lags creation). */
  missingGraceMs: number;
  /** StartInstance is not repeated for the same instance within this window. */
  restartAfterMs: number;
  /** Replacement rounds allowed for a batch that asked to replace lost instances. */
  maxReplacements: number;
}

export const DEFAULT_RECONCILE: ReconcileOptions = { missingGraceMs: 60_000, restartAfterMs: 60_000, maxReplacements: 2 };

const KNOWN: ReadonlySet<string> = new Set(['Pending', 'Starting', 'Running', 'Stopping', 'Stopped']);
const GONE: ReadonlySet<InstanceState> = new Set(['Lost', 'Reclaimed', 'Released']);

/**
 * Fold one DescribeInstances observation into a PENDING batch and decide what happens next.
 * Pure: returns the new batch and the instances to start; the caller does the I/O.
 */
export function reconcile(
  batch: Batch,
  seen: ReadonlyMap<string, InstanceView>,
  now: number,
  opts: ReconcileOptions = DEFAULT_RECONCILE,
): { batch: Batch; start: string[] } {
  if (batch.status !== 'PENDING') return { batch, start: [] };
  const b: Batch = structuredClone(batch);
  b.updatedAt = now;
  const start: string[] = [];
  for (const inst of b.instances) {
    if (GONE.has(inst.state)) continue;
    const view = seen.get(inst.instanceId);
    if (!view) {
      inst.missingSince ??= now;
      if (now - inst.missingSince >= opts.missingGraceMs) {
        inst.state = 'Lost';
        inst.endedAt ??= inst.missingSince;
      }
      continue;
    }
    delete inst.missingSince;
    observe(inst, view, now);
    if (inst.state === 'Stopped' && (inst.startRequestedAt === undefined || now - inst.startRequestedAt >= opts.restartAfterMs)) {
      inst.startRequestedAt = now;
      start.push(inst.instanceId);
    }
  }
  const decided = decide(b, now, opts);
  // A batch that just ended (TIMED_OUT with a Stopped instance) is over: starting its instances now would
  // only run machines nobody tracks any more.
  if (isTerminal(decided.status)) {
    for (const inst of decided.instances) if (start.includes(inst.instanceId)) delete inst.startRequestedAt;
    return { batch: decided, start: [] };
  }
  return { batch: decided, start };
}

function observe(inst: InstanceRecord, view: InstanceView, now: number): void {
  inst.state = view.recycling ? 'Reclaimed' : KNOWN.has(view.status) ? (view.status as InstanceState) : 'Lost';
  inst.firstSeenAt ??= now;
  if (inst.state === 'Starting') inst.startedAt ??= now;
  if (inst.state === 'Running') inst.runningAt ??= now;
  if (GONE.has(inst.state)) inst.endedAt ??= now;
  if (view.zoneId) inst.zoneId = view.zoneId;
  if (view.instanceType) inst.instanceType = view.instanceType;
  if (view.privateIp) inst.privateIp = view.privateIp;
  if (view.publicIp) inst.publicIp = view.publicIp;
}

/** The outcome rules, in order: all Running; lost ones replaced or accepted; past the deadline; keep going. */
function decide(b: Batch, now: number, opts: ReconcileOptions): Batch {
  const alive = b.instances.filter((i) => !GONE.has(i.state));
  // An instance Describe does not know right now is not Running, whatever it was last seen as: it is either
  // not visible yet or gone, and the missing grace decides which. Counting its old state would end a batch
  // RUNNING with a vanished instance in it.
  const allRunning = alive.every((i) => i.state === 'Running' && i.missingSince === undefined);
  const missing = b.amount - alive.length;
  if (allRunning && missing === 0) return end(b, 'RUNNING', now);
  // Replace what is gone at once, while the rest may still boot: a spot instance under reclaim still runs for
  // a few minutes, so its replacement can be Running before it goes.
  const lost = b.instances.length - alive.length;
  if (missing > 0 && lost > 0 && canReplace(b, now, opts)) return addReplacements(b, missing, now);
  if (allRunning && missing > 0) return end(b, alive.length > 0 ? 'PARTIAL' : 'FAILED', now);
  if (now >= b.deadlineAt) return end(b, 'TIMED_OUT', now);
  return b;
}

const canReplace = (b: Batch, now: number, opts: ReconcileOptions) => b.replaceLost && (b.replacements ?? 0) < opts.maxReplacements && now < b.deadlineAt;

/**
 * A spot interruption notice for one instance of a batch being tracked: it is marked Reclaimed with the
 * notice's time, and a `replaceLost` batch gets its replacement chunk at once (SUBMITTING: the caller stores
 * it, with its new ClientToken, before any RunInstances). The batch never ends on a notice alone: the next
 * DescribeInstances (which shows the Recycling lock) decides. Pure.
 */
export function interrupt(batch: Batch, instanceId: string, at: number, now: number, opts: ReconcileOptions = DEFAULT_RECONCILE): Batch {
  const inst = batch.instances.find((i) => i.instanceId === instanceId);
  if (!inst || inst.interruptedAt !== undefined) return batch;
  const b: Batch = structuredClone(batch);
  const mine = b.instances.find((i) => i.instanceId === instanceId)!;
  mine.interruptedAt = at;
  b.updatedAt = now;
  if (isTerminal(b.status) || GONE.has(mine.state)) return b;
  mine.state = 'Reclaimed';
  mine.endedAt ??= at;
  const missing = b.amount - b.instances.filter((i) => !GONE.has(i.state)).length;
  return b.status === 'PENDING' && missing > 0 && canReplace(b, now, opts) ? addReplacements(b, missing, now) : b;
}

function end(b: Batch, status: Batch['status'], now: number): Batch {
  b.status = status;
  b.endedAt = now;
  if (status === 'FAILED' && !b.error) b.error = { code: 'InstancesLost', message: 'every instance of the batch disappeared' };
  if (status === 'TIMED_OUT') b.error = { code: 'DeadlineExceeded', message: 'not every instance was Running before the deadline' };
  return b;
}

/** New chunks for the missing count; SUBMITTING again so the same re-drive path creates them. */
function addReplacements(b: Batch, missing: number, now: number): Batch {
  b.replacements = (b.replacements ?? 0) + 1;
  const failed = new Set(b.failedOfferings.map((f) => f.offering));
  const offering = Math.max(0, b.offerings.findIndex((_, i) => !failed.has(i)));
  for (const amount of chunkAmounts(missing)) {
    const index = b.chunks.length;
    b.chunks.push({ index, amount, attempt: 0, offering, clientToken: clientToken(b.id, index, 0), state: 'pending', instanceIds: [] });
  }
  b.status = 'SUBMITTING';
  b.updatedAt = now;
  return b;
}

/**
 * With ECS events flowing (EventBridge), a Running, Stopped or Deleted event makes a batch due at once, so
 * looking on a timer is only the safety net for a lost event: a healthy PENDING batch is first looked at
 * EVENT_FIRST_LOOK_MS after its creation (no DescribeInstances before: it would only see Pending), then every
 * EVENT_LOOK_MS (the minute timer's pace). A lost event costs latency, never an outcome.
 */
export const EVENT_FIRST_LOOK_MS = 120_000;
export const EVENT_LOOK_MS = 60_000;

export interface LookOptions {
  /** Events from the batch's region arrived recently (see EventStore.lastEventAt). */
  events?: boolean;
}

/**
 * Whether a look at a PENDING batch needs a DescribeInstances: always without events, or when an event made
 * it due; with events, not while it is young and nothing is waiting on a look (a missing instance's grace,
 * a start to retry).
 */
export function wantsDescribe(b: Batch, now: number, o: LookOptions & { nudged: boolean }): boolean {
  if (b.status !== 'PENDING') return false;
  if (!o.events || o.nudged || (b.failures ?? 0) > 0) return true;
  return now >= b.createdAt + EVENT_FIRST_LOOK_MS || now >= b.deadlineAt || b.instances.some((i) => i.missingSince !== undefined || i.state === 'Stopped');
}

/** When to look at a batch again: soon while instances boot, backing off while nothing changes. */
export function nextLook(b: Batch, now: number, o: LookOptions = {}): number | undefined {
  if (isTerminal(b.status)) {
    // The earliest of what an ended batch still owes: its callback, its chat reply (a retry of either was
    // otherwise never scheduled when the other was absent) and a release still owed.
    const owed = owedDeliveries(b).map((d) => d.nextAttemptAt ?? now);
    if (needsRelease(b)) owed.push(now + 30_000);
    return owed.length > 0 ? Math.min(...owed) : undefined;
  }
  const failures = b.failures ?? 0;
  // A healthy PENDING batch is looked at more often while it is young, when Running is most likely to come:
  // every 2 s at first, a tenth of its age later, at most every 10 s (the seed scripts' poll). Looks are
  // cheap because a sweep describes all its batches together, 100 ids a call.
  // Whole milliseconds: dueAt is also an INTEGER key of the due-queue, and the two must compare equal.
  const base = b.status === 'SUBMITTING' ? 10_000 : failures > 0 ? 5_000 : Math.min(10_000, Math.max(2_000, Math.ceil((now - b.createdAt) / 10)));
  let later = now + Math.min(300_000, base * 2 ** Math.min(failures, 6));
  if (o.events && b.status === 'PENDING' && failures === 0) {
    const waits = b.instances.flatMap((i) => [i.missingSince, i.state === 'Stopped' ? i.startRequestedAt : undefined]).filter((t): t is number => t !== undefined);
    later = Math.max(now + 2_000, Math.min(now < b.createdAt + EVENT_FIRST_LOOK_MS ? b.createdAt + EVENT_FIRST_LOOK_MS : now + EVENT_LOOK_MS, ...waits.map((t) => t + DEFAULT_RECONCILE.missingGraceMs)));
  }
  // Look just after the deadline so the batch ends on time. Once the deadline is behind us, keep the backoff:
  // pinning to a past deadline made a batch that cannot be looked at (ECS down) due again at every sweep.
  return b.deadlineAt + 1_000 > now ? Math.min(b.deadlineAt + 1_000, later) : later;
}

