import { parameterInvalid } from './errors';
import { decodeVariant } from './plainbuffer';
import { filterProto } from './sdk';
import type { Row } from './store';
import { compareValues, type ColumnValue } from './values';

/**
 * Column filters, shared by read filters and write conditions: single-column comparisons,
 * NOT/AND/OR composites, and column pagination (which only shapes what a read returns).
 */

export type ColumnFilter =
  | {
      kind: 'single';
      comparator: number;
      column: string;
      value: ColumnValue;
      /** The SDK's passIfMissing: a row without the column passes. */
      passIfMissing: boolean;
      latestVersionOnly: boolean;
    }
  | { kind: 'composite'; combinator: 'NOT' | 'AND' | 'OR'; subs: ColumnFilter[] }
  | { kind: 'pagination'; offset: number; limit: number };

const FT = { SINGLE: 1, COMPOSITE: 2, PAGINATION: 3 };
const COMBINATOR = { 1: 'NOT', 2: 'AND', 3: 'OR' } as const;
const COMPARE: Record<number, (c: number) => boolean> = {
  1: (c) => c === 0,
  2: (c) => c !== 0,
  3: (c) => c > 0,
  4: (c) => c >= 0,
  5: (c) => c < 0,
  6: (c) => c <= 0,
};

interface FilterMsg {
  type: number;
  filter: Buffer;
}

export function decodeFilter(bytes: Uint8Array): ColumnFilter {
  let msg: FilterMsg;
  try {
    msg = filterProto.Filter.decode(bytes) as FilterMsg;
  } catch {
    throw parameterInvalid('Invalid filter.');
  }
  return decodeTyped(msg);
}

function decodeTyped(msg: FilterMsg): ColumnFilter {
  try {
    if (msg.type === FT.SINGLE) {
      const f = filterProto.SingleColumnValueFilter.decode(msg.filter) as {
        comparator: number;
        columnName: string;
        columnValue: Buffer;
        filterIfMissing: boolean;
        latestVersionOnly: boolean;
      };
      if (!COMPARE[f.comparator]) throw parameterInvalid(`Invalid comparator: ${f.comparator}.`);
      return {
        kind: 'single',
        comparator: f.comparator,
        column: f.columnName,
        value: decodeVariant(Buffer.from(f.columnValue)),
        passIfMissing: !f.filterIfMissing,
        latestVersionOnly: f.latestVersionOnly,
      };
    }
    if (msg.type === FT.COMPOSITE) {
      const f = filterProto.CompositeColumnValueFilter.decode(msg.filter) as { combinator: number; subFilters: FilterMsg[] };
      const combinator = COMBINATOR[f.combinator as keyof typeof COMBINATOR];
      if (!combinator) throw parameterInvalid(`Invalid logical operator: ${f.combinator}.`);
      if (combinator === 'NOT' ? f.subFilters.length !== 1 : f.subFilters.length < 2) {
        throw parameterInvalid(`${combinator} needs ${combinator === 'NOT' ? 'exactly one sub filter' : 'at least two sub filters'}.`);
      }
      return { kind: 'composite', combinator, subs: f.subFilters.map(decodeTyped) };
    }
    if (msg.type === FT.PAGINATION) {
      const f = filterProto.ColumnPaginationFilter.decode(msg.filter) as { offset: number; limit: number };
      return { kind: 'pagination', offset: f.offset, limit: f.limit };
    }
  } catch (e) {
    if (e instanceof Error && e.name === 'OtsError') throw e;
    throw parameterInvalid('Invalid filter.');
  }
  throw parameterInvalid(`Invalid filter type: ${msg.type}.`);
}

/** Does the (visible) row pass the filter? An absent row has every column missing. */
export function matches(filter: ColumnFilter, row: Row | undefined): boolean {
  switch (filter.kind) {
    case 'pagination':
      return true;
    case 'composite':
      if (filter.combinator === 'NOT') return !matches(filter.subs[0], row);
      if (filter.combinator === 'AND') return filter.subs.every((f) => matches(f, row));
      return filter.subs.some((f) => matches(f, row));
    case 'single': {
      const cells = row?.columns.get(filter.column);
      if (!cells || cells.length === 0) return filter.passIfMissing;
      const candidates = filter.latestVersionOnly ? cells.slice(0, 1) : cells;
      const test = COMPARE[filter.comparator];
      // Values of another type never satisfy a comparison (an INTEGER column is not a DOUBLE 3).
      return candidates.some((c) => {
        const cmp = compareValues(c.value, filter.value);
        return cmp !== undefined && test(cmp);
      });
    }
  }
}

/** The column pagination filter, if the read has one (it picks columns, not rows). */
export function paginationOf(filter: ColumnFilter | undefined): { offset: number; limit: number } | undefined {
  return filter?.kind === 'pagination' ? filter : undefined;
}
