import { isTerminal, type Batch, type ChatReplyState, type EcsFailure } from './batch';
import { EcsError, StoreError, VersionConflict } from './errors';
import { planBatch } from './plan';
import { nextLook } from './reconcile';
import type { Deps, Invoker } from './ports';
import { allowsProfile, launchSpecOf, profileNamed, type LaunchSpec, type Profiles } from './profile';
import type { BatchRequest } from './request';
import { driveSubmission, dryRun } from './submit';
import { nextLocalTime, releaseWindowProblem } from './time';
import type { FieldIssue } from './validation';

export interface IntakeDeps extends Deps {
  profiles: Profiles;
  /** How long the submitter holds a new batch before the sweeper may take it over. */
  submitLeaseMs: number;
  /** With `sweeperFunction`, asks the sweeper for the fast-path watch of a new batch; best effort. */
  invoker?: Invoker;
  sweeperFunction?: string;
}

/** What the submitter may ask for: an API token's scope, a chat user's ACL grant, a schedule's allowance. */
export interface Grant {
  /** Launch profiles it may use. */
  profiles: '*' | readonly string[];
  /** Instances in one request. */
  maxPerRequest: number;
  /** Instances in any rolling 24 hours. */
  dailyLimit: number;
  /** May pass a full launch spec instead of a profile. */
  rawSpec?: boolean;
}

export interface IntakeInput {
  /** Validated: exactly one of `profile` and `spec`. */
  request: BatchRequest;
  owner: string;
  idempotencyKey?: string;
  grant: Grant;
  /**
   * A release time of day (`HH:MM`) in the profile's time zone, the next one after `from` (chat `until`,
   * schedules' `releaseAt`). It becomes the request's `releaseAt`, so a repeat asks for the same batch.
   */
  releaseAtLocal?: { time: string; from: number };
  /** Who is submitting (a request id, a timer run): names the lease. */
  submitter: string;
  /** Where to tell a chat user how the batch ended (chat commands only). Not part of the request hash. */
  chatReply?: Pick<ChatReplyState, 'kind' | 'url' | 'expiresAt'>;
  /** Called once the batch is recorded, before any RunInstances: from then on the sweeper finishes it. */
  onRecorded?: () => void;
}

export type IntakeResult =
  /** No such profile; `allowed` are the profiles this submitter may use. */
  | { kind: 'unknownProfile'; profile: string; allowed: string[] }
  /** The grant does not cover the profile or a raw spec. */
  | { kind: 'forbidden'; field: 'profile' | 'spec' }
  /** More instances than the profile (`by: 'profile'`) or the grant allows in one request. */
  | { kind: 'overLimit'; by: 'profile' | 'grant'; limit: number }
  | { kind: 'invalid'; issues: FieldIssue[] }
  | { kind: 'dryRun'; wouldSucceed: true; offering: Batch['offerings'][number] }
  | { kind: 'dryRun'; wouldSucceed: false; error: EcsFailure | undefined; capacityFailures: EcsFailure[] }
  | { kind: 'replayed'; batch: Batch }
  | { kind: 'conflict'; batchId: string }
  | { kind: 'overDailyLimit'; limit: number }
  | { kind: 'created'; batch: Batch };

/** A raw spec's deadline when the request names none (a profile brings its own). */
const RAW_SPEC_DEADLINE_SECONDS = 900;

/**
 * The one way a batch comes to exist, for the HTTP API, chat commands and schedules alike: resolve the
 * launch profile and hold the request to its limits and the submitter's grant, plan the batch, check the
 * idempotency key and the daily allowance, record it (with its queue entry and ClientTokens) BEFORE any
 * RunInstances, submit, hand it to the sweeper and ask for a watch.
 */
export async function intake(deps: IntakeDeps, input: IntakeInput): Promise<IntakeResult> {
  const { grant } = input;
  let request = input.request;
  let spec: LaunchSpec;
  let deadlineSeconds = RAW_SPEC_DEADLINE_SECONDS;
  if (request.spec) {
    if (!grant.rawSpec) return { kind: 'forbidden', field: 'spec' };
    spec = request.spec;
  } else {
    const name = request.profile!;
    const profile = profileNamed(deps.profiles, name);
    if (!profile) return { kind: 'unknownProfile', profile: name, allowed: Object.keys(deps.profiles).filter((p) => allowsProfile(grant.profiles, p)) };
    if (!allowsProfile(grant.profiles, name)) return { kind: 'forbidden', field: 'profile' };
    if (request.amount > profile.limits.maxPerRequest) return { kind: 'overLimit', by: 'profile', limit: profile.limits.maxPerRequest };
    spec = launchSpecOf(profile);
    deadlineSeconds = profile.deadlineSeconds;
    if (input.releaseAtLocal) {
      const { time, from } = input.releaseAtLocal;
      const at = nextLocalTime(time, profile.timeZone, from);
      const problem = releaseWindowProblem(at, deps.clock.now());
      if (problem) return { kind: 'invalid', issues: [{ field: 'releaseAt', message: `${time} (${profile.timeZone}) is only ${Math.max(0, Math.floor((at - deps.clock.now()) / 60_000))} minutes away: ${problem}` }] };
      request = { ...request, releaseAt: new Date(at).toISOString() };
    }
  }
  if (request.amount > grant.maxPerRequest) return { kind: 'overLimit', by: 'grant', limit: grant.maxPerRequest };

  const now = deps.clock.now();
  const plan = planBatch({
    request,
    owner: input.owner,
    idempotencyKey: input.idempotencyKey,
    profileName: request.profile,
    spec,
    deadlineSeconds,
    now,
    lease: { owner: input.submitter, ms: deps.submitLeaseMs },
  });
  if (!plan.ok) return { kind: 'invalid', issues: plan.issues };
  let batch = plan.batch;
  if (input.chatReply) batch = { ...batch, chatReply: { ...input.chatReply, state: 'waiting', deliveryId: `${batch.id}-chat`, attempts: 0 } };

  if (request.dryRun) {
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
  if (!(await deps.store.reserveDaily(input.owner, batch.id, batch.amount, grant.dailyLimit, now))) {
    return { kind: 'overDailyLimit', limit: grant.dailyLimit };
  }
  const created = await deps.store.createBatch(batch);
  if (!created.created) return replay(created.existing);
  batch = created.batch;
  input.onRecorded?.();
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
  if (deps.invoker && deps.sweeperFunction && !isTerminal(batch.status)) {
    const batchId = batch.id;
    // The task id makes FC drop a second request for the same watch.
    await deps.invoker.invokeAsync(deps.sweeperFunction, { action: 'watch', batchId }, `watch-${batchId}`).catch((e: unknown) => deps.log.warn('watch request failed; the timer will sweep', { batchId: batch.id, error: e }));
  }
  return { kind: 'created', batch };
}
