import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Mutation, Row, Store, TableMeta } from './store';
import { fromTagged, toTagged, type PkValue, type TaggedValue } from './values';

/**
 * Optional durability: an append-only log of mutations, one JSON line each. A write is appended
 * and fsync'ed BEFORE its response is sent, so a write the client saw acknowledged survives
 * SIGKILL. On start the log is replayed, then rewritten as a compact snapshot (write a temp file,
 * fsync, rename, fsync the directory) so restarts do not grow it forever.
 */

type RowJson = { pk: Array<[string, TaggedValue]>; cols: Array<[string, Array<[number, TaggedValue]>]>; w: number };
type Record =
  | { t: 'createTable' | 'updateTable'; meta: TableMeta }
  | { t: 'deleteTable'; name: string }
  | { t: 'row'; table: string; pk: Array<[string, TaggedValue]>; row: RowJson | null }
  | { t: 'reset' };

const pkToJson = (pk: Row['primaryKey']) => pk.map((c): [string, TaggedValue] => [c.name, toTagged(c.value)]);
const pkFromJson = (pk: Array<[string, TaggedValue]>) => pk.map(([name, v]) => ({ name, value: fromTagged(v) as PkValue }));

function rowToJson(row: Row): RowJson {
  return {
    pk: pkToJson(row.primaryKey),
    cols: [...row.columns].map(([name, cells]) => [name, cells.map((c): [number, TaggedValue] => [c.ts, toTagged(c.value)])]),
    w: row.writtenAt,
  };
}

function rowFromJson(j: RowJson): Row {
  return {
    primaryKey: pkFromJson(j.pk),
    columns: new Map(j.cols.map(([name, cells]) => [name, cells.map(([ts, v]) => ({ ts, value: fromTagged(v) }))])),
    writtenAt: j.w,
  };
}

function toRecord(m: Mutation): Record {
  if (m.t === 'row') return { t: 'row', table: m.table, pk: pkToJson(m.primaryKey), row: m.row ? rowToJson(m.row) : null };
  return m;
}

function fromRecord(r: Record): Mutation {
  if (r.t === 'row') return { t: 'row', table: r.table, primaryKey: pkFromJson(r.pk), row: r.row ? rowFromJson(r.row) : null };
  return r;
}

export interface MutationLog {
  append(mutations: readonly Mutation[]): void;
  close(): void;
}

export class FileLog implements MutationLog {
  private fd: number;
  private readonly file: string;

  /** Replays `dir`'s log into `store`, compacts it, and opens it for appending. */
  constructor(
    private readonly dir: string,
    store: Store,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'tablestore.log');
    if (fs.existsSync(this.file)) replay(fs.readFileSync(this.file, 'utf8'), store);
    this.compact(store);
    this.fd = fs.openSync(this.file, 'a');
  }

  append(mutations: readonly Mutation[]): void {
    if (mutations.length === 0) return;
    const text = mutations.map((m) => JSON.stringify(toRecord(m)) + '\n').join('');
    fs.writeSync(this.fd, text);
    fs.fsyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private compact(store: Store): void {
    const lines: string[] = [];
    for (const table of store.tables.values()) {
      lines.push(JSON.stringify({ t: 'createTable', meta: table.meta }));
      for (const [, row] of table.entries()) {
        lines.push(JSON.stringify({ t: 'row', table: table.meta.name, pk: pkToJson(row.primaryKey), row: rowToJson(row) }));
      }
    }
    const tmp = this.file + '.tmp';
    const fd = fs.openSync(tmp, 'w');
    fs.writeSync(fd, lines.map((l) => l + '\n').join(''));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.file);
    const dirFd = fs.openSync(this.dir, 'r');
    fs.fsyncSync(dirFd);
    fs.closeSync(dirFd);
  }
}

/**
 * Apply every complete line. A torn last line is a write that was never acknowledged (the
 * process died inside writeSync), so it is skipped; a bad line anywhere else is corruption.
 */
function replay(text: string, store: Store): void {
  const lines = text.split('\n');
  // Whatever follows the last newline is empty or torn.
  for (let i = 0; i < lines.length - 1; i++) {
    if (!lines[i]) continue;
    store.apply(fromRecord(JSON.parse(lines[i]) as Record));
  }
}
