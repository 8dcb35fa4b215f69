import { attrs, condition, createTable, failure, int, startHarness, TableStore, type Client, type Harness } from './helpers';

const T = 'batches';
const pk = (id: string) => [{ id }];

describe('Tablestore emulator: single-row operations', () => {
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

  const put = (id: string, columns: Array<Record<string, unknown>>, cond = condition('IGNORE')) =>
    client.putRow({ tableName: T, primaryKey: pk(id), attributeColumns: columns, condition: cond });
  const get = async (id: string, extra: Record<string, unknown> = {}) => (await client.getRow({ tableName: T, primaryKey: pk(id), ...extra })).row;

  it('puts a row and reads it back with every value type', async () => {
    await put('b1', [{ status: 'PENDING' }, { version: int(1) }, { ratio: 0.5 }, { done: false }, { blob: Buffer.from([1, 2]) }]);
    const row = await get('b1');
    expect(row.primaryKey).toEqual([{ name: 'id', value: 'b1' }]);
    expect(attrs(row)).toEqual({ blob: Buffer.from([1, 2]), done: false, ratio: 0.5, status: 'PENDING', version: 1 });
    expect(typeof row.attributes[0].timestamp.toNumber()).toBe('number');
  });

  it('answers a missing row with an empty row, not an error', async () => {
    expect(await get('nobody')).toEqual({});
  });

  it('replaces the whole row on PutRow', async () => {
    await put('b1', [{ a: 'x' }, { b: 'y' }]);
    await put('b1', [{ c: 'z' }]);
    expect(attrs(await get('b1'))).toEqual({ c: 'z' });
  });

  it('fails EXPECT_NOT_EXIST on an existing row and EXPECT_EXIST on a missing one with 403 OTSConditionCheckFail', async () => {
    await put('b1', [{ a: 'x' }], condition('EXPECT_NOT_EXIST'));
    expect(await failure(put('b1', [{ a: 'y' }], condition('EXPECT_NOT_EXIST')))).toEqual({ status: 403, code: 'OTSConditionCheckFail' });
    expect(await failure(put('b2', [{ a: 'y' }], condition('EXPECT_EXIST')))).toEqual({ status: 403, code: 'OTSConditionCheckFail' });
    expect(attrs(await get('b1'))).toEqual({ a: 'x' });
  });

  it('updates with PUT, DELETE of one version, DELETE_ALL and INCREMENT', async () => {
    await createTable(client, 'multi', undefined, { maxVersions: 3 });
    const now = Date.now();
    await client.putRow({ tableName: 'multi', primaryKey: pk('r'), attributeColumns: [{ a: 'v1', timestamp: now - 1000 }], condition: condition('IGNORE') });
    await client.updateRow({
      tableName: 'multi',
      primaryKey: pk('r'),
      condition: condition('IGNORE'),
      updateOfAttributeColumns: [{ PUT: [{ a: 'v2', timestamp: now }, { b: 'keep' }, { c: 'gone' }] }, { INCREMENT: [{ n: int(5) }] }],
    });
    await client.updateRow({
      tableName: 'multi',
      primaryKey: pk('r'),
      condition: condition('EXPECT_EXIST'),
      updateOfAttributeColumns: [{ DELETE: [{ a: TableStore.Long.fromNumber(now) }] }, { DELETE_ALL: ['c'] }, { INCREMENT: [{ n: int(-2) }] }],
    });
    const row = (await client.getRow({ tableName: 'multi', primaryKey: pk('r'), maxVersions: 3 })).row;
    expect(attrs(row)).toEqual({ a: 'v1', b: 'keep', n: 3 });
  });

  it('increments a missing column from zero and returns it with RT_AFTER_MODIFY', async () => {
    const res = await client.updateRow({
      tableName: T,
      primaryKey: pk('counter'),
      condition: condition('IGNORE'),
      updateOfAttributeColumns: [{ INCREMENT: [{ n: int(7) }] }],
      returnContent: { returnType: TableStore.ReturnType.AfterModify, returnColumns: ['n'] },
    });
    expect(attrs(res.row)).toEqual({ n: 7 });
  });

  it('refuses a cell timestamp further than the max time deviation from now', async () => {
    expect(await failure(put('b1', [{ a: 'x', timestamp: 1000 }]))).toEqual({ status: 400, code: 'OTSParameterInvalid' });
  });

  it('refuses to increment a non-INTEGER column with 400 OTSParameterInvalid', async () => {
    await put('b1', [{ n: 1.5 }]);
    const inc = client.updateRow({ tableName: T, primaryKey: pk('b1'), condition: condition('IGNORE'), updateOfAttributeColumns: [{ INCREMENT: [{ n: int(1) }] }] });
    expect(await failure(inc)).toEqual({ status: 400, code: 'OTSParameterInvalid' });
  });

  it('returns the primary key with RT_PK and nothing with RT_NONE', async () => {
    const withPk = await client.putRow({ tableName: T, primaryKey: pk('b1'), attributeColumns: [{ a: 'x' }], condition: condition('IGNORE'), returnContent: { returnType: TableStore.ReturnType.Primarykey } });
    expect(withPk.row.primaryKey).toEqual([{ name: 'id', value: 'b1' }]);
    const none = await put('b2', [{ a: 'x' }]);
    expect(none.row).toEqual({});
  });

  it('deletes a row, failing EXPECT_EXIST when it is already gone', async () => {
    await put('b1', [{ a: 'x' }]);
    await client.deleteRow({ tableName: T, primaryKey: pk('b1'), condition: condition('EXPECT_EXIST') });
    expect(await get('b1')).toEqual({});
    const again = client.deleteRow({ tableName: T, primaryKey: pk('b1'), condition: condition('EXPECT_EXIST') });
    expect(await failure(again)).toEqual({ status: 403, code: 'OTSConditionCheckFail' });
    await client.deleteRow({ tableName: T, primaryKey: pk('b1'), condition: condition('IGNORE') });
  });

  describe('column conditions', () => {
    const versionIs = (v: number, passIfMissing = false) =>
      new TableStore.SingleColumnCondition('version', int(v), TableStore.ComparatorType.EQUAL, passIfMissing);
    const claim = (expected: number) =>
      client.updateRow({
        tableName: T,
        primaryKey: pk('b1'),
        condition: condition('EXPECT_EXIST', versionIs(expected)),
        updateOfAttributeColumns: [{ PUT: [{ version: int(expected + 1) }] }],
      });

    beforeEach(() => put('b1', [{ version: int(1) }, { status: 'PENDING' }]));

    it('writes when the column matches and fails with 403 OTSConditionCheckFail when it does not', async () => {
      await claim(1);
      expect(await failure(claim(1))).toEqual({ status: 403, code: 'OTSConditionCheckFail' });
      expect(attrs(await get('b1')).version).toBe(2);
    });

    it('lets exactly one of two racing updates expecting the same version win', async () => {
      const results = await Promise.allSettled([claim(1), claim(1), claim(1)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(attrs(await get('b1')).version).toBe(2);
    });

    it('treats a missing column as passing only with passIfMissing', async () => {
      const onMissing = (passIfMissing: boolean) =>
        put('b1', [{ x: 'y' }], condition('IGNORE', new TableStore.SingleColumnCondition('absent', 'v', TableStore.ComparatorType.EQUAL, passIfMissing)));
      expect(await failure(onMissing(false))).toEqual({ status: 403, code: 'OTSConditionCheckFail' });
      await onMissing(true);
    });

    it('never matches an INTEGER column against a DOUBLE value', async () => {
      const asDouble = new TableStore.SingleColumnCondition('version', 1, TableStore.ComparatorType.EQUAL, false);
      expect(await failure(put('b1', [{ a: 'x' }], condition('EXPECT_EXIST', asDouble)))).toMatchObject({ code: 'OTSConditionCheckFail' });
    });

    it('combines conditions with AND, OR and NOT', async () => {
      const and = new TableStore.CompositeCondition(TableStore.LogicalOperator.AND);
      and.addSubCondition(versionIs(1));
      and.addSubCondition(new TableStore.SingleColumnCondition('status', 'DONE', TableStore.ComparatorType.NOT_EQUAL, false));
      await put('b1', [{ version: int(1) }, { status: 'PENDING' }], condition('EXPECT_EXIST', and));

      const or = new TableStore.CompositeCondition(TableStore.LogicalOperator.OR);
      or.addSubCondition(versionIs(9));
      or.addSubCondition(new TableStore.SingleColumnCondition('status', 'DONE', TableStore.ComparatorType.EQUAL, false));
      expect(await failure(put('b1', [{ a: 'x' }], condition('EXPECT_EXIST', or)))).toMatchObject({ code: 'OTSConditionCheckFail' });

      const not = new TableStore.CompositeCondition(TableStore.LogicalOperator.NOT);
      not.addSubCondition(versionIs(9));
      await put('b1', [{ version: int(1) }], condition('EXPECT_EXIST', not));
    });

    it('checks every version unless latestVersionOnly', async () => {
      await createTable(client, 'versions', undefined, { maxVersions: 5 });
      const t = Date.now();
      await client.putRow({ tableName: 'versions', primaryKey: pk('r'), attributeColumns: [{ s: 'old', timestamp: t - 10 }, { s: 'new', timestamp: t }], condition: condition('IGNORE') });
      const onOld = (latestOnly: boolean) =>
        client.updateRow({
          tableName: 'versions',
          primaryKey: pk('r'),
          condition: condition('EXPECT_EXIST', new TableStore.SingleColumnCondition('s', 'old', TableStore.ComparatorType.EQUAL, false, latestOnly)),
          updateOfAttributeColumns: [{ PUT: [{ other: 'x' }] }],
        });
      expect(await failure(onOld(true))).toMatchObject({ code: 'OTSConditionCheckFail' });
      await onOld(false);
    });
  });

  describe('reads', () => {
    it('returns only columnsToGet', async () => {
      await put('b1', [{ a: '1' }, { b: '2' }, { c: '3' }]);
      const row = await get('b1', { columnsToGet: ['a', 'c'] });
      expect(attrs(row)).toEqual({ a: '1', c: '3' });
    });

    it('applies a filter: a row that does not pass reads as absent', async () => {
      await put('b1', [{ status: 'DONE' }]);
      const pending = new TableStore.SingleColumnCondition('status', 'PENDING', TableStore.ComparatorType.EQUAL, false);
      expect(await get('b1', { columnFilter: pending })).toEqual({});
      const done = new TableStore.SingleColumnCondition('status', 'DONE', TableStore.ComparatorType.EQUAL, false);
      expect(attrs(await get('b1', { columnFilter: done }))).toEqual({ status: 'DONE' });
    });

    it('keeps at most maxVersions versions and returns as many as asked', async () => {
      await createTable(client, 'mv', undefined, { maxVersions: 2 });
      const t = Date.now();
      for (const [i, v] of ['a', 'b', 'c'].entries()) {
        await client.updateRow({ tableName: 'mv', primaryKey: pk('r'), condition: condition('IGNORE'), updateOfAttributeColumns: [{ PUT: [{ s: v, timestamp: t + i }] }] });
      }
      const all = (await client.getRow({ tableName: 'mv', primaryKey: pk('r'), maxVersions: 10 })).row;
      expect(all.attributes.map((a: { columnValue: string }) => a.columnValue)).toEqual(['c', 'b']);
      const one = (await client.getRow({ tableName: 'mv', primaryKey: pk('r'), maxVersions: 1 })).row;
      expect(one.attributes.map((a: { columnValue: string }) => a.columnValue)).toEqual(['c']);
    });
  });

  it('expires cells after the table TTL as the injected clock advances', async () => {
    await createTable(client, 'ttl', undefined, { timeToLive: 86400 });
    h.clock.freeze();
    try {
      await client.putRow({ tableName: 'ttl', primaryKey: pk('r'), attributeColumns: [{ a: 'x' }], condition: condition('IGNORE') });
      h.emulator.control.advanceClock(86_399_000);
      expect(attrs((await client.getRow({ tableName: 'ttl', primaryKey: pk('r') })).row)).toEqual({ a: 'x' });
      h.emulator.control.advanceClock(1_000);
      expect((await client.getRow({ tableName: 'ttl', primaryKey: pk('r') })).row).toEqual({});
      // An expired row no longer exists for conditions either.
      await client.putRow({ tableName: 'ttl', primaryKey: pk('r'), attributeColumns: [{ a: 'y' }], condition: condition('EXPECT_NOT_EXIST') });
    } finally {
      h.clock.unfreeze();
    }
  });

  it('generates increasing auto-increment keys and returns them with RT_PK', async () => {
    await client.createTable({
      tableMeta: { tableName: 'auto', primaryKey: [{ name: 'shard', type: 'STRING' }, { name: 'seq', type: 'INTEGER', option: 'AUTO_INCREMENT' }] },
      reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
      tableOptions: { timeToLive: -1, maxVersions: 1 },
    });
    const insert = async () =>
      (await client.putRow({ tableName: 'auto', primaryKey: [{ shard: 's' }, { seq: TableStore.PK_AUTO_INCR }], attributeColumns: [{ a: 'x' }], condition: condition('IGNORE'), returnContent: { returnType: TableStore.ReturnType.Primarykey } })).row.primaryKey[1].value.toString();
    const [a, b] = [BigInt(await insert()), BigInt(await insert())];
    expect(b > a).toBe(true);
  });

  it('validates the primary key against the schema with 400 OTSParameterInvalid', async () => {
    expect(await failure(client.getRow({ tableName: T, primaryKey: [{ id: int(1) }] }))).toEqual({ status: 400, code: 'OTSParameterInvalid' });
    expect(await failure(client.getRow({ tableName: T, primaryKey: [{ other: 'x' }] }))).toEqual({ status: 400, code: 'OTSParameterInvalid' });
    expect(await failure(client.getRow({ tableName: T, primaryKey: [{ id: 'x' }, { more: 'y' }] }))).toEqual({ status: 400, code: 'OTSParameterInvalid' });
  });
});
