import { appDeps, call, profiles, startStack, TOKENS, type Stack } from '../support/stack';
import type { AppDeps } from '../../functions/api/deps';

let s: Stack;
let deps: AppDeps;
beforeAll(async () => {
  s = await startStack();
  deps = appDeps(s);
});
afterAll(() => s.close());
beforeEach(() => s.reset());

const created = () => s.ecsEmu.control.instances();
const rows = (t: string) => s.tsEmu.control.dumpTable(t) ?? [];
const post = (body: unknown, headers: Record<string, string> = {}, token = TOKENS.admin) => call(deps, 'POST', '/batches', { token, body, headers });

describe('POST /batches', () => {
  it('records the batch, creates the instances and answers 202 with the batch', async () => {
    const before = s.clock.now();
    const res = await post({ profile: 'demo', amount: 3, tags: [{ key: 'app', value: 'web' }] });
    expect(res.statusCode).toBe(202);
    expect(res.json.status).toBe('PENDING');
    expect(res.json.instances).toHaveLength(3);
    // The timeline starts here: each instance's id was recorded when RunInstances answered.
    for (const i of res.json.instances) {
      expect(i).toMatchObject({ firstSeenAt: null, runningAt: null, endedAt: null });
      expect(Date.parse(i.createdAt)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(i.createdAt)).toBeLessThanOrEqual(s.clock.now());
    }
    expect(res.headers.location).toBe(`/batches/${res.json.id}`);
    const ledger = created();
    expect(ledger).toHaveLength(3);
    for (const i of ledger) expect(i.tags).toEqual(expect.arrayContaining([{ key: 'ecs-batch:batch', value: res.json.id }, { key: 'app', value: 'web' }]));
    expect(rows(s.tables.batches)).toHaveLength(1);
    expect(rows(s.tables.queue)).toHaveLength(1);
  });

  it('returns the original batch for a repeated Idempotency-Key and creates nothing more', async () => {
    const first = await post({ profile: 'demo', amount: 2 }, { 'idempotency-key': 'deploy-42' });
    const again = await post({ profile: 'demo', amount: 2 }, { 'idempotency-key': 'deploy-42' });
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json.id).toBe(first.json.id);
    expect(created()).toHaveLength(2);
  });

  it('creates one fleet when the same Idempotency-Key arrives five times at once', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => post({ profile: 'demo', amount: 4 }, { 'idempotency-key': 'storm' })));
    expect(new Set(answers.map((a) => a.json.id)).size).toBe(1);
    expect(answers.filter((a) => a.statusCode === 202)).toHaveLength(1);
    expect(created()).toHaveLength(4);
  });

  it('scopes Idempotency-Keys per token', async () => {
    const a = await post({ profile: 'demo', amount: 1 }, { 'idempotency-key': 'same' }, TOKENS.admin);
    const b = await post({ profile: 'demo', amount: 1 }, { 'idempotency-key': 'same' }, TOKENS.demoOnly);
    expect(a.json.id).not.toBe(b.json.id);
    expect(created()).toHaveLength(2);
  });

  it('answers 409 when an Idempotency-Key is reused with a different body', async () => {
    await post({ profile: 'demo', amount: 2 }, { 'idempotency-key': 'k1' });
    const res = await post({ profile: 'demo', amount: 3 }, { 'idempotency-key': 'k1' });
    expect(res.statusCode).toBe(409);
    expect(res.json.error.code).toBe('idempotency_conflict');
    expect(created()).toHaveLength(2);
  });

  it('answers a dry run without creating anything or writing any row', async () => {
    const res = await post({ profile: 'demo', amount: 5, dryRun: true });
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ dryRun: true, wouldSucceed: true, offering: { instanceType: 'ecs.g7.large' } });
    expect(created()).toHaveLength(0);
    expect(rows(s.tables.batches)).toHaveLength(0);
  });

  it('reports in a dry run what ECS would refuse', async () => {
    s.ecsEmu.control.setQuota({ instances: 1 });
    const res = await post({ profile: 'demo', amount: 5, dryRun: true });
    expect(res.json.wouldSucceed).toBe(false);
    expect(res.json.error.code).toMatch(/^QuotaExceed/);
    expect(created()).toHaveLength(0);
  });

  it('splits 250 instances into three RunInstances calls with their own ClientTokens', async () => {
    const res = await post({ profile: 'demo', amount: 250 });
    expect(res.statusCode).toBe(202);
    expect(res.json.chunks.map((c: { amount: number }) => c.amount)).toEqual([100, 100, 50]);
    expect(res.json.instances).toHaveLength(250);
    const ledger = created();
    expect(ledger).toHaveLength(250);
    expect(new Set(ledger.map((i) => i.clientToken)).size).toBe(3);
    expect(s.ecsEmu.control.calls().RunInstances).toBe(3);
  });

  it('falls back to the next offering when the first has no stock, and records the failure', async () => {
    s.ecsEmu.control.setStock({ zoneId: 'cn-hangzhou-h', instanceType: 'ecs.g7.large', available: 0 });
    const res = await post({ profile: 'demo', amount: 2 });
    expect(res.json.status).toBe('PENDING');
    expect(res.json.chunks[0]).toMatchObject({ zoneId: 'cn-hangzhou-i', instanceType: 'ecs.g7.large', state: 'submitted' });
    expect(res.json.failedOfferings).toEqual([expect.objectContaining({ zoneId: 'cn-hangzhou-h', instanceType: 'ecs.g7.large', code: 'OperationDenied.NoStock' })]);
    expect(created().every((i) => i.zoneId === 'cn-hangzhou-i')).toBe(true);
  });

  // QuotaExceed.ElasticQuota counts instances of one type per region, or vCPUs of all types per zone
  // (ECS CreateInstance/RunInstances docs): another offering may still fit, so it is an offering failure.
  it('moves past an instance type whose quota is used up (QuotaExceed.ElasticQuota), recording it', async () => {
    s.ecsEmu.control.setQuota({ instanceTypes: { 'ecs.g7.large': 0 } });
    const res = await post({ profile: 'demo', amount: 2 });
    expect(res.json.status).toBe('PENDING');
    expect(res.json.chunks[0]).toMatchObject({ instanceType: 'ecs.c7.large', state: 'submitted' });
    expect(res.json.failedOfferings).toEqual([
      expect.objectContaining({ zoneId: 'cn-hangzhou-h', instanceType: 'ecs.g7.large', code: 'QuotaExceed.ElasticQuota' }),
      expect.objectContaining({ zoneId: 'cn-hangzhou-i', instanceType: 'ecs.g7.large', code: 'QuotaExceed.ElasticQuota' }),
    ]);
    expect(created().every((i) => i.instanceType === 'ecs.c7.large')).toBe(true);
  });

  it('moves to another zone when a zone\'s vCPU quota is used up', async () => {
    s.ecsEmu.control.setQuota({ zoneVcpus: { 'cn-hangzhou-h': 4 } });
    const res = await post({ profile: 'demo', amount: 3 });
    expect(res.json.status).toBe('PENDING');
    expect(res.json.chunks[0]).toMatchObject({ zoneId: 'cn-hangzhou-i', instanceType: 'ecs.g7.large' });
    expect(created()).toHaveLength(3);
  });

  it('fails on QuotaExceed.ElasticQuota only when every instance type is used up', async () => {
    s.ecsEmu.control.setQuota({ instanceTypes: { 'ecs.g7.large': 0, 'ecs.c7.large': 1 } });
    const res = await post({ profile: 'demo', amount: 2 });
    expect(res.json.status).toBe('FAILED');
    expect(res.json.error.code).toBe('QuotaExceed.ElasticQuota');
    expect(res.json.failedOfferings).toHaveLength(4);
    expect(created()).toHaveLength(0);
  });

  it('ends FAILED with the ECS code when the quota refuses, creating nothing', async () => {
    s.ecsEmu.control.setQuota({ instances: 1 });
    const res = await post({ profile: 'demo', amount: 3 });
    expect(res.statusCode).toBe(202);
    expect(res.json.status).toBe('FAILED');
    expect(res.json.error.code).toMatch(/^QuotaExceed/);
    expect(created()).toHaveLength(0);
  });

  it('retries throttling and succeeds', async () => {
    s.ecsEmu.control.addFault({ action: 'RunInstances', kind: 'throttle', times: 2, retryAfterMs: 10 });
    const res = await post({ profile: 'demo', amount: 2 });
    expect(res.json.status).toBe('PENDING');
    expect(s.ecsEmu.control.calls().RunInstances).toBe(3);
    expect(created()).toHaveLength(2);
  });

  it('leaves a batch SUBMITTING when every answer is lost, and the re-drive finds the same instances', async () => {
    s.ecsEmu.control.addFault({ action: 'RunInstances', kind: 'answerLost', times: 4 });
    const res = await post({ profile: 'demo', amount: 3 });
    expect(res.statusCode).toBe(202);
    expect(res.json.status).toBe('SUBMITTING');
    expect(created()).toHaveLength(3); // created on the first call, the answer lost every time
    const { driveSubmission } = await import('../../functions/core/submit');
    const batch = (await s.store.getBatch(res.json.id))!;
    const after = await driveSubmission({ ...deps }, batch);
    expect(after.status).toBe('PENDING');
    expect(after.instances.map((i) => i.instanceId).sort()).toEqual(created().map((i) => i.instanceId).sort());
    expect(created()).toHaveLength(3);
  });
});

