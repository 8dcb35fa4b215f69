import { chatReplyChannel } from '../chatops/reply';
import { GONE_STATES, isTerminal, markReleased, type Batch } from '../core/batch';
import { deliver, owedDeliveries } from '../core/delivery';
import { EcsError, VersionConflict } from '../core/errors';
import { mapLimited } from '../core/limited';
import type { Deps, DueEntry, EventStore, InstanceView, Poster } from '../core/ports';
import { DEFAULT_RECONCILE, needsRelease, nextLook, reconcile, wantsDescribe, type ReconcileOptions } from '../core/reconcile';
import { deleteInstancesOf, stillStarting } from '../core/release';
import { driveSubmission } from '../core/submit';
import { callbackChannel } from './callback';

export interface SweepDeps extends Deps {
  post: Poster;
  /** Signs callbacks; without it callbacks are sent unsigned (README says why you should set it). */
  callbackSecret?: string;
  /** Identifies this sweeper in leases. */
  owner: string;
  leaseMs: number;
  reconcile?: ReconcileOptions;
  /** Batches handled at once. */
  concurrency: number;
  /** ECS events: with events arriving from a region, its healthy batches are looked at less often (reconcile.ts). */
  events?: EventStore;
}

/** Events count as flowing from a region if one arrived this recently (they come with every instance's boot). */
export const EVENTS_FRESH_MS = 10 * 60_000;

export interface SweepSummary {
  due: number;
  claimed: number;
  busy: number;
  ended: Record<string, number>;
  started: number;
  /** Callbacks delivered by this sweep. */
  callbacksDelivered: number;
  errors: number;
  stale: number;
  describeCalls: number;
}

const emptySummary = (): SweepSummary => ({ due: 0, claimed: 0, busy: 0, ended: {}, started: 0, callbacksDelivered: 0, errors: 0, stale: 0, describeCalls: 0 });

/** A queue entry of a batch nobody recorded (its api call crashed before the batch row) is dropped after this. */
const ORPHAN_ENTRY_MS = 10 * 60_000;

/**
 * One timer run: take every due batch, act on it under a lease, and reschedule it. One failing batch never
 * stops the sweep; new work stops being taken when `stopBy` comes (the function's time budget).
 */
export async function sweep(deps: SweepDeps, stopBy: number): Promise<SweepSummary> {
  const entries = await deps.store.dueEntries(deps.clock.now(), 1000);
  return sweepEntries(deps, stopBy, entries);
}

/**
 * Look at one batch now because an ECS event said something happened to it: `entry` is the "look now" entry
 * the event put in the queue first (so a crash here leaves it to the timer). `change` (pure) is applied to
 * the batch under the lease before anything else, e.g. a spot interruption notice. The summary's `busy`
 * says another sweeper held the batch: the entry is still there, and the caller may try again.
 */
export async function sweepNow(deps: SweepDeps, stopBy: number, entry: DueEntry, change?: (b: Batch, now: number) => Batch, describe = true): Promise<SweepSummary> {
  return sweepEntries(deps, stopBy, [entry], { change, describe });
}

async function sweepEntries(deps: SweepDeps, stopBy: number, entries: DueEntry[], opts: { change?: (b: Batch, now: number) => Batch; describe?: boolean } = {}): Promise<SweepSummary> {
  const summary = emptySummary();
  summary.due = entries.length;
  const byBatch = new Map<string, DueEntry[]>();
  for (const e of entries) byBatch.set(e.batchId, [...(byBatch.get(e.batchId) ?? []), e]);

  // 1. claim
  const claimed: Array<{ batch: Batch; entries: DueEntry[]; nudged: boolean }> = [];
  await mapLimited([...byBatch.entries()], deps.concurrency, async ([batchId, es]) => {
    if (deps.clock.now() >= stopBy) return;
    const got = await guarded(deps, summary, batchId, async () => {
      const b = await claim(deps, batchId, es, summary);
      // A change (an interruption notice) is stored before anything acts on it: a new chunk's ClientToken
      // is recorded before the RunInstances that uses it.
      return b && opts.change ? deps.store.saveBatch(opts.change(b, deps.clock.now())) : b;
    });
    if (got) claimed.push({ batch: got, entries: es, nudged: es.some((e) => e.nudge) && opts.describe !== false });
  });
  summary.claimed = claimed.length;

  // 2. one DescribeInstances per 100 ids across the PENDING batches of a region that need a look at ECS
  const flowing = await eventRegions(deps, claimed.map((c) => c.batch));
  const now = deps.clock.now();
  const describe = claimed.filter((c) => wantsDescribe(c.batch, now, { events: flowing.has(c.batch.spec.region), nudged: c.nudged })).map((c) => c.batch);
  const seen = await describeAll(deps, describe, summary);

  // 3. act, then hand the batch back (drop our lease, reschedule)
  await mapLimited(claimed, deps.concurrency, async ({ batch, entries: es }) => {
    await guarded(deps, summary, batch.id, async () => {
      const events = flowing.has(batch.spec.region);
      try {
        const done = await act(deps, batch, seen, summary);
        await handBack(deps, done, es, events);
      } catch (e) {
        await backOff(deps, batch, es).catch(() => undefined);
        throw e;
      }
    });
  });
  // Every minute, mostly with nothing due: that is routine, not news.
  if (summary.due === 0 && summary.errors === 0) deps.log.debug('sweep done', { ...summary });
  else deps.log.info('sweep done', { ...summary });
  return summary;
}

