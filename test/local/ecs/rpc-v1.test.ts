import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { $Ecs, IMAGE, REGION, startHarness, type Harness } from './harness';

/**
 * Signature version 1.0 (HMAC-SHA1, every parameter including Action in the query or the form body), as
 * the Python SDK the original guides use signs it: aliyun-python-sdk-core
 * aliyunsdkcore/auth/composer/rpc_signature_composer.py (sorted parameters, each percent-encoded, then
 * `METHOD&%2F&` + the encoded query; key = secret + "&"; base64).
 */
const encode = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

function sign(method: string, params: Record<string, string>, secret: string): string {
  const canonical = Object.keys(params)
    .sort()
    .map((k) => `${encode(k)}=${encode(params[k])}`)
    .join('&');
  return createHmac('sha1', secret + '&').update(`${method}&${encode('/')}&${encode(canonical)}`).digest('base64');
}

function common(action: string, over: Record<string, string> = {}): Record<string, string> {
  return {
    Action: action,
    Version: '2014-05-26',
    Format: 'JSON',
    AccessKeyId: 'local',
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    RegionId: REGION,
    ...over,
  };
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.emulator.close());
afterEach(() => h.emulator.control.reset());

async function get(params: Record<string, string>, secret = 'local-secret') {
  const signed = { ...params, Signature: sign('GET', params, secret) };
  const res = await fetch(`${h.emulator.url}/?${new URLSearchParams(signed)}`);
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function postForm(params: Record<string, string>, secret = 'local-secret') {
  const signed = { ...params, Signature: sign('POST', params, secret) };
  const res = await fetch(`${h.emulator.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(signed).toString() });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const run = (over: Record<string, string> = {}) =>
  common('RunInstances', { ImageId: IMAGE, InstanceType: 'ecs.g7.large', VSwitchId: 'vsw-local-h', SecurityGroupId: 'sg-local', Amount: '2', ...over });

describe('ECS emulator: RPC signature version 1.0 (HMAC-SHA1)', () => {
  it('runs a GET with every parameter, Action included, in the query string', async () => {
    const res = await get(run({ ClientToken: 'guide-1', 'Tag.1.Key': 'team', 'Tag.1.Value': 'a b*c' }));
    expect(res.status).toBe(200);
    expect(res.body.InstanceIdSets.InstanceIdSet).toHaveLength(2);
    // The signature parameters are not part of the request: a retry with a new nonce and time is the same call.
    const again = await get(run({ ClientToken: 'guide-1', 'Tag.1.Key': 'team', 'Tag.1.Value': 'a b*c' }));
    expect(again.body.InstanceIdSets).toEqual(res.body.InstanceIdSets);
    expect(h.emulator.control.instances()).toHaveLength(2);
  });

  it('runs a POST with the parameters in a form body', async () => {
    const ids: string[] = (await postForm(run({ Amount: '1' }))).body.InstanceIdSets.InstanceIdSet;
    const res = await postForm(common('DescribeInstances', { InstanceIds: JSON.stringify(ids) }));
    expect(res.status).toBe(200);
    expect(res.body.Instances.Instance.map((i: { InstanceId: string }) => i.InstanceId)).toEqual(ids);
  });

  it('answers the real codes for a wrong secret, an unknown key, an old timestamp and a reused nonce', async () => {
    expect(await get(run(), 'wrong-secret')).toMatchObject({ status: 400, body: { Code: 'SignatureDoesNotMatch' } });
    expect(await get(run({ AccessKeyId: 'nobody' }))).toMatchObject({ status: 404, body: { Code: 'InvalidAccessKeyId.NotFound' } });
    expect(await get(run({ Timestamp: '2020-01-01T00:00:00Z' }))).toMatchObject({ status: 400, body: { Code: 'InvalidTimeStamp.Expired' } });
    expect(await get(run({ Timestamp: 'yesterday' }))).toMatchObject({ status: 400, body: { Code: 'InvalidTimeStamp.Format' } });
    const once = run({ SignatureNonce: 'nonce-1' });
    expect((await get(once)).status).toBe(200);
    expect(await get(once)).toMatchObject({ status: 400, body: { Code: 'SignatureNonceUsed' } });
    expect(await get(run({ SignatureMethod: 'HMAC-MD5' }))).toMatchObject({ status: 400, body: { Code: 'IncompleteSignature' } });
    // Tampering after signing: the parameters signed are not the ones sent.
    const params = run();
    const signed = { ...params, Signature: sign('GET', params, 'local-secret'), Amount: '99' };
    const res = await fetch(`${h.emulator.url}/?${new URLSearchParams(signed)}`);
    expect(res.status).toBe(400);
    expect(h.emulator.control.instances().length).toBe(2); // only the nonce-1 call created anything
  });

  it('refuses any parameter changed, added or dropped after signing, and creates nothing (fuzzed)', async () => {
    const text = fc.string({ minLength: 1, maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.record({ set: fc.constantFrom('Amount', 'ImageId', 'Action', 'RegionId', 'Timestamp', 'Extra'), to: text }), fc.record({ drop: fc.constantFrom('Amount', 'Version', 'SignatureNonce', 'AccessKeyId') })), async (change) => {
        const params = run();
        const signed: Record<string, string> = { ...params, Signature: sign('GET', params, 'local-secret') };
        if ('set' in change) {
          if (signed[change.set] === change.to) return;
          signed[change.set] = change.to;
        } else delete signed[change.drop];
        const res = await fetch(`${h.emulator.url}/?${new URLSearchParams(signed)}`);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 60, seed: 4 },
    );
    expect(h.emulator.control.instances()).toHaveLength(0);
  });

  it('is what the Node SDK sends with signatureAlgorithm v2 (its RPC v1 signer)', async () => {
    const v1 = h.clientWith({ signatureAlgorithm: 'v2' });
    const res = await v1.runInstances(new $Ecs.RunInstancesRequest({ regionId: REGION, imageId: IMAGE, instanceType: 'ecs.g7.large', vSwitchId: 'vsw-local-h', securityGroupId: 'sg-local', amount: 1 }));
    expect(res.body?.instanceIdSets?.instanceIdSet).toHaveLength(1);
  });
});
