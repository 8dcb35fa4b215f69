import { isTerminal, type Batch, type ChatNotifyState, type EcsFailure } from './batch';
import { EcsError, StoreError, VersionConflict } from './errors';
import { planBatch } from './plan';
import { nextLook } from './reconcile';
import type { Deps } from './ports';
import type { LaunchSpec } from './profile';
import type { BatchRequest } from './request';
import { driveSubmission, dryRun } from './submit';
import type { FieldIssue } from './validation';

export interface IntakeDeps extends Deps {
  /** How long the submitter holds a new batch before the sweeper may take it over. */
  submitLeaseMs: number;
  /** Ask for the fast-path watch of a batch; best effort. */
  watch?: (batchId: string) => Promise<void>;
}

export interface IntakeInput {
  request: BatchRequest;
  owner: string;
  idempotencyKey?: string;
  profileName?: string;
  spec: LaunchSpec;
  deadlineSeconds: number;
  dailyLimit: number;
  /** Who is submitting (a request id, a timer run): names the lease. */
  submitter: string;
  /** Where to tell a chat user how the batch ended (chat commands only). Not part of the request hash. */
  notify?: Pick<ChatNotifyState, 'kind' | 'url' | 'expiresAt'>;
}

export type IntakeResult =
  | { kind: 'invalid'; issues: FieldIssue[] }
  | { kind: 'dryRun'; wouldSucceed: true; offering: Batch['offerings'][number] }
  | { kind: 'dryRun'; wouldSucceed: false; error: EcsFailure | undefined; capacityFailures: EcsFailure[] }
  | { kind: 'replayed'; batch: Batch }
  | { kind: 'conflict'; batchId: string }
  | { kind: 'overDailyLimit'; limit: number }
  | { kind: 'created'; batch: Batch };

/**
 * The one way a batch comes to exist, for the HTTP API, chat commands and schedules alike:
 * plan it, check the idempotency key and the daily allowance, record it (with its queue entry and
 * ClientTokens) BEFORE any RunInstances, submit, and hand it to the sweeper.
 */
export async function intake(deps: IntakeDeps, input: IntakeInput): Promise<IntakeResult> {
  const now = deps.clock.now();
  const plan = planBatch({
    request: input.request,
    owner: input.owner,
    idempotencyKey: input.idempotencyKey,
    profileName: input.profileName,
    spec: input.spec,
    deadlineSeconds: input.deadlineSeconds,
    now,
    lease: { owner: input.submitter, ms: deps.submitLeaseMs },
  });
  if (!plan.ok) return { kind: 'invalid', issues: plan.issues };
  let batch = plan.batch;
  if (input.notify) batch = { ...batch, notify: { ...input.notify, state: 'waiting', deliveryId: `${batch.id}-chat`, attempts: 0 } };

  if (input.request.dryRun) {
    const r = await dryRun(deps.ecs, batch);
    return r.wouldSucceed
      ? { kind: 'dryRun', wouldSucceed: true, offering: batch.offerings[r.offering] }
      : { kind: 'dryRun', wouldSucceed: false, error: r.error, capacityFailures: r.capacityFailures };
  }

  const replay = (existing: Batch): IntakeResult =>
    existing.requestHash === batch.requestHash ? { kind: 'replayed', batch: existing } : { kind: 'conflict', batchId: existing.id };
  if (input.idempotencyKey !== undefined) {
    const existing = await deps.store.getBatch(batch.id);
    if (existing) return replay(existing);
  }
  if (!(await deps.store.reserveDaily(input.owner, batch.id, batch.amount, input.dailyLimit, now))) {
    return { kind: 'overDailyLimit', limit: input.dailyLimit };
  }
  const created = await deps.store.createBatch(batch);
  if (!created.created) return replay(created.existing);
  batch = created.batch;
  deps.log.info('batch recorded', { batchId: batch.id, amount: batch.amount, owner: batch.owner });

  try {
    batch = await driveSubmission(deps, batch);
    // Hand over to the sweeper by the same rule it reschedules with: soon for a batch to watch or
    // re-drive, now for an ended one that still owes a callback or chat reply, never for one that owes nothing.
    const next = nextLook(batch, deps.clock.now());
    const from = batch.dueAt;
    batch = await deps.store.saveBatch({ ...batch, lease: undefined, dueAt: next ?? batch.dueAt });
    await deps.store.moveDue(batch.id, from, next);
  } catch (e) {
    // The batch and its queue entry exist: whatever happened, the sweeper finishes the job.
    if (!(e instanceof EcsError || e instanceof StoreError || e instanceof VersionConflict)) throw e;
    deps.log.warn('submission left to the sweeper', { batchId: batch.id, error: e });
    batch = (await deps.store.getBatch(batch.id).catch(() => undefined)) ?? batch;
  }
  deps.log.info('batch submitted', { batchId: batch.id, status: batch.status });
  if (deps.watch && !isTerminal(batch.status)) {
    await deps.watch(batch.id).catch((e: unknown) => deps.log.warn('watch request failed; the timer will sweep', { batchId: batch.id, error: e }));
  }
  return { kind: 'created', batch };
}