/** The name of the one watcher's lease: many submissions, one fast loop. */
export const WATCHER = 'watcher';
const WATCH_LOOK_MS = 2_000;
const WATCHER_LEASE_MS = 30_000;

export interface WatchResult {
  looks: number;
  ended: Record<string, number>;
  /** busy: another watcher holds the lease; idle: nothing left to look at soon; budget: time ran out. */
  reason: 'busy' | 'idle' | 'budget';
}

/**
 * The fast path after a submission: a sweep every ~2 s for as long as batches are due soon, so a batch is
 * seen Running within seconds instead of at the next minute timer. Every submission asks for a watch, but
 * only one runs at a time (a named lease): it sweeps ALL due batches together, one DescribeInstances per
 * 100 ids, so fifty batches booting at once cost one describe a look, not fifty. When its budget runs low,
 * or nothing is due within ten seconds, it stops and the timer carries on.
 */
export async function watch(deps: SweepDeps, stopBy: number, sleep: (ms: number) => Promise<void>): Promise<WatchResult> {
  const ended: Record<string, number> = {};
  let looks = 0;
  const hold = () => deps.store.tryLease(WATCHER, deps.owner, deps.clock.now(), WATCHER_LEASE_MS);
  const dueSoon = async () => (await deps.store.dueEntries(deps.clock.now() + 10_000, 1)).length > 0;
  if (!(await hold())) return { looks, ended, reason: 'busy' };
  for (;;) {
    const summary = await sweep(deps, stopBy);
    looks++;
    for (const [k, n] of Object.entries(summary.ended)) ended[k] = (ended[k] ?? 0) + n;
    if (deps.clock.now() + WATCH_LOOK_MS >= stopBy) {
      await deps.store.dropLease(WATCHER, deps.owner);
      return { looks, ended, reason: 'budget' };
    }
    if (!(await dueSoon())) {
      await deps.store.dropLease(WATCHER, deps.owner);
      // Look once more after letting go: a watch that found us busy a moment ago has left its batch to us.
      if (!(await dueSoon())) return { looks, ended, reason: 'idle' };
      if (!(await hold())) return { looks, ended, reason: 'busy' };
    }
    await sleep(WATCH_LOOK_MS);
    if (!(await hold())) return { looks, ended, reason: 'busy' };
  }
}

/** The regions of these batches that ECS events arrive from (none without an event store). */
async function eventRegions(deps: SweepDeps, batches: Batch[]): Promise<Set<string>> {
  const out = new Set<string>();
  if (!deps.events) return out;
  const regions = new Set(batches.filter((b) => b.status === 'PENDING').map((b) => b.spec.region));
  for (const region of regions) {
    // Unknown means no: the batch is then looked at as often as without events, which is only slower.
    const at = await deps.events.lastEventAt(region).catch(() => undefined);
    if (at !== undefined && deps.clock.now() - at < EVENTS_FRESH_MS) out.add(region);
  }
  return out;
}

