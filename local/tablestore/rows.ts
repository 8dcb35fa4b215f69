import { parameterInvalid } from './errors';
import { matches, paginationOf, type ColumnFilter } from './filters';
import { PK_AUTO_INCR, type RequestPkValue } from './plainbuffer';
import { sdk } from './sdk';
import { visibleRow, type Cell, type Row, type TableMeta } from './store';
import { INF_MAX, INF_MIN, toSdkPk, toSdkValue, valueSize, type BoundValue, type PkColumn, type PkValue } from './values';

/** Shared row helpers: key validation against the schema, read projection, and response encoding. */

export const LIMITS = {
  /** General limits (doc-detail/91524): PutRow and UpdateRow carry at most 4 MB of row data. */
  rowWriteBytes: 4 * 1024 * 1024,
  pkStringBytes: 1024,
  columnValueBytes: 2 * 1024 * 1024,
  columnsPerWrite: 1024,
  columnsToGet: 128,
};

const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const VT_NAME = { INTEGER: 'VT_INTEGER', STRING: 'VT_STRING', BINARY: 'VT_BLOB' } as const;

function vtOf(v: RequestPkValue): string {
  if (v === INF_MIN) return 'VT_INF_MIN';
  if (v === INF_MAX) return 'VT_INF_MAX';
  if (v === PK_AUTO_INCR) return 'VT_AUTO_INCREMENT';
  return typeof v === 'string' ? 'VT_STRING' : typeof v === 'bigint' ? 'VT_INTEGER' : 'VT_BLOB';
}

/** A single-row write whose row data (the PlainBuffer row) is over the 4 MB a PutRow/UpdateRow may carry. */
export function checkRowWriteSize(row: Uint8Array): void {
  if (row.length > LIMITS.rowWriteBytes) {
    throw parameterInvalid(`The total data size of the row exceeds the limit: ${row.length} > ${LIMITS.rowWriteBytes} bytes.`);
  }
}

export type PkUse = 'row' | 'bound' | 'write';

/**
 * Check a requested primary key against the table schema, in Tablestore's words. Rows need every
 * column with a concrete value; range bounds may use INF_MIN / INF_MAX; writes may ask an
 * auto-increment column for a generated value.
 */
export function checkPrimaryKey(meta: TableMeta, pk: PkColumn<RequestPkValue>[], use: PkUse): PkColumn<RequestPkValue>[] {
  if (pk.length !== meta.primaryKey.length) {
    throw parameterInvalid(`Validate PK size fail. Input: ${pk.length}, Meta: ${meta.primaryKey.length}.`);
  }
  meta.primaryKey.forEach((schema, i) => {
    const { name, value } = pk[i];
    if (name !== schema.name) throw parameterInvalid(`Validate PK name fail. Input: ${name}, Meta: ${schema.name}.`);
    const infinite = value === INF_MIN || value === INF_MAX;
    const autoIncr = value === PK_AUTO_INCR;
    const allowed = (infinite && use === 'bound') || (autoIncr && use === 'write' && schema.autoIncrement) || vtOf(value) === VT_NAME[schema.type];
    if (!allowed) throw parameterInvalid(`Validate PK type fail. Input: ${vtOf(value)}, Meta: ${VT_NAME[schema.type]}.`);
    if ((typeof value === 'string' || Buffer.isBuffer(value)) && valueSize(value) > LIMITS.pkStringBytes) {
      throw parameterInvalid(
        `The length of primary key column: '${name}' exceeds the MaxLength:${LIMITS.pkStringBytes} with CurrentLength:${valueSize(value)}.`,
      );
    }
  });
  return pk;
}

export function concretePk(pk: PkColumn<RequestPkValue>[]): PkColumn[] {
  return pk as PkColumn[];
}

export function boundValues(pk: PkColumn<RequestPkValue>[]): BoundValue[] {
  return pk.map((c) => c.value as BoundValue);
}

export function checkColumnName(meta: TableMeta, name: string): void {
  if (!COLUMN_NAME.test(name)) throw parameterInvalid(`Invalid column name: '${name}'.`);
  if (meta.primaryKey.some((p) => p.name === name)) {
    throw parameterInvalid(`The attribute column '${name}' has the same name as a primary key column.`);
  }
}

export interface ReadOptions {
  columnsToGet: string[];
  maxVersions: number;
  timeRange?: { start: number; end: number };
  filter?: ColumnFilter;
  startColumn?: string;
  endColumn?: string;
}

interface ReadRequestMsg {
  columnsToGet?: string[];
  maxVersions?: number;
  timeRange?: { startTime?: unknown; endTime?: unknown; specificTime?: unknown };
  startColumn?: string;
  endColumn?: string;
}

