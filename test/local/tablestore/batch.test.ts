import { attrs, condition, createTable, failure, int, startHarness, TableStore, type Client, type Harness } from './helpers';

const T = 'batches';

describe('Tablestore emulator: batch operations', () => {
  let h: Harness;
  let client: Client;
  beforeAll(async () => {
    h = await startHarness();
    client = h.client();
  });
  afterAll(() => h.emulator.close());
  beforeEach(async () => {
    h.emulator.control.reset();
    await createTable(client, T);
  });

  const putRow = (id: string, cond = condition('IGNORE')) => ({ type: 'PUT', condition: cond, primaryKey: [{ id }], attributeColumns: [{ v: int(1) }] });

  it('writes PUT, UPDATE and DELETE rows and reports each row on its own', async () => {
    await client.putRow({ tableName: T, primaryKey: [{ id: 'old' }], attributeColumns: [{ v: int(1) }], condition: condition('IGNORE') });
    const res = await client.batchWriteRow({
      tables: [
        {
          tableName: T,
          rows: [
            putRow('a'),
            putRow('old', condition('EXPECT_NOT_EXIST')),
            { type: 'UPDATE', condition: condition('IGNORE'), primaryKey: [{ id: 'b' }], attributeColumns: [{ PUT: [{ s: 'x' }] }] },
            { type: 'DELETE', condition: condition('IGNORE'), primaryKey: [{ id: 'c' }] },
          ],
        },
      ],
    });
    expect(res.tables.map((r: { isOk: boolean; errorCode: string | null }) => [r.isOk, r.errorCode])).toEqual([
      [true, null],
      [false, 'OTSConditionCheckFail'],
      [true, null],
      [true, null],
    ]);
    expect(h.emulator.control.dumpTable(T)?.map((r) => r.primaryKey.id)).toEqual(['a', 'b', 'old']);
  });

  it('fails only the rows of a missing table', async () => {
    const res = await client.batchWriteRow({ tables: [{ tableName: T, rows: [putRow('a')] }, { tableName: 'nope', rows: [putRow('b')] }] });
    expect(res.tables.map((r: { isOk: boolean; errorCode: string | null }) => [r.isOk, r.errorCode])).toEqual([
      [true, null],
      [false, 'OTSObjectNotExist'],
    ]);
  });

  it('refuses more than 200 rows, or the same row twice, with 400 OTSParameterInvalid', async () => {
    const tooMany = client.batchWriteRow({ tables: [{ tableName: T, rows: Array.from({ length: 201 }, (_, i) => putRow(`r${i}`)) }] });
    expect(await failure(tooMany)).toEqual({ status: 400, code: 'OTSParameterInvalid' });
    const twice = client.batchWriteRow({ tables: [{ tableName: T, rows: [putRow('a'), putRow('a')] }] });
    expect(await failure(twice)).toEqual({ status: 400, code: 'OTSParameterInvalid' });
  });

  it('refuses more than 4 MB of row data with 400 OTSParameterInvalid', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const rows = Array.from({ length: 5 }, (_, i) => ({ type: 'PUT', condition: condition('IGNORE'), primaryKey: [{ id: `r${i}` }], attributeColumns: [{ blob: big }] }));
    expect(await failure(client.batchWriteRow({ tables: [{ tableName: T, rows }] }))).toEqual({ status: 400, code: 'OTSParameterInvalid' });
  });

  it('reads up to 100 rows with per-row results, absent rows empty', async () => {
    await client.batchWriteRow({ tables: [{ tableName: T, rows: [putRow('a'), putRow('b')] }] });
    const res = await client.batchGetRow({ tables: [{ tableName: T, primaryKey: [[{ id: 'a' }], [{ id: 'zzz' }], [{ id: 'b' }]], maxVersions: 1 }] });
    const rows = res.tables[0];
    expect(rows.map((r: { isOk: boolean }) => r.isOk)).toEqual([true, true, true]);
    expect(attrs(rows[0])).toEqual({ v: 1 });
    expect(rows[1].primaryKey).toBeNull();
    expect(rows[2].primaryKey).toEqual([{ name: 'id', value: 'b' }]);
  });

  it('refuses more than 100 rows in BatchGetRow with 400 OTSParameterInvalid', async () => {
    const keys = Array.from({ length: 101 }, (_, i) => [{ id: `r${i}` }]);
    expect(await failure(client.batchGetRow({ tables: [{ tableName: T, primaryKey: keys }] }))).toEqual({ status: 400, code: 'OTSParameterInvalid' });
  });

  it('applies filters and columnsToGet per table in BatchGetRow', async () => {
    await client.putRow({ tableName: T, primaryKey: [{ id: 'a' }], attributeColumns: [{ s: 'DONE' }, { o: 'x' }], condition: condition('IGNORE') });
    const done = new TableStore.SingleColumnCondition('s', 'DONE', TableStore.ComparatorType.EQUAL, false);
    const res = await client.batchGetRow({ tables: [{ tableName: T, primaryKey: [[{ id: 'a' }]], columnsToGet: ['s'], columnFilter: done }] });
    expect(attrs(res.tables[0][0])).toEqual({ s: 'DONE' });
  });
});