async function claim(deps: SweepDeps, batchId: string, entries: DueEntry[], summary: SweepSummary): Promise<Batch | undefined> {
  const now = deps.clock.now();
  const b = await deps.store.getBatch(batchId);
  if (!b) {
    for (const e of entries) if (e.dueAt < now - ORPHAN_ENTRY_MS) await deps.store.moveDue(batchId, e.dueAt, undefined);
    return undefined;
  }
  // An event's "look now" entry makes the batch due now; it goes when the batch is released.
  const nudged = entries.some((e) => e.nudge && e.dueAt <= now);
  // Entries that no longer match the batch's own dueAt are leftovers of a reschedule: keep one true entry.
  for (const e of entries) {
    if (!e.nudge && e.dueAt !== b.dueAt) {
      summary.stale++;
      await deps.store.moveDue(batchId, e.dueAt, hasWork(b, now) ? b.dueAt : undefined);
    }
  }
  if (!hasWork(b, now)) {
    for (const e of entries) if (e.dueAt === b.dueAt || e.nudge) await deps.store.moveDue(batchId, e.dueAt, undefined);
    return undefined;
  }
  if (b.dueAt > now && !nudged) return undefined;
  if (b.lease && b.lease.until > now) {
    summary.busy++;
    return undefined;
  }
  try {
    // The claim: a conditional write on the version we read. Of two sweepers that read the same version,
    // exactly one gets here; the other gets VersionConflict and leaves the batch alone.
    return await deps.store.saveBatch({ ...b, lease: { owner: deps.owner, until: now + deps.leaseMs } });
  } catch (e) {
    if (e instanceof VersionConflict) {
      summary.busy++;
      return undefined;
    }
    throw e;
  }
}

function hasWork(b: Batch, now: number): boolean {
  if (!isTerminal(b.status)) return true;
  return owedDeliveries(b).length > 0 || needsRelease(b) || (b.lease !== undefined && b.lease.until > now);
}

/**
 * What DescribeInstances said, the regions where it failed (their batches wait for a later sweep), and
 * each PENDING batch of the other regions folded with it (its Stopped instances already asked to start).
 */
interface Observation {
  seen: Map<string, InstanceView>;
  failed: Map<string, unknown>;
  folded: Map<string, Batch>;
}

async function describeAll(deps: SweepDeps, batches: Batch[], summary: SweepSummary): Promise<Observation> {
  const byRegion = new Map<string, string[]>();
  for (const b of batches) {
    if (b.status !== 'PENDING') continue;
    const ids = b.instances.filter((i) => !GONE_STATES.has(i.state) && i.state !== 'Reclaimed').map((i) => i.instanceId);
    byRegion.set(b.spec.region, [...(byRegion.get(b.spec.region) ?? []), ...ids]);
  }
  const seen = new Map<string, InstanceView>();
  const failed = new Map<string, unknown>();
  for (const [region, ids] of byRegion) {
    if (ids.length === 0) continue;
    summary.describeCalls += Math.ceil(ids.length / 100);
    // Per region: one batch with a bad region (or a region whose endpoint is down) must not hold back the
    // batches of every other region, which one failure for the whole sweep used to do.
    try {
      for (const [id, v] of await deps.ecs.describeInstances(region, ids)) seen.set(id, v);
    } catch (e) {
      deps.log.warn('describe failed; this region\'s pending batches wait for the next sweep', { region, error: e });
      failed.set(region, e);
    }
  }
  // Fold every batch (pure), then start the Stopped instances of the whole sweep with one StartInstances
  // per 100 ids per region rather than one call per batch. Each batch is under our lease, so no other
  // sweeper starts the same instance; a start that fails is retried after the restart window.
  const folded = new Map<string, Batch>();
  const starts = new Map<string, string[]>();
  for (const b of batches) {
    if (b.status !== 'PENDING' || failed.has(b.spec.region)) continue;
    const r = reconcile(b, seen, deps.clock.now(), deps.reconcile ?? DEFAULT_RECONCILE);
    folded.set(b.id, r.batch);
    if (r.start.length > 0) starts.set(b.spec.region, [...(starts.get(b.spec.region) ?? []), ...r.start]);
  }
  for (const [region, ids] of starts) {
    try {
      summary.started += (await deps.ecs.startInstances(region, ids)).filter((x) => x.ok).length;
    } catch (e) {
      deps.log.warn('start failed; retried after the restart window', { region, count: ids.length, error: e });
    }
  }
  return { seen, failed, folded };
}

