import { createHash } from 'node:crypto';
import { sign, stringToSign } from '../../../local/tablestore/auth';
import { mainProto } from '../../../local/tablestore/sdk';
import { condition, createTable, failure, startHarness, type Client, type Harness } from './helpers';

const T = 'batches';

describe('Tablestore emulator: authentication', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ credentials: [{ accessKeyId: 'STS.role', accessKeySecret: 'sts-secret', securityToken: 'token-1' }] });
  });
  afterAll(() => h.emulator.close());

  it('rejects a request signed with a wrong secret with 403 OTSAuthFailed', async () => {
    const wrong = h.client({ secretAccessKey: 'not-the-secret' });
    expect(await failure(wrong.listTable({}))).toEqual({ status: 403, code: 'OTSAuthFailed' });
  });

  it('rejects an unknown AccessKey id and a wrong instance name', async () => {
    expect(await failure(h.client({ accessKeyId: 'who' }).listTable({}))).toEqual({ status: 403, code: 'OTSAuthFailed' });
    expect(await failure(h.client({ instancename: 'other' }).listTable({}))).toEqual({ status: 403, code: 'OTSAuthFailed' });
  });

  it('accepts STS credentials only with their security token', async () => {
    await h.client({ accessKeyId: 'STS.role', secretAccessKey: 'sts-secret', securityToken: 'token-1' }).listTable({});
    const noToken = h.client({ accessKeyId: 'STS.role', secretAccessKey: 'sts-secret' });
    expect(await failure(noToken.listTable({}))).toEqual({ status: 403, code: 'OTSAuthFailed' });
  });

  it('rejects a body that does not match x-ots-contentmd5', async () => {
    const body = Buffer.from(mainProto.ListTableRequest.encode({}).finish());
    const headers: Record<string, string> = {
      'x-ots-apiversion': '2015-12-31',
      'x-ots-instancename': 'local',
      'x-ots-date': new Date().toISOString(),
      'x-ots-accesskeyid': 'local',
      'x-ots-contentmd5': createHash('md5').update('something else').digest('base64'),
    };
    headers['x-ots-signature'] = sign('local-secret', stringToSign({ path: '/ListTable', headers, body }));
    const res = await fetch(`${h.emulator.url}/ListTable`, { method: 'POST', headers, body });
    expect(res.status).toBe(403);
    expect(mainProto.Error.decode(new Uint8Array(await res.arrayBuffer()))).toMatchObject({ code: 'OTSAuthFailed' });
  });
});

