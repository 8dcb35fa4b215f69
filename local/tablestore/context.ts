import type { Mutation, Store, Table } from './store';
import { tableNotExist, type OtsError } from './errors';

/** What every operation handler gets: the data, the time, and the one way to change data. */
export interface OpContext {
  store: Store;
  now(): number;
  /** Log (fsync when persistent) and then apply; called before the response is sent. */
  commit(mutations: Mutation[]): void;
  /** Per-call GetRange budget: Tablestore stops after 5000 rows or 4 MB scanned. */
  scan: { maxRows: number; maxBytes: number };
  /** Next value for an auto-increment key column of a table. */
  nextAutoIncrement(table: string): bigint;
  /** An injected per-row failure for one row of a batch operation (fault kind rowError), if any. */
  rowFault(operation: string, table: string): OtsError | undefined;
}

export function requireTable(ctx: OpContext, name: string): Table {
  const table = ctx.store.table(name);
  if (!table) throw tableNotExist();
  return table;
}
