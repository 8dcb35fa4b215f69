import type { BatchStatus } from '../core/batch';
import { intake, type IntakeDeps } from '../core/intake';
import { BatchRequestSchema } from '../core/request';
import { fieldLine, formatIssues } from '../core/validation';
import type { SubmitPayload } from './payload';

export interface ScheduleDeps extends IntakeDeps {
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
  const request = BatchRequestSchema.safeParse({
    profile: payload.profile,
    amount: payload.amount,
    ...(payload.releaseAfter !== undefined ? { releaseAfter: payload.releaseAfter } : {}),
  });
  if (!request.success) return refuse(`payload: ${formatIssues(request.error.issues)}`);
  const result = await intake(deps, {
    request: request.data,
    owner: scheduleOwner(trigger.name),
    idempotencyKey: scheduleKey(trigger),
    // Every profile, as many as the profile allows at once; the daily allowance counts per trigger.
    grant: { profiles: '*', maxPerRequest: Number.POSITIVE_INFINITY, dailyLimit: deps.dailyLimit },
    ...(payload.releaseAt !== undefined ? { releaseAtLocal: { time: payload.releaseAt, from: Date.parse(trigger.time) } } : {}),
    submitter: deps.submitter,
  });
  switch (result.kind) {
    case 'unknownProfile':
      return refuse(`payload.profile: no launch profile named "${result.profile}"; known: ${result.allowed.join(', ') || '(none)'}`);
    case 'overLimit':
      return refuse(`payload.amount: profile "${payload.profile}" allows at most ${result.limit} per request`);
    case 'forbidden':
      return refuse(`payload.${result.field}: not allowed`);
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