describe('Tablestore emulator: faults and control', () => {
  let h: Harness;
  let client: Client;
  beforeAll(async () => {
    h = await startHarness({ seed: 7 });
    client = h.client({ httpOptions: { timeout: 500 } });
  });
  afterAll(() => h.emulator.close());
  beforeEach(async () => {
    h.emulator.control.reset();
    await createTable(client, T);
  });

  const put = (id: string) => client.putRow({ tableName: T, primaryKey: [{ id }], attributeColumns: [{ a: 'x' }], condition: condition('IGNORE') });
  const ids = () => h.emulator.control.dumpTable(T)!.map((r) => r.primaryKey.id);

  it('answers the next N calls of an operation with 503 OTSServerBusy, applying nothing', async () => {
    h.emulator.control.addFault({ kind: 'serverBusy', operation: 'PutRow', times: 2 });
    expect(await failure(put('a'))).toEqual({ status: 503, code: 'OTSServerBusy' });
    expect(await failure(put('a'))).toEqual({ status: 503, code: 'OTSServerBusy' });
    expect(ids()).toEqual([]);
    await put('a');
    expect(ids()).toEqual(['a']);
  });

  it('scopes a fault to one table', async () => {
    await createTable(client, 'other');
    h.emulator.control.addFault({ kind: 'rowConflict', operation: 'PutRow', table: 'other' });
    await put('a');
    const other = client.putRow({ tableName: 'other', primaryKey: [{ id: 'a' }], attributeColumns: [], condition: condition('IGNORE') });
    expect(await failure(other)).toEqual({ status: 409, code: 'OTSRowOperationConflict' });
  });

  it('adds latency and then answers normally', async () => {
    h.emulator.control.addFault({ kind: 'latency', operation: 'PutRow', latencyMs: 150 });
    const started = Date.now();
    await put('a');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('holds the socket without applying anything when the answer never comes', async () => {
    h.emulator.control.addFault({ kind: 'noAnswer', operation: 'PutRow' });
    const err = await put('a').catch((e: { code?: string }) => e);
    // The SDK's own timeout fires and aborts the socket (it reports a networking error).
    expect(['TimeoutError', 'NetworkingError']).toContain((err as { code?: string }).code);
    expect(ids()).toEqual([]);
  });

  it('applies the write but loses the answer', async () => {
    h.emulator.control.addFault({ kind: 'lostAnswer', operation: 'PutRow' });
    const err = await put('a').catch((e: { code?: string }) => e);
    expect(err).toMatchObject({ code: 'NetworkingError' });
    expect(ids()).toEqual(['a']);
  });

  it('lets the first matching calls through with skip', async () => {
    h.emulator.control.addFault({ kind: 'serverBusy', operation: 'PutRow', skip: 1 });
    await put('a');
    expect(await failure(put('b'))).toEqual({ status: 503, code: 'OTSServerBusy' });
    await put('c');
    expect(ids()).toEqual(['a', 'c']);
  });

  it('fails single rows of a BatchGetRow inside an HTTP 200 (rowError)', async () => {
    await put('a');
    await put('b');
    await put('c');
    h.emulator.control.addFault({ kind: 'rowError', operation: 'BatchGetRow', table: T, skip: 1, times: 1 });
    const res = await client.batchGetRow({ tables: [{ tableName: T, primaryKey: [[{ id: 'a' }], [{ id: 'b' }], [{ id: 'c' }]], maxVersions: 1 }] });
    const rows = res.tables[0] as Array<{ isOk: boolean; errorCode: string | null }>;
    expect(rows.map((r) => [r.isOk, r.errorCode])).toEqual([
      [true, null],
      [false, 'OTSServerBusy'],
      [true, null],
    ]);
    // A rowError never fails a whole call, nor any other operation.
    h.emulator.control.addFault({ kind: 'rowError', operation: '*', probability: 1 });
    await put('d');
    expect((await client.getRow({ tableName: T, primaryKey: [{ id: 'd' }] })).row.primaryKey).toBeDefined();
  });

  it('draws probabilistic faults from the seed, the same way every run', async () => {
    const pattern = async (): Promise<string> => {
      const other = await startHarness({ seed: 42 });
      try {
        const c = other.client();
        await createTable(c, T);
        other.emulator.control.addFault({ kind: 'serverBusy', operation: 'GetRow', probability: 0.5 });
        let out = '';
        for (let i = 0; i < 12; i++) out += await c.getRow({ tableName: T, primaryKey: [{ id: 'x' }] }).then(() => '.', () => 'F');
        return out;
      } finally {
        await other.emulator.close();
      }
    };
    const first = await pattern();
    expect(first).toMatch(/F/);
    expect(first).toMatch(/\./);
    expect(await pattern()).toBe(first);
  });

  it('counts calls per operation', async () => {
    h.emulator.control.resetCalls();
    await put('a');
    await put('b');
    await client.getRow({ tableName: T, primaryKey: [{ id: 'a' }] });
    expect(h.emulator.control.calls()).toEqual({ GetRow: 1, PutRow: 2 });
  });

  it('offers the same powers as JSON over /__control', async () => {
    const url = h.emulator.url;
    const post = (path: string, body: unknown) => fetch(url + path, { method: 'POST', body: JSON.stringify(body) });
    const json = async (res: Promise<Response>) => (await (await res).json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect((await post('/__control/faults', { kind: 'serverBusy', operation: 'PutRow' })).status).toBe(201);
    expect(await failure(put('a'))).toMatchObject({ code: 'OTSServerBusy' });
    await put('b');
    const dump = await json(fetch(`${url}/__control/tables/${T}`));
    expect(dump).toEqual({ table: T, rows: [{ primaryKey: { id: 'b' }, columns: { a: 'x' }, cells: { a: [expect.objectContaining({ type: 'STRING', value: 'x' })] } }] });
    const before = (await json(fetch(`${url}/__control/clock`))).now;
    const after = (await json(post('/__control/clock/advance', { ms: 60_000 }))).now;
    expect(after - before).toBeGreaterThanOrEqual(60_000);
    expect((await json(fetch(`${url}/__control/calls`))).calls).toMatchObject({ PutRow: 2 });
    expect((await post('/__control/faults', { kind: 'bogus', operation: 'PutRow' })).status).toBe(400);
    await post('/__control/reset', {});
    expect(await json(fetch(`${url}/__control/tables/${T}`))).toMatchObject({ error: expect.any(String) });
  });
});
