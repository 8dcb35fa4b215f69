import { randomUUID } from 'node:crypto';
import { resolveCredentials } from '../cloud/credentials';
import { cloudDeps } from '../cloud/deps';
import { CloudEnvSchema, loadProfiles, parseEnv } from '../cloud/env';
import { jsonLog } from '../cloud/log';
import { realSleep } from '../cloud/retry';
import { httpPoster } from '../cloud/webhook';
import { isTerminal } from '../core/batch';
import type { EventStore } from '../core/ports';
import { systemClock } from '../core/time';
import { isCloudEvent, parseEcsEvent } from './ecs-event';
import { handleEcsEvent } from './events';
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

/** The invocation body as JSON, if it is JSON (timers and EventBridge hand a Buffer). */
function decoded(event: unknown): unknown {
  try {
    return Buffer.isBuffer(event) ? JSON.parse(event.toString('utf8')) : typeof event === 'string' ? JSON.parse(event) : event;
  } catch {
    return undefined;
  }
}

/**
 * FC 3.0 event handler for timers (`{"action":"sweep"}`), async invocations (`{"action":"watch",...}`) and
 * the EventBridge trigger's ECS events (CloudEvents: `ecs:Instance:StateChange`, spot interruption notices).
 */
export async function handler(event: unknown, context: FcContext) {
  const started = clock.now();
  const requestId = context?.requestId ?? randomUUID();
  const log = jsonLog({ fn: 'sweeper', requestId }, undefined, cloudEnv.LOG_LEVEL);
  const body = decoded(event);
  if (isCloudEvent(body)) return onEcsEvent(body, context, started, requestId, log);
  const parsed = parseSweeperEvent(event);
  if (!parsed.ok) {
    // A bad payload is an operator's mistake: say so clearly, do nothing, and do not make FC retry it.
    log.error('rejected event', { reason: parsed.error });
    return { ok: false, error: parsed.error };
  }
  const timeoutMs = (context?.function?.timeout ?? 60) * 1000;
  const stopBy = started + timeoutMs - env.SWEEP_SAFETY_SECONDS * 1000;
  const deps = sweepDeps(context, requestId, log);
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

function sweepDeps(context: FcContext, requestId: string, log: ReturnType<typeof jsonLog>): SweepDeps & { events: EventStore } {
  const region = context?.region ?? process.env.ALIBABA_CLOUD_REGION ?? 'cn-hangzhou';
  return {
    ...cloudDeps(cloudEnv, resolveCredentials(context, process.env), { region, accountId: context?.accountId }),
    clock,
    log,
    post,
    callbackSecret: env.CALLBACK_SIGNING_SECRET,
    owner: `sweeper:${requestId}`,
    leaseMs: env.SWEEP_LEASE_SECONDS * 1000,
    concurrency: env.SWEEP_CONCURRENCY,
  };
}

/** One ECS event from the EventBridge trigger. A bad one is logged and dropped: answering ok stops retries. */
async function onEcsEvent(body: unknown, context: FcContext, started: number, requestId: string, log: ReturnType<typeof jsonLog>) {
  const parsed = parseEcsEvent(body);
  if (!parsed.ok) {
    log.warn('dropped event', { reason: parsed.error });
    return { ok: false, error: parsed.error };
  }
  const stopBy = started + (context?.function?.timeout ?? 60) * 1000 - env.SWEEP_SAFETY_SECONDS * 1000;
  const outcome = await handleEcsEvent({ ...sweepDeps(context, requestId, log), sleep: realSleep }, parsed.event, stopBy);
  if (outcome.action !== 'ignored') log.info('ecs event', { kind: parsed.event.kind, instanceId: parsed.event.instanceId, ...outcome });
  return { ok: true, ...outcome };
}
