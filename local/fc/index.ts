import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { dirname, resolve } from 'node:path';
import type { Acs3Credential } from '../common/acs3';
import type { Clock } from '../common/clock';
import { closeServer, listen } from '../common/http';
import { ASYNC_PAYLOAD_LIMIT, createInvokeApiServer } from './api';
import { loadSYaml, type FunctionSpec } from './config';
import { createHttpTriggerServer, resultBytes } from './http-trigger';
import { FunctionPool, type InvocationContext, type InvocationError, type Outcome } from './instances';
import { TimerScheduler, timerEvent, type TimerInfo } from './timers';

/**
 * A local Function Compute 3.0: reads s.yaml, runs each function in its own worker threads, serves
 * HTTP triggers, fires timer triggers, and answers InvokeFunction for `@alicloud/fc20230330`.
 * See README.md in this directory.
 */

export type { FunctionSpec, HttpTriggerSpec, TimerTriggerSpec } from './config';
export { parseCron } from './cron';
export type { TimerInfo } from './timers';

export interface LocalFcOptions {
  sYamlPath: string;
  /** Directory the s.yaml `code` paths are relative to; default the s.yaml's directory. */
  codeRoot?: string;
  /** HTTP trigger port on 127.0.0.1 (0: any free port). */
  httpPort?: number;
  /** InvokeFunction API port on 127.0.0.1 (0: any free port). */
  apiPort?: number;
  /** Extra variables: resolve `${env('NAME')}` in s.yaml (before process.env) and reach every function. */
  env?: Record<string, string | undefined>;
  /** The function role's credentials, given to handlers as `context.credentials`. */
  credentials?: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  /** AccessKeys the InvokeFunction API accepts; default `{ local: 'local-secret' }`. `credentials` are always accepted too. */
  apiCredentials?: Record<string, string | Acs3Credential>;
  /** Fire timer triggers on their schedules (default true); `fireTimer` works either way. */
  timers?: boolean;
  /** Fire matching timer triggers every N seconds instead of their cron; default env LOCAL_SWEEP_SECONDS. */
  timerIntervalOverrideSeconds?: number;
  /** Which triggers the override applies to: a trigger name or a predicate; default payload action "sweep". */
  timerOverrideMatch?: string | ((timer: TimerInfo) => boolean);
  clock?: Clock;
  /** Where runtime and function log lines go; default stderr. */
  log?: (line: string) => void;
  accountId?: string;
  /** Instances one function may scale out to (default 8). */
  maxInstancesPerFunction?: number;
  /** First async retry waits this long, doubling each time up to 30 s (default 1000). */
  asyncRetryBaseDelayMs?: number;
  /** How long an `x-fc-async-task-id` is remembered for dedupe (default 24 h). */
  asyncTaskIdWindowSeconds?: number;
}

export type InvokeResult =
  | { requestId: string; ok: true; /** The raw result bytes, as the API returns them. */ body: Buffer; /** Decoded: JSON value, string, Buffer or undefined. */ value: unknown }
  | { requestId: string; ok: false; error: InvocationError };

export interface AsyncInvocation {
  requestId: string;
  /** Settles with the last attempt's result, after any retries. */
  done: Promise<InvokeResult>;
}

export type InvocationKind = 'http' | 'timer' | 'sync' | 'async' | 'eventbridge';

export interface FunctionStats {
  /** Invocations accepted, by how they arrived (`sync`/`async`: the API or `invoke`). Retries not included. */
  invocations: Record<InvocationKind, number>;
  /** Attempts that ran, with their results. */
  attempts: number;
  succeeded: number;
  failed: number;
  timeouts: number;
  retries: number;
  /** Async submissions refused because their task id was already used. */
  deduplicated: number;
  /** Attempts running right now. */
  running: number;
}

