import Ecs, * as $Full from '@alicloud/ecs20140526';
import FC, * as $FullFc from '@alicloud/fc20230330';
import * as $dara from '@darabonba/typescript';
import { Readable } from 'node:stream';
import { Config } from '@alicloud/openapi-core/dist/utils';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { classifyEcsError } from '../../functions/cloud/ecs-errors';
import * as $Slim from '../../functions/cloud/ecs-client';
import * as $SlimFc from '../../functions/cloud/fc-client';

/** A server that records what each client sends and answers what the test says. */
let server: Server;
let seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
let answer: { status: number; headers?: Record<string, string>; body: unknown } = { status: 200, body: {} };
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  seen = [];
  answer = { status: 200, body: {} };
});

const config = () => new Config({ accessKeyId: 'local', accessKeySecret: 'local-secret', endpoint, protocol: 'HTTP', regionId: 'cn-hangzhou', readTimeout: 2000 });
const full = () => new Ecs(config());
const slim = () => new $Slim.EcsRpcClient(config());

/** Everything but what changes per call (date, nonce, signature, request id). */
function comparable(r: (typeof seen)[number]) {
  const { 'x-acs-date': _d, 'x-acs-signature-nonce': _n, authorization, ...headers } = r.headers;
  return { method: r.method, url: r.url, body: r.body, headers, signedHeaders: /SignedHeaders=([^,]+)/.exec(String(authorization))?.[1] };
}

async function both(f: (c: any) => Promise<any>, clients: [() => unknown, () => unknown] = [full, slim]): Promise<[any, any]> {
  const a = await f(clients[0]());
  const b = await f(clients[1]());
  expect(seen).toHaveLength(2);
  expect(comparable(seen[1])).toEqual(comparable(seen[0]));
  return [a, b];
}

