import { encodeKey, type ColumnValue, type PkColumn, type PkType } from './values';

/**
 * Tables, rows and cell versions in memory. Every change goes through `apply(mutation)` so the
 * write-ahead log can record exactly what changed and replay it the same way on start.
 */

export interface PkSchema {
  name: string;
  type: PkType;
  autoIncrement?: boolean;
}

export interface TableMeta {
  name: string;
  primaryKey: PkSchema[];
  definedColumns: Array<{ name: string; type: number }>;
  /** Seconds a cell lives after its version timestamp; -1 keeps data forever. */
  timeToLive: number;
  maxVersions: number;
  maxTimeDeviation: number;
  allowUpdate: boolean;
  reservedRead: number;
  reservedWrite: number;
  createdAt: number;
  lastIncreaseTime: number;
  lastDecreaseTime?: number;
}

/** One version of one column; the timestamp is the version (milliseconds). */
export interface Cell {
  ts: number;
  value: ColumnValue;
}

export interface Row {
  primaryKey: PkColumn[];
  /** Newest version first. */
  columns: Map<string, Cell[]>;
  /**
   * When the row itself was last written. A row written with no attribute columns still exists
   * (until TTL passes this time), as a PutRow with only a primary key does in Tablestore.
   */
  writtenAt: number;
}

export type Mutation =
  | { t: 'createTable'; meta: TableMeta }
  | { t: 'updateTable'; meta: TableMeta }
  | { t: 'deleteTable'; name: string }
  | { t: 'row'; table: string; primaryKey: PkColumn[]; row: Row | null }
  | { t: 'reset' };

export class Table {
  /** Encoded primary keys in Tablestore order (see values.encodeKey). */
  private readonly keys: string[] = [];
  private readonly rows = new Map<string, Row>();

  constructor(public meta: TableMeta) {}

  get size(): number {
    return this.keys.length;
  }

  get(key: string): Row | undefined {
    return this.rows.get(key);
  }

  set(key: string, row: Row | null): void {
    const i = this.lowerBound(key);
    const present = this.keys[i] === key;
    if (row) {
      if (!present) this.keys.splice(i, 0, key);
      this.rows.set(key, row);
    } else if (present) {
      this.keys.splice(i, 1);
      this.rows.delete(key);
    }
  }

  /** Index of the first key >= `key`. */
  lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first key > `key`. */
  upperBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid] <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  keyAt(i: number): string | undefined {
    return this.keys[i];
  }

  *entries(): IterableIterator<[string, Row]> {
    for (const k of this.keys) yield [k, this.rows.get(k) as Row];
  }
}

export class Store {
  readonly tables = new Map<string, Table>();

  table(name: string): Table | undefined {
    return this.tables.get(name);
  }

  apply(m: Mutation): void {
    switch (m.t) {
      case 'createTable':
        this.tables.set(m.meta.name, new Table(m.meta));
        return;
      case 'updateTable': {
        const t = this.tables.get(m.meta.name);
        if (t) t.meta = m.meta;
        return;
      }
      case 'deleteTable':
        this.tables.delete(m.name);
        return;
      case 'row':
        this.tables.get(m.table)?.set(encodeKey(m.primaryKey.map((c) => c.value)), m.row);
        return;
      case 'reset':
        this.tables.clear();
        return;
    }
  }
}

/** Whether a version is still alive under the table's TTL. */
export function cellAlive(meta: TableMeta, ts: number, now: number): boolean {
  return meta.timeToLive < 0 || ts + meta.timeToLive * 1000 > now;
}

/**
 * The row as a reader sees it now: expired versions dropped, at most `maxVersions` per column.
 * Undefined when the row does not exist (never written, deleted, or everything in it expired).
 */
export function visibleRow(meta: TableMeta, row: Row | undefined, now: number): Row | undefined {
  if (!row) return undefined;
  const columns = new Map<string, Cell[]>();
  for (const [name, cells] of row.columns) {
    const alive = cells.filter((c) => cellAlive(meta, c.ts, now)).slice(0, meta.maxVersions);
    if (alive.length) columns.set(name, alive);
  }
  if (columns.size === 0 && !cellAlive(meta, row.writtenAt, now)) return undefined;
  return { primaryKey: row.primaryKey, columns, writtenAt: row.writtenAt };
}