/** Time range and max versions as a read request states them (at least one is required). */
export function readOptions(msg: ReadRequestMsg, filter: ColumnFilter | undefined): ReadOptions {
  const columnsToGet = [...new Set(msg.columnsToGet ?? [])];
  if (columnsToGet.length > LIMITS.columnsToGet) {
    throw parameterInvalid(`The number of columns to get exceeds the limit: ${LIMITS.columnsToGet}.`);
  }
  let timeRange: ReadOptions['timeRange'];
  const tr = msg.timeRange;
  if (tr) {
    // protobufjs reads unset fields as 0 from the prototype: only fields actually sent count.
    const num = (f: 'startTime' | 'endTime' | 'specificTime') =>
      Object.prototype.hasOwnProperty.call(tr, f) && tr[f] !== null ? Number(String(tr[f])) : undefined;
    const specific = num('specificTime');
    const start = num('startTime');
    const end = num('endTime');
    if (specific !== undefined) timeRange = { start: specific, end: specific + 1 };
    else if (start !== undefined || end !== undefined) timeRange = { start: start ?? 0, end: end ?? Number.MAX_SAFE_INTEGER };
    if (timeRange && timeRange.start >= timeRange.end) throw parameterInvalid('Invalid time range: start must be less than end.');
  }
  const maxVersions = msg.maxVersions ?? 0;
  if (maxVersions < 0) throw parameterInvalid(`Invalid max versions: ${maxVersions}.`);
  if (!maxVersions && !timeRange) throw parameterInvalid('Neither max versions nor time range is specified.');
  return {
    columnsToGet,
    maxVersions: maxVersions || Number.MAX_SAFE_INTEGER,
    timeRange,
    filter,
    startColumn: msg.startColumn || undefined,
    endColumn: msg.endColumn || undefined,
  };
}

/**
 * What a read returns for one stored row, or undefined when nothing is returned: the row does not
 * exist, the filter drops it, or none of `columnsToGet` is in it. Filters see the row's versions
 * after the time range and max versions, before columns are picked. With `columnsToGet` the
 * response carries only the named columns, primary key columns included.
 */
export function projectRow(meta: TableMeta, stored: Row | undefined, opts: ReadOptions, now: number): Row | undefined {
  const row = visibleRow(meta, stored, now);
  if (!row) return undefined;
  const versions = new Map<string, Cell[]>();
  for (const [name, cells] of row.columns) {
    const inRange = opts.timeRange ? cells.filter((c) => c.ts >= opts.timeRange!.start && c.ts < opts.timeRange!.end) : cells;
    const kept = inRange.slice(0, opts.maxVersions);
    if (kept.length) versions.set(name, kept);
  }
  const read: Row = { primaryKey: row.primaryKey, columns: versions, writtenAt: row.writtenAt };
  if (opts.filter && !matches(opts.filter, read)) return undefined;

  const wanted = opts.columnsToGet.length ? new Set(opts.columnsToGet) : undefined;
  let names = [...versions.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if (wanted) names = names.filter((n) => wanted.has(n));
  if (opts.startColumn) names = names.filter((n) => n >= opts.startColumn!);
  if (opts.endColumn) names = names.filter((n) => n < opts.endColumn!);
  const page = paginationOf(opts.filter);
  if (page) names = names.slice(page.offset, page.offset + page.limit);
  const primaryKey = wanted ? row.primaryKey.filter((c) => wanted.has(c.name)) : row.primaryKey;
  if (wanted && names.length === 0 && primaryKey.length === 0) return undefined;
  return { primaryKey, columns: new Map(names.map((n) => [n, versions.get(n)!])), writtenAt: row.writtenAt };
}

/** Bytes a row costs on the wire, for the 4 MB scan cap and capacity units. */
export function rowSize(row: Row): number {
  let size = 0;
  for (const c of row.primaryKey) size += c.name.length + valueSize(c.value);
  for (const [name, cells] of row.columns) for (const cell of cells) size += name.length + valueSize(cell.value) + 8;
  return size;
}

/** A row as PlainBuffer, via the SDK's own builder so the SDK's reader accepts it. */
export function encodeRow(row: Row): Buffer {
  const columns: Array<Record<string, unknown>> = [];
  for (const [name, cells] of row.columns) {
    for (const cell of cells) columns.push({ [name]: toSdkValue(cell.value), timestamp: cell.ts });
  }
  return sdk.PlainBufferBuilder.serializeForPutRow(toSdkPk(row.primaryKey), columns);
}

/** GetRange's rows: one PlainBuffer header, then the rows back to back. */
export function encodeRows(rows: Row[]): Buffer {
  if (rows.length === 0) return Buffer.alloc(0);
  const encoded = rows.map(encodeRow);
  return Buffer.concat([encoded[0], ...encoded.slice(1).map((b) => b.subarray(4))]);
}

export function encodePrimaryKey(pk: PkColumn<PkValue>[]): Buffer {
  return sdk.PlainBufferBuilder.serializePrimaryKey(toSdkPk(pk));
}

/** Capacity units: 1 per started 4 KB, as Tablestore bills reads and writes. */
export function capacity(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 4096));
}

export function consumed(read: number, write: number) {
  return { capacityUnit: { read, write } };
}
