import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalFc } from '../../../local/fc';
import { Config } from '@alicloud/openapi-core/dist/utils';
import { FCClient, fcClient, httpRequest, invokeWithSdk, readStream, startFixture } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'local-fc-'));
let records = 0;
/** A fresh file the worker fixture appends one line to per run. */
const recordFile = () => {
  const file = join(dir, `record-${++records}.txt`);
  writeFileSync(file, '');
  return file;
};
const runs = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('the InvokeFunction API with the real @alicloud/fc20230330 client', () => {
  let fc: LocalFc;
  beforeAll(async () => {
    ({ fc } = await startFixture());
  });
  afterAll(() => fc.close());

  const invoke = (body: object, headers: Parameters<typeof invokeWithSdk>[3] = {}, secret?: string) =>
    invokeWithSdk(fcClient(fc.apiEndpoint, secret), 'fixture-worker', JSON.stringify(body), headers);

  it('runs a Sync invocation and returns the handler result as the body', async () => {
    const res = await invoke({ action: 'echo', n: 1 });
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(await readStream(res.body));
    expect(body).toEqual({ echo: { action: 'echo', n: 1 }, requestId: res.headers!['x-fc-request-id'] });
    expect(fc.stats['fixture-worker'].invocations.sync).toBe(1);
  });

  it('answers an Async invocation with 202 at once and runs it in the background', async () => {
    const file = recordFile();
    const res = await invoke({ action: 'sleep', ms: 300, recordTo: file }, { xFcInvocationType: 'Async' });
    expect(res.statusCode).toBe(202);
    expect(res.headers!['x-fc-request-id']).toMatch(/^1-/);
    expect(fc.stats['fixture-worker'].running).toBe(1);
    await fc.idle();
    expect(runs(file)).toEqual([res.headers!['x-fc-request-id']]);
    expect(fc.stats['fixture-worker'].invocations.async).toBe(1);
  });

  it('runs an async task id once when the function has async-task mode on: a repeat is refused with 409', async () => {
    const file = recordFile();
    const headers = { xFcInvocationType: 'Async' as const, xFcAsyncTaskId: 'watch-batch-42' };
    const first = await invoke({ action: 'echo', recordTo: file }, headers);
    expect(first.statusCode).toBe(202);
    await expect(invoke({ action: 'echo', recordTo: file }, headers)).rejects.toMatchObject({
      statusCode: 409, code: 'AsyncTaskAlreadyExists',
    });
    await fc.idle();
    expect(runs(file)).toHaveLength(1);
    expect(fc.stats['fixture-worker'].deduplicated).toBe(1);
  });

  // FC de-duplicates by x-fc-async-task-id only for a function with async tasks enabled
  // (asyncInvokeConfig.asyncTask); any other function runs each invocation.
  it('runs every repeat of a task id when the function has no async-task mode', async () => {
    const headers = { xFcInvocationType: 'Async' as const, xFcAsyncTaskId: 'watch-batch-43' };
    const echo = (n: number) => invokeWithSdk(fcClient(fc.apiEndpoint), 'fixture-echo', JSON.stringify({ n }), headers);
    const before = fc.stats['fixture-echo'].invocations.async;
    expect((await echo(1)).statusCode).toBe(202);
    expect((await echo(2)).statusCode).toBe(202);
    await fc.idle();
    expect(fc.stats['fixture-echo'].invocations.async - before).toBe(2);
    expect(fc.stats['fixture-echo'].deduplicated).toBe(0);
  });

  it('retries a failing async invocation up to maxAsyncRetryAttempts with the same request id', async () => {
    const file = recordFile();
    const res = await invoke({ action: 'fail-until', attempts: 3, recordTo: file }, { xFcInvocationType: 'Async' });
    await fc.idle();
    // Two failures, then success on the second retry (the fixture allows two).
    expect(runs(file)).toEqual(Array(3).fill(res.headers!['x-fc-request-id']));
    const always = recordFile();
    await invoke({ action: 'throw', recordTo: always }, { xFcInvocationType: 'Async' });
    await fc.idle();
    expect(runs(always)).toHaveLength(3);
  });

  it('reports a function error on Sync with X-Fc-Error-Type and the error as body', async () => {
    const res = await invoke({ action: 'throw' });
    expect(res.statusCode).toBe(200);
    expect(res.headers!['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(JSON.parse(await readStream(res.body))).toEqual({ errorType: 'Error', errorMessage: 'worker failed on purpose' });
  });

  it('fails an invocation that outlives the function timeout, and the next one runs on a fresh instance', async () => {
    const started = Date.now();
    const res = await invoke({ action: 'sleep', ms: 3000 });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(res.headers!['x-fc-error-type']).toBe('FunctionTimeoutError');
    expect(JSON.parse(await readStream(res.body))).toMatchObject({ errorType: 'FunctionTimeoutError' });
    const after = await fc.invoke('fixture-worker', { action: 'count' });
    expect(after).toMatchObject({ ok: true, value: { invocationsOnThisInstance: 1 } });
    expect(fc.stats['fixture-worker'].timeouts).toBe(1);
  });

  it('keeps instances warm between invocations', async () => {
    const a = await fc.invoke('fixture-worker', { action: 'count' });
    const b = await fc.invoke('fixture-worker', { action: 'count' });
    expect([a, b].map((r) => (r.ok ? (r.value as any).invocationsOnThisInstance : 0))).toEqual([2, 3]);
  });

  it('survives a handler that kills its instance', async () => {
    const crashed = await fc.invoke('fixture-worker', { action: 'crash' });
    expect(crashed).toMatchObject({ ok: false, error: { errorType: 'ProcessExitedUnexpectedly' } });
    expect(await fc.invoke('fixture-worker', { action: 'text' })).toMatchObject({ ok: true, value: 'plain text result' });
  });

  it('rejects a request signed with the wrong secret', async () => {
    await expect(invoke({ action: 'echo' }, {}, 'not-the-secret')).rejects.toMatchObject({
      statusCode: 400, code: 'SignatureDoesNotMatch',
    });
  });

  it('answers 404 FunctionNotFound in FC JSON for an unknown function', async () => {
    const call = invokeWithSdk(fcClient(fc.apiEndpoint), 'no-such-function', '{}');
    await expect(call).rejects.toMatchObject({ statusCode: 404, code: 'FunctionNotFound' });
  });

  it('answers other paths with a JSON 404 carrying Code, Message and RequestId', async () => {
    const res = await httpRequest(`http://${fc.apiEndpoint}/2023-03-30/functions`);
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ Code: 'NotFound', Message: expect.any(String), RequestId: expect.stringMatching(/^1-/) });
  });
});

describe('credentials of the function role', () => {
  it('are accepted by the API with their security token, so functions can invoke themselves', async () => {
    const { fc } = await startFixture();
    try {
      const sts = (token: string) => new FCClient(new Config({
        accessKeyId: 'STS.role', accessKeySecret: 'role-secret', securityToken: token,
        endpoint: fc.apiEndpoint, protocol: 'HTTP', regionId: 'cn-hangzhou',
      }));
      const ok = await invokeWithSdk(sts('role-token'), 'fixture-worker', '{"action":"text"}');
      expect(await readStream(ok.body)).toBe('plain text result');
      await expect(invokeWithSdk(sts('stale-token'), 'fixture-worker', '{}')).rejects.toMatchObject({
        statusCode: 400, code: 'InvalidSecurityToken.Mismatch',
      });
    } finally {
      await fc.close();
    }
  });
});
