import { createHash } from 'node:crypto';
import { AdjustableClock } from '../../local/common/clock';
import { startEcsEmulator, type EcsEmulator } from '../../local/ecs';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../local/tablestore';
import { ecsAdapter } from '../../functions/cloud/ecs';
import { setupTables, tableNames, tablestoreBatchStore, tablestoreEventStore } from '../../functions/cloud/store';
import { Tablestore } from '../../functions/cloud/tablestore';
import type { BatchStore, EcsPort, EventStore, Log } from '../../functions/core/ports';
import type { TokenScope } from '../../functions/api/auth';
import { handle } from '../../functions/api/app';
import type { AppDeps } from '../../functions/api/deps';
import type { HttpRequest, HttpResponse } from '../../functions/api/http';
import { noInvoker } from '../../functions/cloud/fc';
import { profiles } from './profiles';

export { profiles };

export const CREDS = { accessKeyId: 'local', accessKeySecret: 'local-secret' };
const FAST = { attempts: 4, baseMs: 5, maxMs: 40 };

/** Both emulators on port 0 sharing one clock, and the real adapters pointed at them. */
export interface Stack {
  clock: AdjustableClock;
  ecsEmu: EcsEmulator;
  tsEmu: TablestoreEmulator;
  ecs: EcsPort;
  store: BatchStore;
  /** ECS events' side of Tablestore (instance index, event keys, "look now" entries). */
  events: EventStore;
  tables: ReturnType<typeof tableNames>;
  logs: string[];
  log: Log;
  /** Empty account, empty tables, no faults. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startStack(opts: { bootSeconds?: number; seed?: number } = {}): Promise<Stack> {
  const clock = new AdjustableClock();
  const ecsEmu = await startEcsEmulator({ clock, bootSeconds: opts.bootSeconds ?? 5, seed: opts.seed ?? 7, log: () => undefined });
  const tsEmu = await startTablestoreEmulator({ clock, seed: opts.seed ?? 7, log: () => undefined });
  const ts = new Tablestore(CREDS, { endpoint: tsEmu.url, instanceName: 'local', timeoutMs: 1_500, retry: { name: 'test-ots', ...FAST } });
  const tables = tableNames('t_');
  await setupTables(ts, tables);
  const ecs = ecsAdapter(CREDS, { endpoint: ecsEmu.endpoint, readTimeoutMs: 1_000, retry: { name: 'test-ecs', ...FAST } });
  const logs: string[] = [];
  const log: Log = {
    debug: (m, f) => logs.push(JSON.stringify({ level: 'debug', m, ...f })),
    info: (m, f) => logs.push(JSON.stringify({ level: 'info', m, ...f })),
    warn: (m, f) => logs.push(JSON.stringify({ level: 'warn', m, ...f })),
    error: (m, f) => logs.push(JSON.stringify({ level: 'error', m, ...f })),
  };
  const stack: Stack = {
    clock,
    ecsEmu,
    tsEmu,
    ecs,
    store: tablestoreBatchStore(ts, tables),
    events: tablestoreEventStore(ts, tables),
    tables,
    logs,
    log,
    async reset() {
      ecsEmu.control.reset();
      tsEmu.control.reset();
      logs.length = 0;
      await setupTables(ts, tables);
      // A new process's view: what it noted about arriving events went with the tables.
      stack.events = tablestoreEventStore(ts, tables);
    },
    async close() {
      await ecsEmu.close();
      await tsEmu.close();
    },
  };
  return stack;
}


export const sha = (t: string) => createHash('sha256').update(t).digest('hex');
export const TOKENS = {
  admin: 'admin-token-0123456789',
  demoOnly: 'demo-only-token-0123',
  small: 'small-token-01234567',
  operator: 'operator-token-012345',
};
export const tokens: TokenScope[] = [
  { name: 'admin', sha256: sha(TOKENS.admin), profiles: '*', maxPerRequest: 1000, dailyLimit: 100_000, rawSpec: true, admin: false },
  { name: 'demo-only', sha256: sha(TOKENS.demoOnly), profiles: ['demo'], maxPerRequest: 50, dailyLimit: 100_000, rawSpec: false, admin: false },
  { name: 'small', sha256: sha(TOKENS.small), profiles: '*', maxPerRequest: 10, dailyLimit: 12, rawSpec: false, admin: false },
  /** The admin scope: every owner's batches. */
  { name: 'operator', sha256: sha(TOKENS.operator), profiles: '*', maxPerRequest: 100, dailyLimit: 100_000, rawSpec: false, admin: true },
];

export function appDeps(s: Stack, over: Partial<AppDeps> = {}): AppDeps {
  return {
    ecs: s.ecs,
    store: s.store,
    invoker: noInvoker,
    clock: s.clock,
    log: s.log,
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    profiles,
    tokens,
    submitLeaseMs: 120_000,
    pollMs: 1_000,
    ...over,
  };
}

let seq = 0;
/** Call the API in-process, the way the FC edge does after translating its event. */
export function call(
  deps: AppDeps,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string>; query?: Record<string, string> } = {},
): Promise<HttpResponse & { json: any }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body = Buffer.alloc(0);
  if (opts.raw !== undefined) body = Buffer.from(opts.raw);
  else if (opts.body !== undefined) {
    body = Buffer.from(JSON.stringify(opts.body));
    headers['content-type'] ??= 'application/json';
  }
  const req: HttpRequest = { method, path, query: opts.query ?? {}, headers, body, requestId: `req-${++seq}` };
  return handle(deps, req).then((r) => ({ ...r, json: r.body === '' ? undefined : JSON.parse(r.body) }));
}
