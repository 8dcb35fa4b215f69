import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Fault, Faults, FaultSpec } from './faults';
import { visibleRow, type Mutation, type Store } from './store';
import { toJson, typeOf, type ColumnType, type JsonValue } from './values';

/**
 * The test and chaos handle: faults, table dumps, the clock, reset and call counts. The same
 * powers are available in-process (`TablestoreControl`) and as JSON over `/__control/...`,
 * which needs no signature and answers loopback clients only.
 */

export interface DumpedRow {
  primaryKey: Record<string, JsonValue>;
  /** Latest version of each column. */
  columns: Record<string, JsonValue>;
  /** Every live version, newest first, with its Tablestore type. */
  cells: Record<string, Array<{ timestamp: number; type: ColumnType; value: JsonValue }>>;
}

export interface TablestoreControl {
  addFault(spec: FaultSpec): Fault;
  removeFault(id: string): boolean;
  clearFaults(): void;
  faults(): Fault[];
  /** Rows as a reader sees them now, in primary key order; undefined if there is no such table. */
  dumpTable(name: string): DumpedRow[] | undefined;
  advanceClock(ms: number): number;
  now(): number;
  /** Drop every table (durably, with --data), every fault and the call counts. */
  reset(): void;
  /** Calls received per operation (`PutRow`: 3), including rejected and faulted ones. */
  calls(): Record<string, number>;
  resetCalls(): void;
  /** The per-call GetRange budget (defaults 5000 rows, 4 MB). */
  setScanLimits(limits: { maxRows?: number; maxBytes?: number }): void;
}

export interface ControlDeps {
  store: Store;
  faults: Faults;
  clock: { now(): number; advance(ms: number): void };
  calls: Map<string, number>;
  scan: { maxRows: number; maxBytes: number };
  commit(mutations: Mutation[]): void;
}

export function createControl(d: ControlDeps): TablestoreControl {
  return {
    addFault: (spec) => d.faults.add(spec),
    removeFault: (id) => d.faults.remove(id),
    clearFaults: () => d.faults.clear(),
    faults: () => d.faults.list(),
    dumpTable(name) {
      const table = d.store.table(name);
      if (!table) return undefined;
      const now = d.clock.now();
      const rows: DumpedRow[] = [];
      for (const [, stored] of table.entries()) {
        const row = visibleRow(table.meta, stored, now);
        if (!row) continue;
        const dumped: DumpedRow = { primaryKey: {}, columns: {}, cells: {} };
        for (const c of row.primaryKey) dumped.primaryKey[c.name] = toJson(c.value);
        for (const [col, cells] of row.columns) {
          dumped.columns[col] = toJson(cells[0].value);
          dumped.cells[col] = cells.map((c) => ({ timestamp: c.ts, type: typeOf(c.value), value: toJson(c.value) }));
        }
        rows.push(dumped);
      }
      return rows;
    },
    advanceClock(ms) {
      d.clock.advance(ms);
      return d.clock.now();
    },
    now: () => d.clock.now(),
    reset() {
      d.commit([{ t: 'reset' }]);
      d.faults.clear();
      d.calls.clear();
    },
    calls: () => Object.fromEntries([...d.calls].sort(([a], [b]) => a.localeCompare(b))),
    resetCalls: () => d.calls.clear(),
    setScanLimits(limits) {
      if (limits.maxRows !== undefined) d.scan.maxRows = limits.maxRows;
      if (limits.maxBytes !== undefined) d.scan.maxBytes = limits.maxBytes;
    },
  };
}

const faultSchema = z
  .object({
    kind: z.enum(['serverBusy', 'rowConflict', 'error', 'latency', 'noAnswer', 'lostAnswer', 'rowError']),
    operation: z.string().min(1),
    table: z.string().min(1).optional(),
    times: z.number().int().positive().optional(),
    probability: z.number().min(0).max(1).optional(),
    skip: z.number().int().nonnegative().optional(),
    latencyMs: z.number().int().nonnegative().optional(),
    status: z.number().int().min(400).max(599).optional(),
    code: z.string().regex(/^OTS\w+$/).optional(),
    message: z.string().optional(),
  })
  .strict();
const advanceSchema = z.object({ ms: z.number().nonnegative() }).strict();
const scanSchema = z.object({ maxRows: z.number().int().positive().optional(), maxBytes: z.number().int().positive().optional() }).strict();

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Routes `/__control/...`. Returns after answering. */
export function handleControl(control: TablestoreControl, req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): void {
  if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) return send(res, 403, { error: 'control API is loopback only' });
  let json: unknown = undefined;
  try {
    json = body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch {
    return send(res, 400, { error: 'body is not JSON' });
  }
  const route = `${req.method} ${path.replace(/\/+$/, '')}`;
  const parse = <T>(schema: z.ZodType<T>): T | undefined => {
    const r = schema.safeParse(json);
    if (!r.success) send(res, 400, { error: 'invalid body', issues: r.error.issues });
    return r.success ? r.data : undefined;
  };

  let m: RegExpMatchArray | null;
  if (route === 'POST /__control/faults') {
    const spec = parse(faultSchema);
    if (spec) send(res, 201, control.addFault(spec));
  } else if (route === 'GET /__control/faults') {
    send(res, 200, { faults: control.faults() });
  } else if (route === 'DELETE /__control/faults') {
    control.clearFaults();
    send(res, 200, {});
  } else if ((m = /^DELETE \/__control\/faults\/([\w-]+)$/.exec(route))) {
    send(res, control.removeFault(m[1]) ? 200 : 404, {});
  } else if ((m = /^GET \/__control\/tables\/([A-Za-z_]\w*)$/.exec(route))) {
    const rows = control.dumpTable(m[1]);
    if (rows) send(res, 200, { table: m[1], rows });
    else send(res, 404, { error: `no table '${m[1]}'` });
  } else if (route === 'GET /__control/clock') {
    send(res, 200, { now: control.now() });
  } else if (route === 'POST /__control/clock/advance') {
    const a = parse(advanceSchema);
    if (a) send(res, 200, { now: control.advanceClock(a.ms) });
  } else if (route === 'POST /__control/reset') {
    control.reset();
    send(res, 200, {});
  } else if (route === 'GET /__control/calls') {
    send(res, 200, { calls: control.calls() });
  } else if (route === 'DELETE /__control/calls') {
    control.resetCalls();
    send(res, 200, {});
  } else if (route === 'POST /__control/scan-limits') {
    const s = parse(scanSchema);
    if (s) {
      control.setScanLimits(s);
      send(res, 200, {});
    }
  } else {
    send(res, 404, { error: `no control route '${route}'` });
  }
}