describe('POST /batches refuses bad input with 4xx naming the field, creating nothing', () => {
  const cases: Array<[string, string | unknown, number, string]> = [
    ['malformed JSON', '{"profile": "demo", "amount": ', 400, '(body)'],
    ['a wrong type', { profile: 'demo', amount: 'three' }, 400, 'amount'],
    ['an unknown field', { profile: 'demo', amount: 1, colour: 'red' }, 400, 'colour'],
    ['amount 0', { profile: 'demo', amount: 0 }, 400, 'amount'],
    ['amount 1001', { profile: 'demo', amount: 1001 }, 400, 'amount'],
    ['a release time too soon', { profile: 'demo', amount: 1, releaseAfter: 'PT10M' }, 400, 'releaseAfter'],
    ['an unknown profile', { profile: 'nope', amount: 1 }, 400, 'profile'],
    ['a profile named like an Object property', { profile: 'constructor', amount: 1 }, 400, 'profile'],
    ['an amount over the profile limit', { profile: 'other', amount: 6 }, 400, 'amount'],
    ['a zone outside the profile', { profile: 'demo', amount: 1, zoneId: 'cn-hangzhou-j' }, 400, 'zoneId'],
    ['a JSON array body', [1, 2], 400, '(body)'],
  ];
  it.each(cases)('%s', async (_name, body, status, field) => {
    const res = typeof body === 'string' ? await call(deps, 'POST', '/batches', { token: TOKENS.admin, raw: body, headers: { 'content-type': 'application/json' } }) : await post(body);
    expect(res.statusCode).toBe(status);
    expect(res.json.error.code).toBe('invalid_request');
    expect(res.json.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    expect(created()).toHaveLength(0);
    expect(rows(s.tables.batches)).toHaveLength(0);
    expect(rows(s.tables.queue)).toHaveLength(0);
  });

  it('answers 413 for a body over 64 KB and 415 for a non-JSON content type', async () => {
    const big = await call(deps, 'POST', '/batches', { token: TOKENS.admin, raw: 'x'.repeat(70_000), headers: { 'content-type': 'application/json' } });
    expect(big.statusCode).toBe(413);
    const form = await call(deps, 'POST', '/batches', { token: TOKENS.admin, raw: 'amount=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.statusCode).toBe(415);
    expect(created()).toHaveLength(0);
  });

  it('answers 400 for an invalid Idempotency-Key', async () => {
    const res = await post({ profile: 'demo', amount: 1 }, { 'idempotency-key': 'x'.repeat(200) });
    expect(res.statusCode).toBe(400);
    expect(res.json.error.details.fields[0].field).toBe('Idempotency-Key');
  });
});

describe('authentication and scopes', () => {
  it('answers 401 without a token or with an unknown one', async () => {
    for (const token of [undefined, 'not-a-real-token-123']) {
      const res = await call(deps, 'POST', '/batches', { token, body: { profile: 'demo', amount: 1 } });
      expect(res.statusCode).toBe(401);
      expect(res.json.error.code).toBe('unauthorized');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    expect(created()).toHaveLength(0);
  });

  it('answers 403 for a profile outside the token scope', async () => {
    const res = await post({ profile: 'other', amount: 1 }, {}, TOKENS.demoOnly);
    expect(res.statusCode).toBe(403);
    expect(res.json.error.details.field).toBe('profile');
  });

  it('answers 403 for a raw spec without the raw-spec scope, and accepts it with the scope', async () => {
    const { limits: _l, deadlineSeconds: _d, timeZone: _t, ...spec } = profiles.demo;
    const denied = await post({ spec, amount: 1 }, {}, TOKENS.demoOnly);
    expect(denied.statusCode).toBe(403);
    const ok = await post({ spec, amount: 1 }, {}, TOKENS.admin);
    expect(ok.statusCode).toBe(202);
    expect(created()).toHaveLength(1);
  });

  it('answers 403 for more than the token may request at once', async () => {
    const res = await post({ profile: 'demo', amount: 51 }, {}, TOKENS.demoOnly);
    expect(res.statusCode).toBe(403);
    expect(res.json.error.details.field).toBe('amount');
  });

  it('enforces the rolling 24 hour allowance', async () => {
    expect((await post({ profile: 'demo', amount: 10 }, {}, TOKENS.small)).statusCode).toBe(202);
    const over = await post({ profile: 'demo', amount: 3 }, {}, TOKENS.small);
    expect(over.statusCode).toBe(403);
    expect(over.json.error.code).toBe('daily_limit_exceeded');
    s.clock.advance(24 * 3600_000 + 1000);
    expect((await post({ profile: 'demo', amount: 3 }, {}, TOKENS.small)).statusCode).toBe(202);
  });

  it('hides other owners\u2019 batches', async () => {
    const mine = await post({ profile: 'demo', amount: 1 });
    const res = await call(deps, 'GET', `/batches/${mine.json.id}`, { token: TOKENS.demoOnly });
    expect(res.statusCode).toBe(404);
  });
});

describe('reading and cancelling batches', () => {
  it('shows a batch with its instances, counts and timestamps', async () => {
    const b = await post({ profile: 'demo', amount: 2 });
    const res = await call(deps, 'GET', `/batches/${b.json.id}`, { token: TOKENS.admin });
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ id: b.json.id, status: 'PENDING', counts: { Pending: 2 }, amount: 2 });
    expect(res.json.instances[0]).toEqual(expect.objectContaining({ instanceId: expect.stringMatching(/^i-/), zoneId: 'cn-hangzhou-h' }));
    expect(Date.parse(res.json.createdAt)).toBeGreaterThan(0);
  });

  it('long-polls with ?wait until the batch changes state', async () => {
    const b = await post({ profile: 'demo', amount: 1 });
    const started = Date.now();
    const waiting = call(appDeps(s, { pollMs: 20 }), 'GET', `/batches/${b.json.id}`, { token: TOKENS.admin, query: { wait: '5' } });
    setTimeout(() => void call(deps, 'POST', `/batches/${b.json.id}/cancel`, { token: TOKENS.admin }), 100);
    const res = await waiting;
    expect(res.json.status).toBe('CANCELLED');
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('refuses a wait outside 0..25 seconds', async () => {
    const b = await post({ profile: 'demo', amount: 1 });
    const res = await call(deps, 'GET', `/batches/${b.json.id}`, { token: TOKENS.admin, query: { wait: '99' } });
    expect(res.statusCode).toBe(400);
    expect(res.json.error.details.fields[0].field).toBe('wait');
  });

  it('lists batches newest first, filtered by status, in pages', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await post({ profile: 'demo', amount: 1 })).json.id);
      s.clock.advance(1000);
    }
    await call(deps, 'POST', `/batches/${ids[1]}/cancel`, { token: TOKENS.admin });
    const page1 = await call(deps, 'GET', '/batches', { token: TOKENS.admin, query: { limit: '2' } });
    expect(page1.json.batches.map((b: { id: string }) => b.id)).toEqual([ids[4], ids[3]]);
    const page2 = await call(deps, 'GET', '/batches', { token: TOKENS.admin, query: { limit: '2', cursor: page1.json.cursor } });
    expect(page2.json.batches.map((b: { id: string }) => b.id)).toEqual([ids[2], ids[1]]);
    const cancelled = await call(deps, 'GET', '/batches', { token: TOKENS.admin, query: { status: 'CANCELLED' } });
    expect(cancelled.json.batches.map((b: { id: string }) => b.id)).toEqual([ids[1]]);
    const bad = await call(deps, 'GET', '/batches', { token: TOKENS.admin, query: { cursor: 'garbage' } });
    expect(bad.statusCode).toBe(400);
  });

  it('names the query parameter that is wrong or unknown, never (body)', async () => {
    const fields = async (query: Record<string, string>) => {
      const res = await call(deps, 'GET', '/batches', { token: TOKENS.admin, query });
      expect(res.statusCode).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
      return res.json.error.details.fields as Array<{ field: string; message: string }>;
    };
    expect(await fields({ all: 'true' })).toEqual([{ field: 'all', message: 'unknown query parameter' }]);
    expect((await fields({ all: 'true', mine: '1' })).map((f) => f.field)).toEqual(['all', 'mine']);
    expect((await fields({ limit: '0' })).map((f) => f.field)).toEqual(['limit']);
    expect((await fields({ status: 'DONE' })).map((f) => f.field)).toEqual(['status']);
  });

  it('cancels a batch and, when asked, releases its instances', async () => {
    const b = await post({ profile: 'demo', amount: 2 });
    s.clock.advance(3_000); // ECS refuses to release an instance while it is Pending
    const asked = s.clock.now();
    const res = await call(deps, 'POST', `/batches/${b.json.id}/cancel`, { token: TOKENS.admin, body: { release: true } });
    expect(res.json.cancel).toMatchObject({ release: true, released: true });
    for (const i of res.json.instances) expect(Date.parse(i.endedAt)).toBeGreaterThanOrEqual(asked);
    expect(res.statusCode).toBe(200);
    expect(res.json.status).toBe('CANCELLED');
    expect(created().map((i) => i.fate)).toEqual(['deleted', 'deleted']);
    const again = await call(deps, 'POST', `/batches/${b.json.id}/cancel`, { token: TOKENS.admin });
    expect(again.statusCode).toBe(200);
  });
});

describe('routing', () => {
  it('answers 404 for unknown routes, 405 for wrong methods, and serves health and OpenAPI without a token', async () => {
    expect((await call(deps, 'GET', '/nope')).statusCode).toBe(404);
    const wrong = await call(deps, 'DELETE', '/batches', { token: TOKENS.admin });
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers.allow).toBe('GET, POST');
    expect((await call(deps, 'GET', '/healthz')).json).toEqual({ ok: true });
    const doc = await call(deps, 'GET', '/openapi.json');
    expect(doc.json.openapi).toBe('3.1.0');
    expect(doc.json.components.schemas.BatchRequest.properties.amount).toMatchObject({ minimum: 1, maximum: 1000 });
  });
});
