import { checkCondition, type WriteCondition } from './conditions';
import type { OpContext } from './context';
import { parameterInvalid } from './errors';
import { PK_AUTO_INCR, type DecodedRow } from './plainbuffer';
import { capacity, checkColumnName, checkPrimaryKey, consumed, encodeRow, LIMITS, rowSize } from './rows';
import { visibleRow, type Cell, type Mutation, type Row, type Table } from './store';
import { encodeKey, typeOf, valueSize, type PkColumn } from './values';

/**
 * The three row writes, shared by PutRow/UpdateRow/DeleteRow and BatchWriteRow. Each plans a
 * mutation against the current row without changing anything; the caller commits the plans it
 * keeps. Planning and committing happen in one synchronous step, so two conditional writes on
 * the same row can never both pass their check (one of them sees the other's result).
 */

export type ReturnType = 'RT_NONE' | 'RT_PK' | 'RT_AFTER_MODIFY';
export interface ReturnContent {
  type: ReturnType;
  columns: string[];
}

export interface WritePlan {
  mutation: Mutation;
  /** The row to send back, if the request asked for one. */
  returned?: Row;
  consumed: { capacityUnit: { read: number; write: number } };
}

const RETURN_TYPES: Record<number, ReturnType> = { 0: 'RT_NONE', 1: 'RT_PK', 2: 'RT_AFTER_MODIFY' };

export function decodeReturnContent(msg: { returnType?: number; returnColumnNames?: string[] } | undefined): ReturnContent {
  const type = RETURN_TYPES[msg?.returnType ?? 0];
  if (!type) throw parameterInvalid(`Invalid return type: ${msg?.returnType}.`);
  return { type, columns: msg?.returnColumnNames ?? [] };
}

function resolvePk(ctx: OpContext, table: Table, decoded: DecodedRow): PkColumn[] {
  const pk = checkPrimaryKey(table.meta, decoded.primaryKey, 'write');
  return pk.map((c) => (c.value === PK_AUTO_INCR ? { name: c.name, value: ctx.nextAutoIncrement(table.meta.name) } : { name: c.name, value: c.value as PkColumn['value'] }));
}

function checkTimestamp(table: Table, ts: number | undefined, now: number): number {
  if (ts === undefined) return now;
  const deviation = table.meta.maxTimeDeviation * 1000;
  if (!Number.isSafeInteger(ts) || ts < 0 || Math.abs(ts - now) > deviation) {
    throw parameterInvalid(`The timestamp ${ts} deviates from the server time by more than ${table.meta.maxTimeDeviation} seconds.`);
  }
  return ts;
}

function checkCells(table: Table, decoded: DecodedRow): void {
  if (decoded.cells.length > LIMITS.columnsPerWrite) {
    throw parameterInvalid(`The number of columns in one row exceeds the limit: ${LIMITS.columnsPerWrite}.`);
  }
  for (const cell of decoded.cells) {
    checkColumnName(table.meta, cell.name);
    if (cell.value !== undefined && valueSize(cell.value) > LIMITS.columnValueBytes) {
      throw parameterInvalid(`The length of attribute column: '${cell.name}' exceeds the MaxLength:${LIMITS.columnValueBytes}.`);
    }
  }
}

/** Insert a version, replacing one with the same timestamp, keeping newest first. */
function putVersion(cells: Cell[], cell: Cell, maxVersions: number): Cell[] {
  const next = cells.filter((c) => c.ts !== cell.ts);
  next.push(cell);
  next.sort((a, b) => b.ts - a.ts);
  return next.slice(0, maxVersions);
}

function afterWrite(row: Row, pk: PkColumn[], rc: ReturnContent, changed: string[]): Row | undefined {
  if (rc.type === 'RT_NONE') return undefined;
  if (rc.type === 'RT_PK') return { primaryKey: pk, columns: new Map(), writtenAt: row.writtenAt };
  const names = rc.columns.length ? rc.columns : changed;
  const columns = new Map<string, Cell[]>();
  for (const n of names) {
    const cells = row.columns.get(n);
    if (cells?.length) columns.set(n, cells.slice(0, 1));
  }
  return { primaryKey: pk, columns, writtenAt: row.writtenAt };
}

