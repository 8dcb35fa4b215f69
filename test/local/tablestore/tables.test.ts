import { createTable, failure, startHarness, type Client, type Harness } from './helpers';

describe('Tablestore emulator: tables', () => {
  let h: Harness;
  let client: Client;
  beforeAll(async () => {
    h = await startHarness();
    client = h.client();
  });
  afterAll(() => h.emulator.close());
  beforeEach(() => h.emulator.control.reset());

  it('creates a table and describes its schema, TTL, max versions and reserved throughput', async () => {
    await client.createTable({
      tableMeta: { tableName: 'batches', primaryKey: [{ name: 'shard', type: 'STRING' }, { name: 'dueAt', type: 'INTEGER' }] },
      reservedThroughput: { capacityUnit: { read: 1, write: 2 } },
      tableOptions: { timeToLive: 86400, maxVersions: 3 },
    });
    const d = await client.describeTable({ tableName: 'batches' });
    expect(d.tableMeta.tableName).toBe('batches');
    expect(d.tableMeta.primaryKey.map((p: { name: string; type: number }) => [p.name, p.type])).toEqual([['shard', 2], ['dueAt', 1]]);
    expect(d.tableOptions.timeToLive).toBe(86400);
    expect(d.tableOptions.maxVersions).toBe(3);
    expect(d.reservedThroughputDetails.capacityUnit).toMatchObject({ read: 1, write: 2 });
    expect(d.tableStatus).toBe(1);
  });

  it('lists tables by name', async () => {
    await createTable(client, 'b');
    await createTable(client, 'a');
    expect((await client.listTable({})).tableNames).toEqual(['a', 'b']);
  });

  it('refuses a duplicate table with 409 OTSObjectAlreadyExist', async () => {
    await createTable(client, 'dup');
    expect(await failure(createTable(client, 'dup'))).toEqual({ status: 409, code: 'OTSObjectAlreadyExist' });
  });

  it('answers 404 OTSObjectNotExist for a missing table', async () => {
    expect(await failure(client.describeTable({ tableName: 'nope' }))).toEqual({ status: 404, code: 'OTSObjectNotExist' });
    expect(await failure(client.deleteTable({ tableName: 'nope' }))).toEqual({ status: 404, code: 'OTSObjectNotExist' });
    expect(await failure(client.getRow({ tableName: 'nope', primaryKey: [{ id: 'x' }] }))).toEqual({ status: 404, code: 'OTSObjectNotExist' });
  });

  it('deletes a table with its rows', async () => {
    await createTable(client, 'gone');
    await client.deleteTable({ tableName: 'gone' });
    expect((await client.listTable({})).tableNames).toEqual([]);
  });

  it('updates TTL and max versions', async () => {
    await createTable(client, 't');
    const u = await client.updateTable({ tableName: 't', tableOptions: { timeToLive: 172800, maxVersions: 2 } });
    expect(u.tableOptions).toMatchObject({ timeToLive: 172800, maxVersions: 2 });
    expect((await client.describeTable({ tableName: 't' })).tableOptions.timeToLive).toBe(172800);
  });

  it('rejects a TTL under one day and a bad table name with 400 OTSParameterInvalid', async () => {
    expect(await failure(createTable(client, 't', undefined, { timeToLive: 60 }))).toEqual({ status: 400, code: 'OTSParameterInvalid' });
    expect(await failure(createTable(client, '1bad'))).toEqual({ status: 400, code: 'OTSParameterInvalid' });
  });
});
