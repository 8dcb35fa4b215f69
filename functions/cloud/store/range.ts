import { readRow, TS, type RowData, type Tablestore } from '../tablestore';

export interface RangeRead {
  tableName: string;
  /** Inclusive start and exclusive end primary keys. */
  start: unknown[];
  end: unknown[];
  /** Rows to ask for in the next page. */
  pageLimit: () => number;
  columnsToGet?: string[];
}

/**
 * A forward range read, page by page. A range read may stop early (row or size cap) and even answer no rows
 * with a next key, so the pages go on until Tablestore gives no next key or the caller stops asking.
 * `more` says whether Tablestore had more to give after this page.
 */
export async function* rangePages(ts: Tablestore, r: RangeRead): AsyncGenerator<{ rows: RowData[]; more: boolean }> {
  let start = r.start;
  for (;;) {
    const page = await ts.call<{ rows: unknown[]; nextStartPrimaryKey?: Array<{ name: string; value: unknown }> | null }>('getRange', {
      tableName: r.tableName,
      direction: TS.Direction.FORWARD,
      inclusiveStartPrimaryKey: start,
      exclusiveEndPrimaryKey: r.end,
      limit: r.pageLimit(),
      maxVersions: 1,
      ...(r.columnsToGet ? { columnsToGet: r.columnsToGet } : {}),
    });
    const next = page.nextStartPrimaryKey;
    yield { rows: page.rows.map(readRow).filter((row): row is RowData => row !== undefined), more: !!next };
    if (!next) return;
    start = next.map((k) => ({ [k.name]: k.value }));
  }
}
