import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sign, stringToSign } from '../../../local/tablestore/auth';
import { mainProto } from '../../../local/tablestore/sdk';
import { Tablestore } from '../../../functions/cloud/tablestore';
import { condition, createTable, failure, int, startHarness, TableStore, type Client, type Harness } from './helpers';

/**
 * Where the emulator used to differ from Tablestore (General limits, doc-detail/91524: PutRow and
 * UpdateRow carry at most 4 MB of row data, a request body at most 5 MB, 64 tables an instance).
 */
const T = 'limits';
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

const MB = 1024 * 1024;
const big = (mb: number) => 'x'.repeat(Math.floor(mb * MB));

/** A signed raw request, for what the SDK would never send. */
async function raw(path: string, body: Buffer, drop: string[] = []) {
  const headers: Record<string, string> = {
    'x-ots-apiversion': '2015-12-31',
    'x-ots-instancename': 'local',
    'x-ots-date': new Date().toISOString(),
    'x-ots-accesskeyid': 'local',
    'x-ots-contentmd5': createHash('md5').update(body).digest('base64'),
  };
  headers['x-ots-signature'] = sign('local-secret', stringToSign({ path, headers, body }));
  for (const d of drop) delete headers[d];
  const res = await fetch(`${h.emulator.url}${path}`, { method: 'POST', headers, body });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const error = bytes.length ? (mainProto.Error.decode(bytes) as { code: string; message?: string }) : undefined;
  return { status: res.status, code: error?.code, message: error?.message };
}

