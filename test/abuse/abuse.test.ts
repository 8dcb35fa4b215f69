import { timingSafeEqual } from 'node:crypto';
import { authenticate, hashToken, type TokenScope } from '../../functions/api/auth';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonLog } from '../../functions/cloud/log';
import { httpPoster } from '../../functions/cloud/webhook';
import { sweep } from '../../functions/sweeper/sweep';
import { appDeps, call, CREDS, startStack, TOKENS, type Stack } from '../support/stack';
import { profiles } from '../support/profiles';

let s: Stack;
beforeAll(async () => {
  s = await startStack({ bootSeconds: 1 });
});
afterAll(() => s.close());
beforeEach(() => s.reset());

describe('token brute force', () => {
  const many: TokenScope[] = Array.from({ length: 64 }, (_, i) => ({
    name: `t${i}`,
    sha256: hashToken(`token-number-${i}-abcdefgh`),
    profiles: '*' as const,
    maxPerRequest: 1,
    dailyLimit: 1,
    rawSpec: false,
    admin: false,
  }));

  /** Runs authenticate with a comparator that records every comparison it is asked to make. */
  function comparisons(header: string | undefined) {
    const seen: Array<[number, number]> = [];
    const result = authenticate(many, header, (a, b) => {
      seen.push([a.length, b.length]);
      return timingSafeEqual(a, b);
    });
    return { result, seen };
  }

  // Timing is proved by structure, not by a stopwatch (a wall-clock ratio flaked on loaded CI machines):
  // every configured hash is compared on every well-formed call, through timingSafeEqual, on equal-length
  // digests, whether the token is unknown, the first or the last one configured.
  it('compares every configured hash, at equal length, for unknown, first and last tokens alike', () => {
    const unknown = comparisons('Bearer guess-token-zzzzzzzz');
    const first = comparisons('Bearer token-number-0-abcdefgh');
    const last = comparisons('Bearer token-number-63-abcdefgh');
    for (const run of [unknown, first, last]) {
      expect(run.seen).toHaveLength(many.length);
      expect(run.seen.every(([a, b]) => a === 32 && b === 32)).toBe(true);
    }
    expect(unknown.result).toBeUndefined();
    expect(first.result?.name).toBe('t0');
    expect(last.result?.name).toBe('t63');
    expect(authenticate(many, 'Bearer token-number-63-abcdefgX')).toBeUndefined();
  });

  it('uses timingSafeEqual by default and compares nothing for a malformed header', () => {
    expect(authenticate(many, 'Bearer token-number-7-abcdefgh')?.name).toBe('t7');
    expect(comparisons('Basic abc').seen).toHaveLength(0);
    expect(comparisons(undefined).seen).toHaveLength(0);
  });
});

