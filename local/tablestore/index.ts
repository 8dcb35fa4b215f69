import type { Server } from 'node:http';
import { AdjustableClock } from '../common/clock';
import { closeServer, listen } from '../common/http';
import { seededRandom } from '../common/random';
import type { Credential } from './auth';
import type { OpContext } from './context';
import { createControl, type TablestoreControl } from './control';
import { Faults } from './faults';
import { FileLog, type MutationLog } from './persistence';
import { createTablestoreServer } from './server';
import { Store, type Mutation } from './store';

export type { TablestoreControl, DumpedRow } from './control';
export type { Fault, FaultKind, FaultSpec } from './faults';

export const DEFAULT_CREDENTIAL = { accessKeyId: 'local', accessKeySecret: 'local-secret' } as const;

export interface EmulatorCredential {
  accessKeyId: string;
  accessKeySecret: string;
  /** Makes this an STS credential: requests must carry this `x-ots-ststoken`. */
  securityToken?: string;
}

export interface TablestoreEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Time for TTL, cell versions and table timestamps; the control API advances it. */
  clock?: { now(): number; advance(ms: number): void };
  /** Extra AccessKey pairs and STS credentials, besides `local` / `local-secret`. */
  credentials?: EmulatorCredential[];
  instanceName?: string;
  /** Seed for probabilistic faults. */
  seed?: number;
  /** Keep data in an fsync'ed log in this directory; in memory when absent. */
  dataDir?: string;
  /** Per-call GetRange budget; Tablestore's is 5000 rows or 4 MB. */
  scan?: { maxRows?: number; maxBytes?: number };
  /** Where internal errors are reported (default: stderr). */
  log?: (message: string) => void;
}

export interface TablestoreEmulator {
  url: string;
  port: number;
  control: TablestoreControl;
  close(): Promise<void>;
}

export async function startTablestoreEmulator(options: TablestoreEmulatorOptions = {}): Promise<TablestoreEmulator> {
  const clock = options.clock ?? new AdjustableClock();
  const store = new Store();
  const mutationLog: MutationLog | undefined = options.dataDir ? new FileLog(options.dataDir, store) : undefined;
  const commit = (mutations: Mutation[]) => {
    mutationLog?.append(mutations); // durable first, then visible
    for (const m of mutations) store.apply(m);
  };
  const scan = { maxRows: options.scan?.maxRows ?? 5000, maxBytes: options.scan?.maxBytes ?? 4 * 1024 * 1024 };
  // Auto-increment keys: increasing per table and above anything handed out before a restart.
  const lastAuto = new Map<string, bigint>();
  const faults = new Faults(seededRandom(options.seed ?? 1));
  const ctx: OpContext = {
    store,
    now: () => clock.now(),
    commit,
    scan,
    nextAutoIncrement(table) {
      const floor = BigInt(clock.now()) * 1000n;
      const next = (lastAuto.get(table) ?? 0n) + 1n;
      const value = next > floor ? next : floor;
      lastAuto.set(table, value);
      return value;
    },
    rowFault: (operation, table) => faults.decideRow(operation, table),
  };
  const calls = new Map<string, number>();
  const control = createControl({ store, faults, clock, calls, scan, commit });
  const credentials = new Map<string, Credential>(
    [DEFAULT_CREDENTIAL, ...(options.credentials ?? [])].map((c) => [
      c.accessKeyId,
      { secret: c.accessKeySecret, ...('securityToken' in c && c.securityToken !== undefined ? { securityToken: c.securityToken } : {}) },
    ]),
  );
  const server: Server = createTablestoreServer({
    ctx,
    control,
    faults,
    calls,
    credentials,
    instanceName: options.instanceName ?? 'local',
    wallClock: Date.now,
    log: options.log ?? ((m) => process.stderr.write(m + '\n')),
  });
  let port: number;
  try {
    port = await listen(server, options.port ?? 0);
  } catch (e) {
    mutationLog?.close();
    throw e;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    control,
    async close() {
      await closeServer(server);
      mutationLog?.close();
    },
  };
}
