import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdjustableClock } from '../local/common/clock';
import { startEcsEmulator, type EcsEmulator } from '../local/ecs';
import { startTablestoreEmulator, type TablestoreEmulator } from '../local/tablestore';
import type { Batch } from '../functions/core/batch';
import { planBatch } from '../functions/core/plan';
import { LaunchProfileSchema } from '../functions/core/profile';
import type { BatchStore, EventStore, Log } from '../functions/core/ports';
import { setupTables, tableNames, tablestoreBatchStore, tablestoreEventStore } from '../functions/cloud/store';
import { Tablestore } from '../functions/cloud/tablestore';

export const ROOT = join(__dirname, '..');
export const CREDS = { accessKeyId: 'local', accessKeySecret: 'local-secret' };

const demoProfile = LaunchProfileSchema.parse(JSON.parse(readFileSync(join(ROOT, 'local/profiles/demo.json'), 'utf8')).demo);
const { limits: _l, deadlineSeconds: _d, timeZone: _t, ...demoSpecFields } = demoProfile;
/** The local demo profile as a bare launch spec. */
export const demoSpec = demoSpecFields;

/** One benchmark's result: lines to print and rows for the README table. */
export interface Figure {
  name: string;
  value: string;
  baseline: string;
  ratio: string;
  target?: string;
  met?: boolean;
}

export const median = (xs: number[]) => percentile(xs, 50);
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  // Nearest rank: p99 of 50 samples is the largest one, never an interpolation below it.
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
export const ms = (x: number) => `${Math.round(x)} ms`;
export const sec = (x: number) => `${(x / 1000).toFixed(2)} s`;
export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
export const quietLog: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A seeded generator, so every run asks for the same workload. */
export { seededRandom as seeded } from '../local/common/random';

export interface Emulators {
  clock: AdjustableClock;
  ecsEmu: EcsEmulator;
  tsEmu: TablestoreEmulator;
  ts: Tablestore;
  tables: ReturnType<typeof tableNames>;
  store: ReturnType<typeof tablestoreBatchStore>;
  close(): Promise<void>;
}

/** Both emulators on port 0 sharing a clock, the tables, and the real store adapter. */
export async function startEmulators(opts: { bootSeconds?: number } = {}): Promise<Emulators> {
  const clock = new AdjustableClock();
  const ecsEmu = await startEcsEmulator({ clock, bootSeconds: opts.bootSeconds ?? 5, seed: 11, log: () => undefined });
  const tsEmu = await startTablestoreEmulator({ clock, seed: 11, log: () => undefined });
  const ts = new Tablestore(CREDS, { endpoint: tsEmu.url, instanceName: 'local' });
  const tables = tableNames('bench_');
  await setupTables(ts, tables);
  ecsEmu.control.setQuota({ instances: 100_000 });
  ecsEmu.control.setStock({ available: 100_000 });
  return {
    clock,
    ecsEmu,
    tsEmu,
    ts,
    tables,
    store: tablestoreBatchStore(ts, tables),
    close: async () => {
      await ecsEmu.close();
      await tsEmu.close();
    },
  };
}

/** A PENDING batch recorded around instances that already exist, as the sweeper finds it after a submission. */
export function pendingBatch(ids: string[], now: number, over: Partial<Batch> = {}): Batch {
  const plan = planBatch({ request: { profile: 'demo', amount: ids.length }, owner: 'bench', spec: demoSpec, deadlineSeconds: 3600, now, lease: { owner: 'bench', ms: 0 } });
  if (!plan.ok) throw new Error(`the bench fixture does not plan: ${JSON.stringify(plan.issues)}`);
  const chunkOf = (i: number) => Math.floor(i / 100);
  return {
    ...plan.batch,
    status: 'PENDING',
    lease: undefined,
    dueAt: now,
    chunks: plan.batch.chunks.map((c, k) => ({ ...c, state: 'submitted', instanceIds: ids.slice(k * 100, k * 100 + 100) })),
    instances: ids.map((instanceId, i) => ({ instanceId, chunk: chunkOf(i), state: 'Pending' })),
    ...over,
  };
}

export function printTable(title: string, figures: Figure[]): void {
  console.log(`\n${title}`);
  const rows = figures.map((f) => [f.name, f.value, f.baseline, f.ratio, f.target ? `${f.target} ${f.met ? 'met' : 'NOT met'}` : '']);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i].length), ['figure', 'value', 'baseline', 'ratio', 'target'][i].length));
  const line = (r: string[]) => '  ' + r.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(['figure', 'value', 'baseline', 'ratio', 'target']));
  for (const r of rows) console.log(line(r));
}

/** Another set of tables on the same Tablestore emulator: one app's state, apart from another's in the same run. */
export async function tablesFor(e: Emulators, prefix: string): Promise<{ store: BatchStore; events: EventStore }> {
  const names = tableNames(prefix);
  await setupTables(e.ts, names);
  return { store: tablestoreBatchStore(e.ts, names), events: tablestoreEventStore(e.ts, names) };
}
