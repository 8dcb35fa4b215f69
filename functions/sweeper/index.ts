import { randomUUID } from 'node:crypto';
import { resolveCredentials } from '../cloud/credentials';
import { cloudDeps } from '../cloud/deps';
import { CloudEnvSchema, loadProfiles, parseEnv } from '../cloud/env';
import { jsonLog } from '../cloud/log';
import { realSleep } from '../cloud/retry';
import { httpPoster } from '../cloud/webhook';
import { isTerminal } from '../core/batch';
import { systemClock } from '../core/time';
import { parseSweeperEvent } from './payload';
import { submitScheduled } from './schedule';
import { sweep, watch, type SweepDeps } from './sweep';
import { SweeperEnvSchema } from './config';

// Cold start: configuration is read and checked once; a bad value stops the function here, by name.
const cloudEnv = parseEnv(CloudEnvSchema, process.env);
const env = parseEnv(SweeperEnvSchema, process.env);
// Schedules name launch profiles, read like the api's (LAUNCH_PROFILES or LAUNCH_PROFILES_FILE).
const profiles = loadProfiles(process.env, __dirname);
const post = httpPoster();
const clock = systemClock;

interface FcContext {
  requestId?: string;
  region?: string;
  accountId?: string;
  credentials?: unknown;
  function?: { timeout?: number; name?: string };
}

/** FC 3.0 event handler for timers (`{"action":"sweep"}`) and async invocations (`{"action":"watch",...}`). */
export async function handler(event: unknown, context: FcContext) {
  const started = clock.now();
  const requestId = context?.requestId ?? randomUUID();
  const log = jsonLog({ fn: 'sweeper', requestId });
  const parsed = parseSweeperEvent(event);
  if (!parsed.ok) {
    // A bad payload is an operator's mistake: say so clearly, do nothing, and do not make FC retry it.
    log.error('rejected event', { reason: parsed.error });
    return { ok: false, error: parsed.error };
  }
  const timeoutMs = (context?.function?.timeout ?? 60) * 1000;
  const stopBy = started + timeoutMs - env.SWEEP_SAFETY_SECONDS * 1000;
  const region = context?.region ?? process.env.ALIBABA_CLOUD_REGION ?? 'cn-hangzhou';
  const deps: SweepDeps = {
    ...cloudDeps(cloudEnv, resolveCredentials(context, process.env), { region, accountId: context?.accountId }),
    clock,
    log,
    post,
    callbackSecret: env.CALLBACK_SIGNING_SECRET,
    owner: `sweeper:${requestId}`,
    leaseMs: env.SWEEP_LEASE_SECONDS * 1000,
    concurrency: env.SWEEP_CONCURRENCY,
  };
  const p = parsed.payload;
  if (p.action === 'sweep') return { ok: true, summary: await sweep(deps, stopBy) };
  if (p.action === 'submit') {
    const outcome = await submitScheduled(
      // The submission lease outlives this invocation, so no sweep takes the batch over while we submit it.
      { ...deps, profiles, dailyLimit: env.SCHEDULE_DAILY_LIMIT, submitLeaseMs: timeoutMs + 60_000, submitter: deps.owner },
      p,
      parsed.trigger!,
    );
    if (!outcome.ok || outcome.replayed || isTerminal(outcome.status)) return outcome;
    // Watch the new batch here, as the api's fast path does, until it ends or the budget runs low.
    return { ...outcome, watch: await watch(deps, stopBy, realSleep) };
  }
  // The batch id says who asked; the one watcher looks after every due batch.
  return { ok: true, watch: await watch(deps, stopBy, realSleep) };
}