export function planPut(ctx: OpContext, table: Table, decoded: DecodedRow, condition: WriteCondition, rc: ReturnContent): WritePlan {
  checkCells(table, decoded);
  const now = ctx.now();
  const bad = decoded.cells.find((c) => c.op !== 'PUT' || c.value === undefined);
  if (bad) throw parameterInvalid(`PutRow can only put values; column '${bad.name}' carries ${bad.op}.`);
  if (decoded.deleteMarker) throw parameterInvalid('PutRow cannot carry a delete marker.');
  const pk = resolvePk(ctx, table, decoded);
  const current = visibleRow(table.meta, table.get(encodeKey(pk.map((c) => c.value))), now);
  checkCondition(condition, current);
  // PutRow replaces the whole row: every column and every version it had is gone.
  const columns = new Map<string, Cell[]>();
  for (const cell of decoded.cells) {
    const ts = checkTimestamp(table, cell.timestamp, now);
    columns.set(cell.name, putVersion(columns.get(cell.name) ?? [], { ts, value: cell.value! }, table.meta.maxVersions));
  }
  const row: Row = { primaryKey: pk, columns, writtenAt: now };
  return {
    mutation: { t: 'row', table: table.meta.name, primaryKey: pk, row },
    returned: afterWrite(row, pk, rc, [...columns.keys()]),
    consumed: consumed(condition.rowExistence === 'IGNORE' && !condition.columnCondition ? 0 : 1, capacity(rowSize(row))),
  };
}

export function planUpdate(ctx: OpContext, table: Table, decoded: DecodedRow, condition: WriteCondition, rc: ReturnContent): WritePlan {
  checkCells(table, decoded);
  const now = ctx.now();
  if (decoded.deleteMarker) throw parameterInvalid('UpdateRow cannot carry a delete marker.');
  const pk = resolvePk(ctx, table, decoded);
  const current = visibleRow(table.meta, table.get(encodeKey(pk.map((c) => c.value))), now);
  checkCondition(condition, current);
  const columns = new Map(current?.columns ?? []);
  for (const cell of decoded.cells) {
    const cells = columns.get(cell.name) ?? [];
    switch (cell.op) {
      case 'PUT': {
        if (cell.value === undefined) throw parameterInvalid(`Column '${cell.name}' has no value to put.`);
        const ts = checkTimestamp(table, cell.timestamp, now);
        columns.set(cell.name, putVersion(cells, { ts, value: cell.value }, table.meta.maxVersions));
        break;
      }
      case 'DELETE': {
        if (cell.timestamp === undefined) throw parameterInvalid(`Deleting one version of '${cell.name}' needs its timestamp.`);
        const rest = cells.filter((c) => c.ts !== cell.timestamp);
        if (rest.length) columns.set(cell.name, rest);
        else columns.delete(cell.name);
        break;
      }
      case 'DELETE_ALL':
        columns.delete(cell.name);
        break;
      case 'INCREMENT': {
        // An increment adds to the latest version; a missing column counts as 0. INTEGER only.
        if (typeof cell.value !== 'bigint') throw parameterInvalid(`Increment of '${cell.name}' needs an INTEGER value.`);
        if (cell.timestamp !== undefined) throw parameterInvalid(`Increment of '${cell.name}' cannot set a timestamp.`);
        const latest = cells[0]?.value ?? 0n;
        if (typeof latest !== 'bigint') {
          throw parameterInvalid(`Column '${cell.name}' is ${typeOf(latest)}; only INTEGER columns can be incremented.`);
        }
        // Tablestore refuses an increment past the 64-bit range instead of wrapping around.
        const sum = latest + cell.value;
        if (sum !== BigInt.asIntN(64, sum)) throw parameterInvalid(`Increment of '${cell.name}' overflows a 64-bit integer.`);
        columns.set(cell.name, putVersion(cells, { ts: now, value: sum }, table.meta.maxVersions));
        break;
      }
    }
  }
  const row: Row = { primaryKey: pk, columns, writtenAt: now };
  return {
    mutation: { t: 'row', table: table.meta.name, primaryKey: pk, row },
    returned: afterWrite(row, pk, rc, decoded.cells.map((c) => c.name)),
    consumed: consumed(current || condition.columnCondition ? 1 : 0, capacity(rowSize(row))),
  };
}

export function planDelete(ctx: OpContext, table: Table, decoded: DecodedRow, condition: WriteCondition, rc: ReturnContent): WritePlan {
  if (condition.rowExistence === 'EXPECT_NOT_EXIST') {
    throw parameterInvalid('Invalid condition: EXPECT_NOT_EXIST while deleting a row.');
  }
  if (decoded.cells.length) throw parameterInvalid('DeleteRow carries no attribute columns.');
  const pk = checkPrimaryKey(table.meta, decoded.primaryKey, 'row') as PkColumn[];
  const now = ctx.now();
  const current = visibleRow(table.meta, table.get(encodeKey(pk.map((c) => c.value))), now);
  checkCondition(condition, current);
  return {
    mutation: { t: 'row', table: table.meta.name, primaryKey: pk, row: null },
    returned: rc.type === 'RT_NONE' ? undefined : { primaryKey: pk, columns: new Map(), writtenAt: now },
    consumed: consumed(condition.rowExistence === 'IGNORE' && !condition.columnCondition ? 0 : 1, 1),
  };
}

export const encodeReturned = (plan: WritePlan) => (plan.returned ? encodeRow(plan.returned) : undefined);