async function act(deps: SweepDeps, b: Batch, observed: Observation | undefined, summary: SweepSummary): Promise<Batch> {
  const wasTerminal = isTerminal(b.status);
  if (b.status === 'SUBMITTING') {
    b = await driveSubmission(deps, b);
  } else if (b.status === 'PENDING' && observed) {
    const failed = observed.failed.get(b.spec.region);
    const now = deps.clock.now();
    if (failed !== undefined) {
      // An outage may pass: back off and look again. A refusal (a region ECS does not know, a key that may
      // not describe) will not; past the deadline the batch ends TIMED_OUT with ECS's reason instead of being
      // looked at forever.
      if (!(failed instanceof EcsError) || failed.transient || now < b.deadlineAt) throw failed;
      b = await deps.store.saveBatch({ ...b, status: 'TIMED_OUT', endedAt: now, updatedAt: now, error: { code: failed.code, message: failed.message, ...(failed.requestId ? { requestId: failed.requestId } : {}) } });
    } else {
      const folded = observed.folded.get(b.id);
      if (folded) b = await deps.store.saveBatch(folded);
      if (b.status === 'SUBMITTING') b = await driveSubmission(deps, b); // replacements for lost instances
    }
  }
  if (needsRelease(b)) {
    // Cancel-and-release and release alike. Each instance's fate (Released, or Lost if ECS no longer knew
    // it) is recorded. Instances still starting make ECS refuse: expected, so the batch is simply looked at
    // again (nextLook keeps a batch that owes a release due) rather than counted as a failed sweep.
    try {
      b = await deps.store.saveBatch(markReleased(await deleteInstancesOf(deps.ecs, b), deps.clock.now()));
    } catch (e) {
      if (!stillStarting(e)) throw e;
      deps.log.info('release waits for instances still starting', { batchId: b.id, code: (e as EcsError).code });
    }
  }
  if (isTerminal(b.status) && !wasTerminal) {
    summary.ended[b.status] = (summary.ended[b.status] ?? 0) + 1;
    deps.log.info('batch ended', { batchId: b.id, status: b.status, instances: b.instances.length });
  }
  // The final-outcome deliveries, each when it is due (core/delivery.ts).
  const callbackWas = b.callback?.state;
  b = await deliver(deps, b, callbackChannel(deps.callbackSecret));
  if (b.callback?.state === 'delivered' && callbackWas !== 'delivered') summary.callbacksDelivered++;
  return deliver(deps, b, chatReplyChannel);
}

/** Drop our lease on a batch we acted on and queue its next look. ("Release" is only ever said of instances.) */
async function handBack(deps: SweepDeps, b: Batch, entries: DueEntry[], events: boolean): Promise<Batch> {
  const now = deps.clock.now();
  const next = nextLook({ ...b, failures: 0 }, now, { events });
  const saved = await deps.store.saveBatch({ ...b, lease: undefined, failures: 0, dueAt: next ?? b.dueAt, updatedAt: now });
  await reschedule(deps, saved.id, entries, b.dueAt, next);
  return saved;
}

async function backOff(deps: SweepDeps, b: Batch, entries: DueEntry[]): Promise<void> {
  const current = await deps.store.getBatch(b.id);
  if (!current || current.lease?.owner !== deps.owner) return;
  const failures = (current.failures ?? 0) + 1;
  const next = nextLook({ ...current, failures }, deps.clock.now()) ?? deps.clock.now() + 30_000;
  await deps.store.saveBatch({ ...current, lease: undefined, failures, dueAt: next });
  await reschedule(deps, b.id, entries, current.dueAt, next);
}

async function reschedule(deps: SweepDeps, batchId: string, entries: DueEntry[], recorded: number, next: number | undefined): Promise<void> {
  // The new entry first, then the old ones: never a moment with no entry for a batch that has work.
  if (next !== undefined) await deps.store.moveDue(batchId, undefined, next);
  const olds = new Set([recorded, ...entries.map((e) => e.dueAt)]);
  for (const old of olds) if (old !== next) await deps.store.moveDue(batchId, old, undefined);
}

async function guarded<T>(deps: SweepDeps, summary: SweepSummary, batchId: string, f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof VersionConflict) {
      summary.busy++;
      return undefined;
    }
    summary.errors++;
    deps.log.error('batch sweep failed', { batchId, error: e });
    return undefined;
  }
}
