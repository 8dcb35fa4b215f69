import fc from 'fast-check';
import { appDeps, TOKENS, startStack, type Stack } from '../support/stack';
import { handle } from '../../functions/api/app';
import type { AppDeps } from '../../functions/api/deps';
import type { HttpRequest } from '../../functions/api/http';
import { toHttpRequest } from '../../functions/api/http';
import { parseSweeperEvent } from '../../functions/sweeper/payload';

/**
 * Property: whatever arrives, the api answers a JSON 4xx (or a 2xx for the rare valid request), never a
 * 5xx, never a stack trace, and never creates anything.
 */
let s: Stack;
let deps: AppDeps;
beforeAll(async () => {
  s = await startStack();
  deps = appDeps(s);
});
afterAll(() => s.close());

const paths = fc.oneof(
  fc.constantFrom('/batches', '/batches/', '/batches/b-0123456789abcdef01234567', '/batches/b-0123456789abcdef01234567/cancel', '/batches/b-0123456789abcdef01234567/release', '/batches/b-0123456789abcdef01234567/release-at', '/healthz', '/openapi.json', '/chatops/slack', '/chatops/dingtalk', '/chatops/feishu'),
  fc.constantFrom('/batches/../healthz', '/batches/%2e%2e/x', '//batches', '/batches/b-0123456789abcdef01234567/cancel/extra', '/BATCHES', '/batches\u0000', '/batches/' + 'a'.repeat(5000)),
  fc.webPath(),
  fc.string({ maxLength: 200 }).map((p) => '/' + p),
);
const methods = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'get', 'P\r\nOST');
const contentTypes = fc.constantFrom(undefined, 'application/json', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'APPLICATION/JSON', '\r\nx-injected: 1');
const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const bodies = fc.oneof(
  fc.json({ maxDepth: 6 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.record({ profile: fc.oneof(fc.string(), fc.constant('demo'), fc.integer()), amount: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)), dryRun: fc.anything() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.record({ releaseAt: fc.oneof(fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.integer()), releaseAfter: fc.oneof(fc.string(), fc.constantFrom('PT2H', 'PT10M', 'P99999W')) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.constantFrom(deep(10_000), '{"amount":1e309}', '{"__proto__":{"admin":true},"profile":"demo"}', '\ufeff{"profile":"demo","amount":0}', 'x'.repeat(70_000)),
);
const tokens = fc.constantFrom(undefined, `Bearer ${TOKENS.admin}`, `Bearer ${TOKENS.demoOnly}`, 'Bearer ', 'Basic YWRtaW46YWRtaW4=', `bearer ${TOKENS.admin}`, `Bearer ${TOKENS.admin}\r\nX-Evil: 1`, 'Bearer ' + 'a'.repeat(10_000));

describe('every route under random input', () => {
  it('answers a JSON 4xx, never a 5xx or a stack trace, and creates nothing', async () => {
    await fc.assert(
      fc.asyncProperty(methods, paths, contentTypes, bodies, tokens, fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 50 }), { maxKeys: 4 }), fc.dictionary(fc.constantFrom('wait', 'status', 'limit', 'cursor', 'owner', 'view', 'x'), fc.string({ maxLength: 40 }), { maxKeys: 3 }), async (method, path, type, body, auth, extra, query) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(extra)) headers[k.toLowerCase()] = v;
        if (type !== undefined) headers['content-type'] = type;
        if (auth !== undefined) headers.authorization = auth;
        const req: HttpRequest = { method: method.toUpperCase(), path, query, headers, body: Buffer.from(body, 'utf8'), requestId: 'fuzz' };
        const res = await handle(deps, req);
        expect(res.statusCode).toBeLessThan(500);
        const parsed = JSON.parse(res.body);
        if (res.statusCode >= 400) expect(typeof parsed.error.code).toBe('string');
        expect(res.body).not.toMatch(/\bat .+:\d+:\d+\)?/);
        expect(res.body).not.toContain(TOKENS.admin);
      }),
      { numRuns: 300, seed: 20261122 },
    );
    expect(s.ecsEmu.control.instances()).toHaveLength(0);
    expect(s.tsEmu.control.dumpTable(s.tables.batches)).toHaveLength(0);
  }, 120_000);

  it('turns any FC event into a request or a clean refusal', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.json().map((j) => Buffer.from(j)), fc.record({ rawPath: fc.string(), body: fc.string(), isBase64Encoded: fc.boolean(), headers: fc.dictionary(fc.string(), fc.string()) }, { requiredKeys: [] })), (event) => {
        const r = toHttpRequest(event, 'x');
        if (r) expect(typeof r.path).toBe('string');
      }),
      { numRuns: 500, seed: 1 },
    );
  });

  // FC sends null, not {} or "", for the parts a request does not have: null is empty, never a 400.
  it('reads null headers, queryParameters and body as empty', () => {
    const r = toHttpRequest({ rawPath: '/healthz', headers: null, queryParameters: null, body: null, requestContext: { requestId: 'r-1', http: { method: 'GET' } } }, 'x');
    expect(r).toEqual({ method: 'GET', path: '/healthz', query: {}, headers: {}, body: Buffer.alloc(0), requestId: 'r-1', sourceIp: undefined });
    const text = fc.string({ maxLength: 40 });
    fc.assert(
      fc.property(
        fc.record({
          rawPath: fc.constantFrom('/healthz', '/batches', '/batches/b-0123456789abcdef01234567'),
          headers: fc.option(fc.dictionary(text, text), { nil: null }),
          queryParameters: fc.option(fc.dictionary(text, text), { nil: null }),
          body: fc.option(text, { nil: null }),
          isBase64Encoded: fc.option(fc.constant(false), { nil: null }),
          requestContext: fc.constant({ http: { method: 'GET' } }),
        }),
        (event) => {
          const req = toHttpRequest(event, 'x');
          expect(req).toBeDefined();
          expect(req!.query).toEqual(event.queryParameters ?? {});
          expect(req!.body.toString('utf8')).toBe(event.body ?? '');
        },
      ),
      { numRuns: 300, seed: 3 },
    );
  });

  it('never throws on a timer payload, and names the problem', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), fc.record({ triggerTime: fc.string(), triggerName: fc.string(), payload: fc.oneof(fc.string(), fc.json()) }), fc.json().map((j) => Buffer.from(j))),
        (event) => {
          const parsed = parseSweeperEvent(event);
          if (!parsed.ok) expect(parsed.error.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 1000, seed: 2 },
    );
  });
});