describe('the slim ECS client', () => {
  it('sends RunInstances exactly as the full SDK client does, nested system disk and tags included', async () => {
    answer.body = { RequestId: 'r-1', InstanceIdSets: { InstanceIdSet: ['i-a', 'i-b'] } };
    const req = (M: typeof $Full | typeof $Slim) =>
      new M.RunInstancesRequest({
        regionId: 'cn-hangzhou',
        zoneId: 'cn-hangzhou-h',
        vSwitchId: 'vsw-1',
        instanceType: 'ecs.g7.large',
        imageId: 'img',
        securityGroupId: 'sg-1',
        amount: 2,
        clientToken: 'tok-1',
        dryRun: false,
        instanceName: 'web-[1,3]',
        systemDisk: new M.RunInstancesRequestSystemDisk({ category: 'cloud_essd', size: '40' }),
        internetMaxBandwidthOut: 5,
        internetChargeType: 'PayByTraffic',
        instanceChargeType: 'PostPaid',
        spotStrategy: 'NoSpot',
        autoReleaseTime: '2030-01-01T00:00:00Z',
        tag: [new M.RunInstancesRequestTag({ key: 'ecs-batch:batch', value: 'b-1' }), new M.RunInstancesRequestTag({ key: 'app', value: 'web' })],
      });
    let n = 0;
    const [a, b] = await both((c) => c.runInstances(req(n++ === 0 ? $Full : $Slim)));
    expect(seen[0].url).toContain('SystemDisk.Category=cloud_essd');
    expect(seen[0].url).toContain('Tag.2.Key=app');
    expect(b.body).toEqual(a.body);
    expect(b.body!.instanceIdSets!.instanceIdSet).toEqual(['i-a', 'i-b']);
  });

  it('sends DescribeInstances, StartInstances and DeleteInstances as the full client does', async () => {
    answer.body = { RequestId: 'r-2', Instances: { Instance: [{ InstanceId: 'i-a', Status: 'Running', VpcAttributes: { PrivateIpAddress: { IpAddress: ['172.16.0.5'] } } }] } };
    const [d1, d2] = await both((c) => c.describeInstances(new $Full.DescribeInstancesRequest({ regionId: 'cn-hangzhou', instanceIds: '["i-a","i-b"]', pageSize: 100 })));
    expect(d2.body).toEqual(d1.body);
    seen = [];
    answer.body = { RequestId: 'r-3', InstanceResponses: { InstanceResponse: [{ InstanceId: 'i-a', Code: '200' }] } };
    const [s1, s2] = await both((c) => c.startInstances(new $Full.StartInstancesRequest({ regionId: 'cn-hangzhou', instanceId: ['i-a', 'i-b'], batchOptimization: 'SuccessFirst' })));
    expect(s2.body).toEqual(s1.body);
    seen = [];
    answer.body = { RequestId: 'r-4' };
    await both((c) => c.deleteInstances(new $Full.DeleteInstancesRequest({ regionId: 'cn-hangzhou', instanceId: ['i-a'], force: true })));
  });

  it('sends ModifyInstanceAutoReleaseTime as the full client does, with and without a time', async () => {
    answer.body = { RequestId: 'r-5' };
    await both((c) => c.modifyInstanceAutoReleaseTime(new $Full.ModifyInstanceAutoReleaseTimeRequest({ regionId: 'cn-hangzhou', instanceId: 'i-a', autoReleaseTime: '2030-01-01T18:00:00Z' })));
    expect(seen[0].headers['x-acs-action']).toBe('ModifyInstanceAutoReleaseTime');
    expect(seen[0].url).toContain('AutoReleaseTime=2030-01-01T18%3A00%3A00Z');
    seen = [];
    await both((c) => c.modifyInstanceAutoReleaseTime(new $Full.ModifyInstanceAutoReleaseTimeRequest({ regionId: 'cn-hangzhou', instanceId: 'i-a' })));
    expect(seen[0].url).not.toContain('AutoReleaseTime');
  });

  it('throws what the full client throws, so classifyEcsError reads the same kind, code and retryAfter', async () => {
    const errors = async (status: number, code: string, headers: Record<string, string> = {}) => {
      answer = { status, headers, body: { RequestId: 'r-e', Code: code, Message: `${code} happened` } };
      const req = () => new $Full.DescribeInstancesRequest({ regionId: 'cn-hangzhou' });
      const a = await full().describeInstances(req()).catch((e: unknown) => e);
      const b = await slim().describeInstances(req()).catch((e: unknown) => e);
      const [ca, cb] = [classifyEcsError(a), classifyEcsError(b)];
      expect((b as Error).name).toBe((a as Error).name);
      expect({ kind: cb.kind, code: cb.code, message: cb.message, retryAfterMs: cb.retryAfterMs }).toEqual({ kind: ca.kind, code: ca.code, message: ca.message, retryAfterMs: ca.retryAfterMs });
      return cb;
    };
    expect(await errors(400, 'Throttling.User', { 'x-acs-retry-after': '1500' })).toMatchObject({ kind: 'throttled', retryAfterMs: 1500 });
    expect(await errors(403, 'OperationDenied.NoStock')).toMatchObject({ kind: 'capacity' });
    expect(await errors(503, 'ServiceUnavailable')).toMatchObject({ kind: 'unavailable' });
  });
});

describe('the slim FC invoke client', () => {
  it('sends an async InvokeFunction exactly as the full FC client does', async () => {
    answer = { status: 202, headers: { 'x-fc-request-id': 'fc-1' }, body: {} };
    const invoke = (c: any) =>
      c.invokeFunctionWithOptions(
        'ecs-batch-sweeper',
        new $FullFc.InvokeFunctionRequest({ body: Readable.from([Buffer.from('{"action":"watch","batchId":"b-1"}')]) }),
        new $FullFc.InvokeFunctionHeaders({ xFcInvocationType: 'Async', xFcAsyncTaskId: 'watch-b-1' }),
        new $dara.RuntimeOptions({}),
      );
    const [a, b] = await both(invoke, [() => new FC(config()), () => new $SlimFc.FcInvokeClient(config())]);
    expect(seen[0].url).toBe('/2023-03-30/functions/ecs-batch-sweeper/invocations');
    expect(seen[0].headers['x-fc-invocation-type']).toBe('Async');
    expect(b.statusCode).toBe(a.statusCode);
    expect(b.headers['x-fc-request-id']).toBe('fc-1');
  });
});
