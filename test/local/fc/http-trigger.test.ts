import type { LocalFc } from '../../../local/fc';
import type { FunctionSpec } from '../../../local/fc/config';
import { route } from '../../../local/fc/http-trigger';
import { httpRequest, startFixture } from './helpers';

describe('the HTTP trigger', () => {
  let fc: LocalFc;
  let logs: string[];
  beforeAll(async () => {
    ({ fc, logs } = await startFixture());
  });
  afterAll(() => fc.close());

  const echo = async (path: string, options: Parameters<typeof httpRequest>[1] = {}) => {
    const res = await httpRequest(`${fc.httpUrl}/fixture-echo${path}`, options);
    expect(res.status).toBe(200);
    return res.json() as { event: any; env: Record<string, string | undefined>; context: any };
  };

  it('hands the handler an FC 3.0 event with URL-encoded rawPath and comma-joined repeats', async () => {
    const { event } = await echo('/hello%20world/%E4%BD%A0?a=1&a=2&b=x%20y', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-multi': ['one', 'two'], 'user-agent': 'jest-agent' },
      body: '{"hi":"there"}',
    });
    expect(event).toMatchObject({
      version: 'v1',
      rawPath: '/hello%20world/%E4%BD%A0',
      body: '{"hi":"there"}',
      isBase64Encoded: false,
      queryParameters: { a: '1,2', b: 'x y' },
      requestContext: {
        accountId: '1234567890123456',
        domainName: '127.0.0.1',
        http: { method: 'PUT', path: '/hello world/你', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest-agent' },
      },
    });
    expect(event.headers).toMatchObject({ 'Content-Type': 'application/json', 'X-Multi': 'one,two', 'User-Agent': 'jest-agent' });
    expect(event.requestContext.requestId).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{12}$/);
    expect(event.requestContext.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Number(event.requestContext.timeEpoch) - Date.now())).toBeLessThan(5000);
  });

  it('base64-encodes bodies that are not text, JSON or form', async () => {
    const bytes = Buffer.from([0, 159, 146, 150, 255]);
    const binary = await echo('/', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    expect(binary.event).toMatchObject({ isBase64Encoded: true, body: bytes.toString('base64') });
    const form = await echo('/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=2' });
    expect(form.event).toMatchObject({ isBase64Encoded: false, body: 'a=1&b=2' });
    const untyped = await echo('/', { method: 'POST', body: 'no type' });
    expect(untyped.event).toMatchObject({ isBase64Encoded: true, body: Buffer.from('no type').toString('base64') });
  });

  it('gives the handler its context: request id, credentials, function, region, account', async () => {
    const res = await httpRequest(`${fc.httpUrl}/fixture-echo/`);
    const { context } = res.json();
    expect(context).toEqual({
      requestId: res.headers['x-fc-request-id'],
      credentials: { accessKeyId: 'STS.role', accessKeySecret: 'role-secret', securityToken: 'role-token' },
      function: { name: 'fixture-echo', handler: 'index.handler', memory: 256, timeout: 5 },
      region: 'cn-hangzhou',
      accountId: '1234567890123456',
    });
    expect(logs.some((l) => l.includes(`[fc fixture-echo] ${context.requestId} [INFO] echo /`))).toBe(true);
  });

  it('turns {statusCode, headers, body, isBase64Encoded} into the response', async () => {
    const res = await httpRequest(`${fc.httpUrl}/fixture-echo/binary`);
    expect(res.status).toBe(201);
    expect(res.headers['x-answer']).toBe('42');
    expect([...res.body]).toEqual([0, 1, 2, 255]);
  });

  it('answers 200 with the result as body when the result is not the response shape', async () => {
    const obj = await httpRequest(`${fc.httpUrl}/fixture-echo/plain-object`);
    expect(obj.status).toBe(200);
    expect(obj.headers['content-type']).toBe('application/json');
    expect(obj.json()).toEqual({ hello: 'world' });
    const text = await httpRequest(`${fc.httpUrl}/fixture-echo/plain-string`);
    expect([text.status, text.text]).toEqual([200, 'just text']);
  });

  it('serves the first HTTP function at / and each one under /<functionName>/', async () => {
    const root = await httpRequest(`${fc.httpUrl}/some/path`);
    expect(root.json().event.rawPath).toBe('/some/path');
    const worker = await httpRequest(`${fc.httpUrl}/fixture-worker/where`);
    expect(worker.json()).toMatchObject({ who: 'worker', path: '/where' });
  });

  it('gives each function its own environment', async () => {
    const { env } = await echo('/');
    expect(env).toMatchObject({
      WHO: 'echo', GREETING: 'hello', FROM_ENV: 'from-options-env', WITH_DEFAULT: 'fallback', SAME_REGION: 'cn-hangzhou',
      FC_FUNCTION_NAME: 'fixture-echo',
    });
    // Each side writes to its process.env; the other never sees it.
    await httpRequest(`${fc.httpUrl}/fixture-echo/leak`);
    const worker = await httpRequest(`${fc.httpUrl}/fixture-worker/`);
    expect(worker.json()).toMatchObject({ who: 'worker', leakedByEcho: null });
    expect((await echo('/')).env.LEAKED_BY_WORKER).toBeUndefined();
    expect(process.env.LEAKED_BY_ECHO).toBeUndefined();
  });

  it('answers 502 with a JSON error and no stack trace when the handler throws', async () => {
    const res = await httpRequest(`${fc.httpUrl}/fixture-echo/throw`);
    expect(res.status).toBe(502);
    expect(res.headers['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(res.json()).toEqual({ errorType: 'TypeError', errorMessage: 'echo was told to throw' });
    expect(res.text).not.toMatch(/at |index\.js/);
    // The stack goes to the log instead, and the instance keeps serving.
    expect(logs.some((l) => l.includes('TypeError: echo was told to throw') && l.includes('index.js'))).toBe(true);
    expect((await httpRequest(`${fc.httpUrl}/fixture-echo/`)).status).toBe(200);
  });

  it('refuses methods the trigger does not allow', async () => {
    const res = await httpRequest(`${fc.httpUrl}/fixture-worker/`, { method: 'PUT' });
    expect(res.status).toBe(405);
  });

  it('refuses a body over 32 MB before reading it', async () => {
    const res = await httpRequest(`${fc.httpUrl}/fixture-echo/`, { method: 'POST', headers: { 'content-length': String(32 * 1024 * 1024 + 1) } });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ errorType: 'FcCommonError', errorMessage: expect.stringContaining('33554432') });
  });

  it('refuses a header block over 8 KB', async () => {
    const res = await httpRequest(`${fc.httpUrl}/fixture-echo/`, { headers: { 'x-big': 'x'.repeat(8200) } });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ errorType: 'FcCommonError', errorMessage: expect.stringContaining('8192') });
  });

  it('counts HTTP invocations per function', () => {
    expect(fc.stats['fixture-echo'].invocations.http).toBeGreaterThanOrEqual(10);
    expect(fc.stats['fixture-echo'].failed).toBe(1);
  });
});

describe('routing HTTP requests to functions', () => {
  const fn = (functionName: string) => ({ functionName }) as FunctionSpec;

  it('serves a lone function at / with the path untouched', () => {
    expect(route([fn('api')], '/batches/b-1?wait=5')).toMatchObject({ fn: { functionName: 'api' }, rawPath: '/batches/b-1', query: 'wait=5' });
    expect(route([fn('api')], '/')).toMatchObject({ rawPath: '/' });
  });

  it('serves each function under /<functionName>/ and the first one at / as well', () => {
    const functions = [fn('api'), fn('hook')];
    expect(route(functions, '/hook/slack')).toMatchObject({ fn: { functionName: 'hook' }, rawPath: '/slack' });
    expect(route(functions, '/hook')).toMatchObject({ fn: { functionName: 'hook' }, rawPath: '/' });
    expect(route(functions, '/api/batches')).toMatchObject({ fn: { functionName: 'api' }, rawPath: '/batches' });
    expect(route(functions, '/batches')).toMatchObject({ fn: { functionName: 'api' }, rawPath: '/batches' });
  });
});