export interface LocalFc {
  httpUrl: string;
  /** `127.0.0.1:<port>`, the `endpoint` for the FC SDK's Config (protocol HTTP). */
  apiEndpoint: string;
  functions: FunctionSpec[];
  stats: Record<string, FunctionStats>;
  invoke(functionName: string, event: Buffer | string | object, options?: { async?: false }): Promise<InvokeResult>;
  invoke(functionName: string, event: Buffer | string | object, options: { async: true; taskId?: string }): Promise<AsyncInvocation>;
  fireTimer(functionName: string, triggerName: string, triggerTime?: Date | number): Promise<AsyncInvocation>;
  /**
   * Put one event on the local default bus: every enabled eventbridge trigger (source type Default) whose
   * `eventRuleFilterPattern` matches invokes its function with that one event (sync or async as the trigger
   * says), in the background. Returns one delivery per matching trigger.
   */
  publishEvent(event: unknown): Array<{ functionName: string; triggerName: string } & AsyncInvocation>;
  /** Resolves when no async invocation (timer, API, retries) is pending. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export class FunctionNotFoundError extends Error {
  override name = 'FunctionNotFound';
}

function newRequestId(nowMs: number): string {
  const hex = randomBytes(10).toString('hex');
  return `1-${Math.floor(nowMs / 1000).toString(16)}-${hex.slice(0, 8)}-${hex.slice(8)}`;
}

function toInvokeResult(requestId: string, outcome: Outcome): InvokeResult {
  if (!outcome.ok) return { requestId, ok: false, error: outcome.error };
  const body = resultBytes(outcome.result);
  const r = outcome.result;
  const value = r.kind === 'json' ? JSON.parse(r.data) : r.kind === 'string' ? r.data : r.kind === 'bytes' ? body : undefined;
  return { requestId, ok: true, body, value };
}

function toEventBuffer(event: Buffer | string | object): Buffer {
  if (Buffer.isBuffer(event)) return event;
  if (typeof event === 'string') return Buffer.from(event, 'utf8');
  return Buffer.from(JSON.stringify(event));
}

export async function startLocalFc(options: LocalFcOptions): Promise<LocalFc> {
  const clock: Clock = options.clock ?? { now: () => Date.now() };
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const accountId = options.accountId ?? '1234567890123456';
  const lookupEnv = (name: string) => options.env?.[name] ?? process.env[name];
  const sYamlPath = resolve(options.sYamlPath);
  const loaded = await loadSYaml(sYamlPath, { codeRoot: options.codeRoot ?? dirname(sYamlPath), env: options.env });
  const functions = loaded.functions;
  const byName = new Map(functions.map((f) => [f.functionName, f]));

  const credentials = {
    accessKeyId: options.credentials?.accessKeyId ?? lookupEnv('ALIBABA_CLOUD_ACCESS_KEY_ID') ?? '',
    accessKeySecret: options.credentials?.accessKeySecret ?? lookupEnv('ALIBABA_CLOUD_ACCESS_KEY_SECRET') ?? '',
    securityToken: options.credentials?.securityToken ?? lookupEnv('ALIBABA_CLOUD_SECURITY_TOKEN') ?? '',
  };
  const apiCredentials = new Map<string, Acs3Credential>(
    Object.entries(options.apiCredentials ?? { local: 'local-secret' }).map(([id, c]) => [id, typeof c === 'string' ? { secret: c } : c]),
  );
  // Like the function role on FC: the credentials handed to functions may call the API (self-invocation).
  if (credentials.accessKeyId && credentials.accessKeySecret && !apiCredentials.has(credentials.accessKeyId)) {
    apiCredentials.set(credentials.accessKeyId, { secret: credentials.accessKeySecret, securityToken: credentials.securityToken || undefined });
  }

  const baseEnv = { ...process.env, ...options.env };
  const pools = new Map<string, FunctionPool>();
  const stats: Record<string, FunctionStats> = {};
  for (const fn of functions) {
    pools.set(fn.functionName, new FunctionPool(fn, {
      baseEnv,
      accountId,
      maxInstances: options.maxInstancesPerFunction ?? 8,
      log: (name, requestId, level, line) => log(`[fc ${name}] ${requestId} [${level.toUpperCase()}] ${line}`),
    }));
    stats[fn.functionName] = {
      invocations: { http: 0, timer: 0, sync: 0, async: 0, eventbridge: 0 },
      attempts: 0, succeeded: 0, failed: 0, timeouts: 0, retries: 0, deduplicated: 0, running: 0,
    };
  }

  let closing = false;
  const background = new Set<Promise<unknown>>();
  const retryTimers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();

  /** One attempt on some instance of the function. */
  async function attempt(fn: FunctionSpec, event: Buffer, requestId: string): Promise<Outcome> {
    const s = stats[fn.functionName];
    const context: InvocationContext = {
      requestId,
      credentials,
      function: { name: fn.functionName, handler: fn.handler, memory: fn.memorySize, timeout: fn.timeoutSeconds },
      region: fn.region,
      accountId,
    };
    s.attempts++;
    s.running++;
    try {
      const outcome = await pools.get(fn.functionName)!.invoke(event, context);
      if (outcome.ok) s.succeeded++;
      else {
        s.failed++;
        if (outcome.error.errorType === 'FunctionTimeoutError') s.timeouts++;
        log(`[fc ${fn.functionName}] ${requestId} failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
      }
      return outcome;
    } finally {
      s.running--;
    }
  }

  const sleep = (ms: number) => new Promise<void>((wake) => {
    const entry = { timer: setTimeout(() => { retryTimers.delete(entry); wake(); }, ms), wake };
    retryTimers.add(entry);
  });

  /** An async invocation: runs in the background, retried per asyncInvokeConfig when it fails. */
  function runAsync(fn: FunctionSpec, event: Buffer, requestId: string, kind: InvocationKind): AsyncInvocation {
    stats[fn.functionName].invocations[kind]++;
    const base = options.asyncRetryBaseDelayMs ?? 1000;
    const done = (async () => {
      let outcome = await attempt(fn, event, requestId);
      for (let retry = 1; !outcome.ok && retry <= fn.maxAsyncRetryAttempts && !closing; retry++) {
        await sleep(Math.min(30_000, base * 2 ** (retry - 1)));
        if (closing) break;
        stats[fn.functionName].retries++;
        log(`[fc ${fn.functionName}] ${requestId} async retry ${retry}/${fn.maxAsyncRetryAttempts}`);
        outcome = await attempt(fn, event, requestId);
      }
      return toInvokeResult(requestId, outcome);
    })();
    background.add(done);
    void done.finally(() => background.delete(done));
    return { requestId, done };
  }

  const taskIds = new Map<string, number>();
  const taskWindowMs = (options.asyncTaskIdWindowSeconds ?? 86_400) * 1000;
  function claimTaskId(fn: FunctionSpec, taskId: string | undefined): boolean {
    // Only a function in async-task mode remembers task ids; any other runs every invocation.
    if (taskId === undefined || !fn.asyncTask) return true;
    const now = clock.now();
    for (const [id, at] of taskIds) if (now - at > taskWindowMs) taskIds.delete(id);
    const key = `${fn.functionName}/${taskId}`;
    if (taskIds.has(key)) {
      stats[fn.functionName].deduplicated++;
      return false;
    }
    taskIds.set(key, now);
    return true;
  }

  const requestId = () => newRequestId(clock.now());

  /** EventBridge delivers one event per invocation for default-bus sources (no batching). */
  function publishEvent(event: unknown): Array<{ functionName: string; triggerName: string } & AsyncInvocation> {
    const out: Array<{ functionName: string; triggerName: string } & AsyncInvocation> = [];
    if (closing) return out;
    const body = Buffer.from(JSON.stringify(event));
    for (const fn of functions) {
      for (const t of fn.eventbridge) {
        if (!t.enabled || t.sourceType !== 'Default' || !t.matches(event)) continue;
        const id = requestId();
        if (t.async) {
          out.push({ functionName: fn.functionName, triggerName: t.triggerName, ...runAsync(fn, body, id, 'eventbridge') });
          continue;
        }
        stats[fn.functionName].invocations.eventbridge++;
        const done = attempt(fn, body, id).then((o) => toInvokeResult(id, o));
        background.add(done);
        void done.finally(() => background.delete(done));
        out.push({ functionName: fn.functionName, triggerName: t.triggerName, requestId: id, done });
      }
    }
    return out;
  }
  const httpServer: Server = createHttpTriggerServer({
    functions,
    accountId,
    now: () => clock.now(),
    newRequestId: requestId,
    invoke: (fn, event, id) => {
      stats[fn.functionName].invocations.http++;
      return attempt(fn, event, id);
    },
  });
  const apiServer: Server = createInvokeApiServer({
    functions: byName,
    credentials: apiCredentials,
    now: () => clock.now(),
    newRequestId: requestId,
    invokeSync: (fn, event, id) => {
      stats[fn.functionName].invocations.sync++;
      return attempt(fn, event, id);
    },
    invokeAsync: (fn, event, id, taskId) => {
      if (!claimTaskId(fn, taskId)) return false;
      runAsync(fn, event, id, 'async');
      return true;
    },
    publishEvent: (event) => publishEvent(event).length,
  });

  function getFunction(name: string): FunctionSpec {
    const fn = byName.get(name);
    if (!fn) throw new FunctionNotFoundError(`function '${name}' does not exist in ${sYamlPath}`);
    return fn;
  }

  const fireTimerNow = (fn: FunctionSpec, triggerName: string, payload: string, atMs: number) =>
    runAsync(fn, timerEvent(triggerName, atMs, payload), requestId(), 'timer');

  const overrideText = options.timerIntervalOverrideSeconds ?? lookupEnv('LOCAL_SWEEP_SECONDS');
  const overrideSeconds = overrideText === undefined || overrideText === '' ? undefined : Number(overrideText);
  if (overrideSeconds !== undefined && !(Number.isFinite(overrideSeconds) && overrideSeconds > 0)) {
    throw new RangeError(`timer interval override must be a positive number of seconds, not "${overrideText}"`);
  }
  const scheduler = new TimerScheduler(
    functions,
    clock,
    (fn, timer, at) => {
      if (!closing) fireTimerNow(fn, timer.triggerName, timer.payload, at);
    },
    overrideSeconds === undefined ? undefined : { intervalSeconds: overrideSeconds, match: options.timerOverrideMatch },
  );

  let httpPort: number;
  let apiPort: number;
  try {
    [httpPort, apiPort] = await Promise.all([listen(httpServer, options.httpPort ?? 0), listen(apiServer, options.apiPort ?? 0)]);
  } catch (err) {
    await Promise.all([httpServer, apiServer].filter((s) => s.listening).map(closeServer));
    throw err;
  }
  if (options.timers ?? true) scheduler.start();

  for (const fn of functions) {
    if (fn.httpTrigger && fn.httpTrigger.authType !== 'anonymous') {
      log(`[fc] ${fn.functionName}: http trigger authType ${fn.httpTrigger.authType} is not enforced locally (served as anonymous)`);
    }
  }
  for (const fn of functions) {
    for (const t of fn.eventbridge) {
      log(`[fc] eventbridge ${fn.functionName}/${t.triggerName} ${t.enabled ? '' : '(disabled) '}${t.sourceType} ${t.pattern}; put events on http://127.0.0.1:${apiPort}/__eventbridge/events`);
    }
  }
  for (const s of scheduler.schedule) {
    log(`[fc] timer ${s.functionName}/${s.triggerName} "${s.expression}" next ${s.nextAt ? new Date(s.nextAt).toISOString() : '-'}`);
  }

  const fc: LocalFc = {
    httpUrl: `http://127.0.0.1:${httpPort}`,
    apiEndpoint: `127.0.0.1:${apiPort}`,
    functions,
    stats,
    invoke: (async (name: string, event: Buffer | string | object, opts?: { async?: boolean; taskId?: string }) => {
      const fn = getFunction(name);
      const body = toEventBuffer(event);
      const id = requestId();
      if (opts?.async) {
        if (body.length > ASYNC_PAYLOAD_LIMIT) throw new RangeError(`async payload exceeds ${ASYNC_PAYLOAD_LIMIT} bytes`);
        if (!claimTaskId(fn, opts.taskId)) throw new Error(`async task '${opts.taskId}' was already submitted`);
        return runAsync(fn, body, id, 'async');
      }
      stats[name].invocations.sync++;
      return toInvokeResult(id, await attempt(fn, body, id));
    }) as LocalFc['invoke'],
    async fireTimer(name, triggerName, triggerTime) {
      const fn = getFunction(name);
      const timer = fn.timers.find((t) => t.triggerName === triggerName);
      if (!timer) throw new Error(`function '${name}' has no timer trigger '${triggerName}'`);
      const at = triggerTime === undefined ? clock.now() : typeof triggerTime === 'number' ? triggerTime : triggerTime.getTime();
      return fireTimerNow(fn, triggerName, timer.payload, at);
    },
    publishEvent,
    async idle() {
      while (background.size > 0) await Promise.allSettled([...background]);
    },
    async close() {
      closing = true;
      scheduler.stop();
      for (const entry of retryTimers) {
        clearTimeout(entry.timer);
        entry.wake();
      }
      retryTimers.clear();
      await Promise.all([closeServer(httpServer), closeServer(apiServer)]);
      await Promise.all([...pools.values()].map((p) => p.close()));
      await Promise.allSettled([...background]);
    },
  };
  return fc;
}
