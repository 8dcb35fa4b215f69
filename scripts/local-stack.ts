import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { startEcsEmulator } from '../local/ecs';
import { startLocalFc, type LocalFc } from '../local/fc';
import { isSweepPayload } from '../local/fc/timers';
import { startTablestoreEmulator } from '../local/tablestore';
import { setupTables, tableNames } from '../functions/cloud/store';
import { Tablestore } from '../functions/cloud/tablestore';
import { buildFunctions } from './build';
import { lockDataDir } from './data-lock';
import { localChatEnv } from './chat';
import { localApiTokens } from './local-token';

/** Kept here too: tests and benches make tokens with it. */
export { newToken } from './local-token';

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', accessKeySecret: 'local-secret' };
const ROOT = resolve(__dirname, '..');

export interface LocalStackOptions {
  /** Port of the HTTP API; 0 = any. */
  port: number;
  /** Keep emulator state under this folder; undefined = in memory. */
  dataDir?: string;
  /** The admin token (README: whoever runs the stack owns it). */
  token: string;
  /** More tokens, as FC's API_TOKENS (JSON), served beside the admin token. */
  apiTokens?: string;
  /** Extra environment for the functions (overrides). */
  env?: Record<string, string>;
  bootSeconds?: number;
  sweepSeconds?: number;
  /** Deliver the ECS emulator's events to the sweeper's eventbridge trigger (default true). */
  events?: boolean;
  timers?: boolean;
  ecsEndpoint?: string;
  tablestoreEndpoint?: string;
  /** Where function logs go (default: dropped). */
  log?: (line: string) => void;
  /**
   * Build the functions into `<buildRoot>/dist/` and run them from there, instead of the repository's
   * `dist/`: for tests that run beside others which rebuild `dist/` while this stack is serving.
   */
  buildRoot?: string;
}

export interface LocalStack {
  apiUrl: string;
  fc: LocalFc;
  ecsEndpoint: string;
  tablestoreEndpoint: string;
  ecsControl?: Awaited<ReturnType<typeof startEcsEmulator>>['control'];
  tablestoreControl?: Awaited<ReturnType<typeof startTablestoreEmulator>>['control'];
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

/**
 * The whole app on 127.0.0.1: the ECS and Tablestore emulators (unless endpoints are given), the
 * tables, the bundled functions, and local/fc serving s.yaml. Used by `npm start` and end-to-end tests.
 */
export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const closers: Array<() => Promise<void>> = [];
  let ecsEndpoint = o.ecsEndpoint;
  let tablestoreEndpoint = o.tablestoreEndpoint;
  let ecsControl: LocalStack['ecsControl'];
  let tablestoreControl: LocalStack['tablestoreControl'];
  // First, before any emulator opens its files: one stack per data folder.
  const lock = o.dataDir ? lockDataDir(o.dataDir) : undefined;
  if (lock) closers.push(async () => lock.release());
  try {
    if (!ecsEndpoint) {
      const ecs = await startEcsEmulator({ bootSeconds: o.bootSeconds, dataDir: o.dataDir && join(o.dataDir, 'ecs'), log: () => undefined });
      closers.push(() => ecs.close());
      ecsEndpoint = ecs.endpoint;
      ecsControl = ecs.control;
    }
    if (!tablestoreEndpoint) {
      const ts = await startTablestoreEmulator({ dataDir: o.dataDir && join(o.dataDir, 'tablestore'), log: () => undefined });
      closers.push(() => ts.close());
      tablestoreEndpoint = ts.url;
      tablestoreControl = ts.control;
    }
    const prefix = o.env?.TABLE_PREFIX ?? 'ecsbatch_';
    await setupTables(new Tablestore(LOCAL_CREDENTIALS, { endpoint: tablestoreEndpoint, instanceName: 'local' }), tableNames(prefix));
    await buildFunctions(o.buildRoot ? { outdir: join(o.buildRoot, 'dist') } : undefined);

    const apiPort = await freePort();
    const env: Record<string, string> = {
      ALIBABA_CLOUD_REGION: 'cn-hangzhou',
      TABLESTORE_ENDPOINT: tablestoreEndpoint,
      TABLESTORE_INSTANCE: 'local',
      ECS_ENDPOINT: ecsEndpoint,
      FUNCTION_COMPUTE_ENDPOINT: `127.0.0.1:${apiPort}`,
      // s.yaml requires a role; locally no one checks it (the functions get LOCAL_CREDENTIALS).
      FC_ROLE_ARN: 'acs:ram::1234567890123456:role/ecs-batch-local',
      API_TOKENS: JSON.stringify(localApiTokens(o.token, o.apiTokens)),
      LAUNCH_PROFILES_FILE: join(ROOT, 'local/profiles/demo.json'),
      CALLBACK_SIGNING_SECRET: 'local-callback-secret',
      // Chat-ops with local-only secrets, loopback reply URLs and an ACL for the local user, so that
      // `npm run chat` works out of the box; the same variables in the environment override them.
      ...localChatEnv(process.env),
      ...o.env,
    };
    const fc = await startLocalFc({
      sYamlPath: join(ROOT, 's.yaml'),
      codeRoot: o.buildRoot,
      httpPort: o.port,
      apiPort,
      env,
      credentials: LOCAL_CREDENTIALS,
      timers: o.timers ?? true,
      timerIntervalOverrideSeconds: o.sweepSeconds,
      log: o.log ?? (() => undefined),
    });
    closers.push(() => fc.close());
    lock?.verify();
    // ECS events, as EventBridge would deliver them: the emulator publishes to local/fc's default bus, which
    // invokes the sweeper's eventbridge trigger (s.yaml) with each matching event. An external ECS endpoint
    // can post to the same bus: `--events-sink http://<fc api>/__eventbridge/events`.
    if (o.events ?? true) ecsControl?.setEventSink((event) => fc.publishEvent(event));
    if (o.timers ?? true) sweepOnceNow(fc, o.log ?? (() => undefined));
    return {
      apiUrl: fc.httpUrl,
      fc,
      ecsEndpoint,
      tablestoreEndpoint,
      ecsControl,
      tablestoreControl,
      close: async () => {
        for (const c of closers.reverse()) await c();
      },
    };
  } catch (e) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    throw e;
  }
}

/**
 * Fire every enabled sweep timer once, in the background. After a restart, batches that came due while the
 * stack was down would otherwise wait for the timer's first tick (a minute, or LOCAL_SWEEP_SECONDS).
 */
function sweepOnceNow(fc: LocalFc, log: (line: string) => void): void {
  for (const fn of fc.functions) {
    for (const t of fn.timers) {
      if (t.enable && isSweepPayload({ functionName: fn.functionName, triggerName: t.triggerName, payload: t.payload })) {
        fc.fireTimer(fn.functionName, t.triggerName).catch((e: unknown) => log(`sweep at start: ${e instanceof Error ? e.message : String(e)}`));
      }
    }
  }
}
