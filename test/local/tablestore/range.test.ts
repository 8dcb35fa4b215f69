import { attrs, condition, createTable, failure, int, startHarness, TableStore, type Client, type Harness } from './helpers';

const Q = 'queue';
type Pk = Array<Record<string, unknown>>;

describe('Tablestore emulator: GetRange', () => {
  let h: Harness;
  let client: Client;
  beforeAll(async () => {
    h = await startHarness();
    client = h.client();
  });
  afterAll(() => h.emulator.close());
  beforeEach(async () => {
    h.emulator.control.reset();
    h.emulator.control.setScanLimits({ maxRows: 5000, maxBytes: 4 * 1024 * 1024 });
    await createTable(client, Q, [
      { name: 'shard', type: 'STRING' },
      { name: 'dueAt', type: 'INTEGER' },
      { name: 'batchId', type: 'STRING' },
    ]);
  });

  async function write(rows: Array<[string, number, string, Record<string, unknown>?]>, table = Q): Promise<void> {
    for (let i = 0; i < rows.length; i += 200) {
      const res = await client.batchWriteRow({
        tables: [
          {
            tableName: table,
            rows: rows.slice(i, i + 200).map(([shard, dueAt, batchId, cols = {}]) => ({
              type: 'PUT',
              condition: condition('IGNORE'),
              primaryKey: [{ shard }, { dueAt: int(dueAt) }, { batchId }],
              attributeColumns: Object.entries(cols).map(([k, v]) => ({ [k]: v })),
            })),
          },
        ],
      });
      expect(res.tables.every((r: { isOk: boolean }) => r.isOk)).toBe(true);
    }
  }

  const range = (start: Pk, end: Pk, extra: Record<string, unknown> = {}) =>
    client.getRange({ tableName: Q, direction: TableStore.Direction.FORWARD, inclusiveStartPrimaryKey: start, exclusiveEndPrimaryKey: end, ...extra });
  const keyOf = (r: { primaryKey: Array<{ value: { toNumber?: () => number } & unknown }> }) =>
    r.primaryKey.map((c) => (typeof c.value === 'object' && c.value && 'toNumber' in c.value ? c.value.toNumber!() : c.value)).join('/');
  const all = [{ shard: TableStore.INF_MIN }, { dueAt: TableStore.INF_MIN }, { batchId: TableStore.INF_MIN }];
  const allEnd = [{ shard: TableStore.INF_MAX }, { dueAt: TableStore.INF_MAX }, { batchId: TableStore.INF_MAX }];

  it('orders rows like Tablestore: column by column, integers signed, strings by bytes', async () => {
    await write([['b', 5, 'x'], ['a', 10, 'y'], ['a', -3, 'z'], ['a', 10, 'x'], ['B', 0, 'w'], ['a', 2, '']]);
    const res = await range(all, allEnd);
    expect(res.rows.map(keyOf)).toEqual(['B/0/w', 'a/-3/z', 'a/2/', 'a/10/x', 'a/10/y', 'b/5/x']);
    expect(res.nextStartPrimaryKey).toBeNull();
  });

  it('reads one shard up to a due time: start inclusive, end exclusive, with INF_MIN / INF_MAX', async () => {
    await write([['s1', 100, 'a'], ['s1', 200, 'b'], ['s1', 300, 'c'], ['s2', 150, 'd']]);
    const due = await range([{ shard: 's1' }, { dueAt: TableStore.INF_MIN }, { batchId: TableStore.INF_MIN }], [{ shard: 's1' }, { dueAt: int(300) }, { batchId: TableStore.INF_MIN }]);
    expect(due.rows.map(keyOf)).toEqual(['s1/100/a', 's1/200/b']);
    const exact = await range([{ shard: 's1' }, { dueAt: int(200) }, { batchId: 'b' }], [{ shard: 's1' }, { dueAt: int(300) }, { batchId: 'c' }]);
    expect(exact.rows.map(keyOf)).toEqual(['s1/200/b']); // the end key itself is excluded
  });

  it('reads BACKWARD from the larger start key down to the exclusive end', async () => {
    await write([['s', 1, 'a'], ['s', 2, 'b'], ['s', 3, 'c']]);
    const res = await client.getRange({
      tableName: Q,
      direction: TableStore.Direction.BACKWARD,
      inclusiveStartPrimaryKey: [{ shard: 's' }, { dueAt: int(3) }, { batchId: 'c' }],
      exclusiveEndPrimaryKey: [{ shard: 's' }, { dueAt: int(1) }, { batchId: 'a' }],
    });
    expect(res.rows.map(keyOf)).toEqual(['s/3/c', 's/2/b']);
  });

  it('refuses a FORWARD range whose start is not below its end with 400 OTSParameterInvalid', async () => {
    expect(await failure(range(allEnd, all))).toEqual({ status: 400, code: 'OTSParameterInvalid' });
  });

  it('pages with limit and nextStartPrimaryKey', async () => {
    await write(Array.from({ length: 7 }, (_, i): [string, number, string] => ['s', i, `b${i}`]));
    const seen: string[] = [];
    let start: Pk | null = all;
    let calls = 0;
    while (start) {
      const res: { rows: Array<Parameters<typeof keyOf>[0]>; nextStartPrimaryKey: Array<{ name: string; value: unknown }> | null } = await range(start, allEnd, { limit: 3 });
      seen.push(...res.rows.map(keyOf));
      start = res.nextStartPrimaryKey && res.nextStartPrimaryKey.map((c) => ({ [c.name]: c.value }));
      calls++;
    }
    expect(seen).toHaveLength(7);
    expect(calls).toBe(3);
  });

  it('stops at the scan budget and may return zero rows with a next key when the filter drops everything', async () => {
    h.emulator.control.setScanLimits({ maxRows: 10 });
    await write(Array.from({ length: 25 }, (_, i): [string, number, string, Record<string, unknown>] => ['s', i, 'x', { status: i === 22 ? 'DUE' : 'DONE' }]));
    const due = new TableStore.SingleColumnCondition('status', 'DUE', TableStore.ComparatorType.EQUAL, false);
    const first = await range(all, allEnd, { columnFilter: due });
    expect(first.rows).toEqual([]);
    expect(first.nextStartPrimaryKey).not.toBeNull();
    const found: string[] = [];
    let start: Pk | null = all;
    let calls = 0;
    while (start) {
      const res = await range(start, allEnd, { columnFilter: due });
      found.push(...res.rows.map(keyOf));
      start = res.nextStartPrimaryKey && res.nextStartPrimaryKey.map((c: { name: string; value: unknown }) => ({ [c.name]: c.value }));
      calls++;
    }
    expect(found).toEqual(['s/22/x']);
    expect(calls).toBe(3);
  });

  it('returns only columnsToGet from a range', async () => {
    await write([['s', 1, 'a', { status: 'DUE', owner: 'w1' }]]);
    const res = await range(all, allEnd, { columnsToGet: ['status'] });
    expect(attrs(res.rows[0])).toEqual({ status: 'DUE' });
  });

  it('pages over more rows than one call returns under the real 5000-row default', async () => {
    await write(Array.from({ length: 5100 }, (_, i): [string, number, string] => ['s', i, 'x']));
    const first = await range(all, allEnd);
    expect(first.rows).toHaveLength(5000);
    expect(keyOf({ primaryKey: first.nextStartPrimaryKey.map((c: { name: string; value: unknown }) => ({ name: c.name, value: c.value })) })).toBe('s/5000/x');
    const second = await range(first.nextStartPrimaryKey.map((c: { name: string; value: unknown }) => ({ [c.name]: c.value })), allEnd);
    expect(second.rows).toHaveLength(100);
    expect(second.nextStartPrimaryKey).toBeNull();
  });

  it('compares BINARY keys by bytes', async () => {
    await createTable(client, 'bin', [{ name: 'k', type: 'BINARY' }]);
    for (const b of [[2], [1, 255], [1], [0, 0]]) {
      await client.putRow({ tableName: 'bin', primaryKey: [{ k: Buffer.from(b) }], attributeColumns: [], condition: condition('IGNORE') });
    }
    const res = await client.getRange({ tableName: 'bin', direction: 'FORWARD', inclusiveStartPrimaryKey: [{ k: TableStore.INF_MIN }], exclusiveEndPrimaryKey: [{ k: TableStore.INF_MAX }] });
    expect(res.rows.map((r: { primaryKey: Array<{ value: Buffer }> }) => [...r.primaryKey[0].value])).toEqual([[0, 0], [1], [1, 255], [2]]);
  });
});