describe('scope escalation', () => {
  it('never lets one token see, cancel or list another token\u2019s batch', async () => {
    const deps = appDeps(s);
    const mine = await call(deps, 'POST', '/batches', { token: TOKENS.admin, body: { profile: 'demo', amount: 1 } });
    const id = mine.json.id;
    expect((await call(deps, 'GET', `/batches/${id}`, { token: TOKENS.demoOnly })).statusCode).toBe(404);
    expect((await call(deps, 'POST', `/batches/${id}/cancel`, { token: TOKENS.demoOnly, body: { release: true } })).statusCode).toBe(404);
    expect((await call(deps, 'POST', `/batches/${id}/release`, { token: TOKENS.demoOnly })).statusCode).toBe(404);
    expect((await call(deps, 'POST', `/batches/${id}/release-at`, { token: TOKENS.demoOnly, body: { releaseAfter: 'PT2H' } })).statusCode).toBe(404);
    expect((await call(deps, 'GET', '/batches', { token: TOKENS.demoOnly })).json.batches).toEqual([]);
    expect((await call(deps, 'GET', '/batches', { token: TOKENS.demoOnly, query: { owner: 'admin' } })).statusCode).toBe(403);
    expect((await s.store.getBatch(id))?.status).toBe('PENDING');
    expect(s.ecsEmu.control.instances().every((i) => i.fate === 'live')).toBe(true);
    expect(s.ecsEmu.control.calls().ModifyInstanceAutoReleaseTime).toBeUndefined();
  });

  it('refuses prototype pollution and smuggled scope fields as unknown fields', async () => {
    const deps = appDeps(s);
    for (const raw of ['{"profile":"demo","amount":1,"__proto__":{"rawSpec":true}}', '{"profile":"demo","amount":1,"owner":"admin"}', '{"profile":"demo","amount":1,"constructor":{"prototype":{"x":1}}}']) {
      const res = await call(deps, 'POST', '/batches', { token: TOKENS.demoOnly, raw, headers: { 'content-type': 'application/json' } });
      expect(res.statusCode).toBe(400);
    }
    expect(s.ecsEmu.control.instances()).toHaveLength(0);
  });

  it('lets concurrent requests spend the daily allowance only once', async () => {
    const deps = appDeps(s);
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => call(deps, 'POST', '/batches', { token: TOKENS.small, body: { profile: 'demo', amount: 5 }, headers: { 'idempotency-key': `d${i}` } })));
    const accepted = answers.filter((a) => a.statusCode === 202).length;
    // 12 a day, 5 each: never more than two; racing requests that overshoot together may all step back.
    expect(accepted).toBeGreaterThanOrEqual(1);
    expect(accepted).toBeLessThanOrEqual(2);
    expect(answers.filter((a) => a.statusCode !== 202).map((a) => a.json.error.code)).toEqual(Array(6 - accepted).fill('daily_limit_exceeded'));
    // Refusals gave their share back: what is left can still be spent, and no more.
    for (let i = accepted; i < 2; i++) expect((await call(deps, 'POST', '/batches', { token: TOKENS.small, body: { profile: 'demo', amount: 5 } })).statusCode).toBe(202);
    expect((await call(deps, 'POST', '/batches', { token: TOKENS.small, body: { profile: 'demo', amount: 3 } })).statusCode).toBe(403);
    expect(s.ecsEmu.control.instances()).toHaveLength(10);
  });
});

describe('secrets', () => {
  it('never writes a token, secret or signature to the logs of a full run', async () => {
    const lines: string[] = [];
    const log = jsonLog({ fn: 'test' }, (l) => lines.push(l));
    const deps = appDeps(s, { log, profiles });
    const callbackSecret = 'callback-secret-do-not-log-0123456789';
    const signatures: string[] = [];
    // Good and bad requests, a failing ECS call, a batch to the end with a signed callback that fails once.
    await call(deps, 'POST', '/batches', { token: 'Bearer-less-guess-0000', body: {} });
    await call(deps, 'POST', '/batches', { token: TOKENS.admin, body: { profile: 'demo', amount: 2, callbackUrl: 'https://hooks.example.com/x?key=hook-secret-999' } });
    s.ecsEmu.control.setQuota({ instances: 0 });
    await call(deps, 'POST', '/batches', { token: TOKENS.admin, body: { profile: 'demo', amount: 1 } });
    s.ecsEmu.control.setQuota({ instances: 500 });
    s.tsEmu.control.addFault({ kind: 'serverBusy', operation: 'GetRow', times: 30 });
    await call(deps, 'GET', '/batches', { token: TOKENS.admin });
    s.tsEmu.control.clearFaults();
    // A receiver that refuses the first delivery and echoes our signature back in its error page.
    const receiver = createServer((req, res) => {
      const sig = String(req.headers['x-ecs-batch-signature']);
      signatures.push(sig);
      req.resume();
      res.writeHead(signatures.length === 1 ? 500 : 200, { 'content-type': 'text/plain' }).end(`bad signature ${sig}`);
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook?key=hook-secret-999`;
    await call(deps, 'POST', '/batches', { token: TOKENS.admin, body: { profile: 'demo', amount: 1, callbackUrl: url } });
    const post = httpPoster(2_000);
    for (let i = 0; i < 6; i++) {
      s.clock.advance(20_000);
      await sweep({ ecs: s.ecs, store: s.store, clock: s.clock, log, post, callbackSecret, owner: 'sw', leaseMs: 60_000, concurrency: 2 }, s.clock.now() + 60_000);
    }
    receiver.close();
    expect(signatures.length).toBeGreaterThanOrEqual(2);
    const text = lines.join('\n');
    expect(lines.length).toBeGreaterThan(5);
    for (const secret of [TOKENS.admin, TOKENS.small, CREDS.accessKeySecret, callbackSecret, 'hook-secret-999', ...signatures.map((x) => x.split('v1=')[1])]) {
      expect(text).not.toContain(secret);
    }
  });
});