describe('Tablestore emulator: limits as the service has them', () => {
  it('refuses an INCREMENT that overflows a 64-bit integer with OTSParameterInvalid, and keeps the value', async () => {
    const pk = [{ id: 'n' }];
    await client.putRow({ tableName: T, primaryKey: pk, attributeColumns: [{ n: TableStore.Long.fromString('9223372036854775800') }], condition: condition('IGNORE') });
    const up = client.updateRow({ tableName: T, primaryKey: pk, updateOfAttributeColumns: [{ INCREMENT: [{ n: int(100) }] }], condition: condition('IGNORE') });
    expect(await failure(up)).toEqual({ status: 400, code: 'OTSParameterInvalid' });
    const value = async () => String((await client.getRow({ tableName: T, primaryKey: pk })).row.attributes[0].columnValue);
    expect(await value()).toBe('9223372036854775800');
    await client.updateRow({ tableName: T, primaryKey: pk, updateOfAttributeColumns: [{ INCREMENT: [{ n: int(-100) }] }], condition: condition('IGNORE') });
    expect(await value()).toBe('9223372036854775700');
  });

  it('adds exactly or refuses, never wraps (fuzzed over the 64-bit range)', async () => {
    const MIN = -(2n ** 63n);
    const MAX = 2n ** 63n - 1n;
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: MIN, max: MAX }), fc.bigInt({ min: MIN, max: MAX }), async (a, b) => {
        const pk = [{ id: 'f' }];
        await client.putRow({ tableName: T, primaryKey: pk, attributeColumns: [{ n: TableStore.Long.fromString(String(a)) }], condition: condition('IGNORE') });
        const ok = await client
          .updateRow({ tableName: T, primaryKey: pk, updateOfAttributeColumns: [{ INCREMENT: [{ n: TableStore.Long.fromString(String(b)) }] }], condition: condition('IGNORE') })
          .then(() => true, () => false);
        const now = BigInt(String((await client.getRow({ tableName: T, primaryKey: pk })).row.attributes[0].columnValue));
        expect(ok).toBe(a + b >= MIN && a + b <= MAX);
        expect(now).toBe(ok ? a + b : a);
      }),
      { numRuns: 40, seed: 5, examples: [[MAX, 1n], [MIN, -1n], [MAX, MIN]] },
    );
  });

  it('refuses a PutRow or UpdateRow carrying more than 4 MB of row data', async () => {
    const put = client.putRow({ tableName: T, primaryKey: [{ id: 'a' }], attributeColumns: [{ a: big(1.5) }, { b: big(1.5) }, { c: big(1.5) }], condition: condition('IGNORE') });
    expect(await failure(put)).toEqual({ status: 400, code: 'OTSParameterInvalid' });
    const update = client.updateRow({ tableName: T, primaryKey: [{ id: 'a' }], updateOfAttributeColumns: [{ PUT: [{ a: big(1.5) }, { b: big(1.5) }, { c: big(1.5) }] }], condition: condition('IGNORE') });
    expect(await failure(update)).toEqual({ status: 400, code: 'OTSParameterInvalid' });
    expect(h.emulator.control.dumpTable(T)).toEqual([]);
    await client.putRow({ tableName: T, primaryKey: [{ id: 'a' }], attributeColumns: [{ a: big(1.5) }, { b: big(1.5) }], condition: condition('IGNORE') });
  });

  it('refuses a request body over 5 MB', async () => {
    // A valid ListTableRequest padded with an unknown field (which protobuf decoders skip).
    const pad = (n: number) => {
      const len: number[] = [];
      for (let v = n; ; v >>>= 7) {
        if (v < 0x80) {
          len.push(v);
          break;
        }
        len.push((v & 0x7f) | 0x80);
      }
      return Buffer.concat([Buffer.from([(15 << 3) | 2, ...len]), Buffer.alloc(n)]);
    };
    expect(await raw('/ListTable', pad(4 * MB))).toMatchObject({ status: 200 });
    expect(await raw('/ListTable', pad(5 * MB))).toMatchObject({ status: 400, code: 'OTSParameterInvalid', message: expect.stringMatching(/request body/i) });
  });

  it('fails a whole BatchGetRow that names a missing table', async () => {
    await client.putRow({ tableName: T, primaryKey: [{ id: 'a' }], attributeColumns: [{ a: 'x' }], condition: condition('IGNORE') });
    const get = client.batchGetRow({
      tables: [
        { tableName: T, primaryKey: [[{ id: 'a' }]], maxVersions: 1 },
        { tableName: 'nowhere', primaryKey: [[{ id: 'a' }]], maxVersions: 1 },
      ],
    });
    expect(await failure(get)).toEqual({ status: 404, code: 'OTSObjectNotExist' });
  });

  it('answers a request missing its auth headers with 400 OTSParameterInvalid (a wrong signature stays 403)', async () => {
    const body = Buffer.from(mainProto.ListTableRequest.encode({}).finish());
    expect(await raw('/ListTable', body, ['x-ots-signature'])).toMatchObject({ status: 400, code: 'OTSParameterInvalid' });
    expect(await raw('/ListTable', body, ['x-ots-date'])).toMatchObject({ status: 400, code: 'OTSParameterInvalid' });
    expect(await failure(h.client({ secretAccessKey: 'wrong' }).listTable({}))).toEqual({ status: 403, code: 'OTSAuthFailed' });
  });
});

describe('the store adapter on a full instance', () => {
  it('treats "Number of tables exceeded the quota" as permanent: one CreateTable, no retries', async () => {
    for (let k = 1; k < 64; k++) await createTable(client, `t${k}`);
    const ts = new Tablestore({ accessKeyId: 'local', accessKeySecret: 'local-secret' }, { endpoint: h.emulator.url, instanceName: 'local', retry: { name: 't', attempts: 4, baseMs: 1, maxMs: 2 } });
    h.emulator.control.resetCalls();
    const err = await ts
      .call('createTable', { tableMeta: { tableName: 'one_more', primaryKey: [{ name: 'id', type: 'STRING' }] }, reservedThroughput: { capacityUnit: { read: 0, write: 0 } }, tableOptions: { timeToLive: -1, maxVersions: 1 } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'StoreError', kind: 'invalid', code: 'OTSQuotaExhausted' });
    expect(h.emulator.control.calls()).toEqual({ CreateTable: 1 });
  });
});
