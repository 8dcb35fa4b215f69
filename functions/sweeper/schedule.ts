import type { BatchStatus } from '../core/batch';
import { intake, type IntakeDeps } from '../core/intake';
import type { Profiles } from '../core/profile';
import { BatchRequestSchema } from '../core/request';
import { nextLocalTime } from '../core/time';
import { fieldLine, formatIssues } from '../core/validation';
import type { SubmitPayload } from './payload';

export interface ScheduleDeps extends IntakeDeps {
  profiles: Profiles;
  /** Instances one schedule (one trigger name) may start in any 24 hours (`SCHEDULE_DAILY_LIMIT`). */
  dailyLimit: number;
  /** Names the submission lease. */
  submitter: string;
}

export type ScheduleOutcome =
  | { ok: true; batchId: string; status: BatchStatus; replayed: boolean }
  /** Nothing was created; `error` says why in an operator's words. */
  | { ok: false; error: string };

/** `schedule:<triggerName>` owns the batches of one timer trigger; its daily allowance counts per trigger. */
export const scheduleOwner = (triggerName: string) => `schedule:${triggerName}`;

/** The idempotency key of one firing: a retried or duplicated timer event carries the same name and time. */
export const scheduleKey = (trigger: { name: string; time: string }) => `${trigger.name}@${new Date(Date.parse(trigger.time)).toISOString()}`;

/**
 * A timer's scheduled scale-out, through the same intake as the HTTP API and chat. `releaseAt` is resolved
 * against the trigger time, not the clock, so a retry of the same firing asks for exactly the same batch.
 */
export async function submitScheduled(deps: ScheduleDeps, payload: SubmitPayload, trigger: { name: string; time: string }): Promise<ScheduleOutcome> {
  const refuse = (error: string): ScheduleOutcome => {
    deps.log.error('scheduled scale-out refused; nothing was created', { trigger: trigger.name, triggerTime: trigger.time, reason: error });
    return { ok: false, error };
  };
  // Own properties only: "constructor" is a well-formed profile name and a property of every object.
  const profile = Object.hasOwn(deps.profiles, payload.profile) ? deps.profiles[payload.profile] : undefined;
  if (!profile) return refuse(`payload.profile: no launch profile named "${payload.profile}"; known: ${Object.keys(deps.profiles).join(', ') || '(none)'}`);
  if (payload.amount > profile.limits.maxPerRequest) return refuse(`payload.amount: profile "${payload.profile}" allows at most ${profile.limits.maxPerRequest} per request`);
  const firedAt = Date.parse(trigger.time);
  const releaseAt = payload.releaseAt === undefined ? undefined : new Date(nextLocalTime(payload.releaseAt, profile.timeZone, firedAt)).toISOString();
  const request = BatchRequestSchema.safeParse({
    profile: payload.profile,
    amount: payload.amount,
    ...(payload.releaseAfter !== undefined ? { releaseAfter: payload.releaseAfter } : {}),
    ...(releaseAt !== undefined ? { releaseAt } : {}),
  });
  if (!request.success) return refuse(`payload: ${formatIssues(request.error.issues)}`);

  const { limits: _l, deadlineSeconds, timeZone: _t, ...spec } = profile;
  const result = await intake(deps, {
    request: request.data,
    owner: scheduleOwner(trigger.name),
    idempotencyKey: scheduleKey(trigger),
    profileName: payload.profile,
    spec,
    deadlineSeconds,
    dailyLimit: deps.dailyLimit,
    submitter: deps.submitter,
  });
  switch (result.kind) {
    case 'invalid':
      return refuse(`payload: ${result.issues.map(fieldLine).join('; ')}`);
    case 'overDailyLimit':
      return refuse(`SCHEDULE_DAILY_LIMIT: trigger ${trigger.name} may start at most ${result.limit} instances in any 24 hours`);
    case 'conflict':
      return refuse(`this firing (${trigger.name} at ${trigger.time}) already made batch ${result.batchId} from a different payload`);
    case 'dryRun':
      return refuse('a schedule cannot be a dry run');
    case 'replayed':
      deps.log.info('scheduled scale-out already submitted', { trigger: trigger.name, batchId: result.batch.id, status: result.batch.status });
      return { ok: true, batchId: result.batch.id, status: result.batch.status, replayed: true };
    case 'created':
      deps.log.info('scheduled scale-out submitted', { trigger: trigger.name, batchId: result.batch.id, status: result.batch.status });
      return { ok: true, batchId: result.batch.id, status: result.batch.status, replayed: false };
  }
}
