import { createHmac } from 'node:crypto';
import type { AppDeps } from '../../functions/api/deps';
import { loadChatOpsConfig } from '../../functions/chatops';
import { sweep } from '../../functions/sweeper/sweep';
import { appDeps, call, startStack, TOKENS, type Stack } from '../support/stack';
import { demoSpec } from '../sweeper/support';

/*
 * Operators: the admin scope (every owner's batches), release, release-at and list summaries, through the
 * in-process API on both emulators. A chat user's batch is started the way Slack starts it: a signed
 * slash command (recipe: https://api.slack.com/authentication/verifying-requests-from-slack).
 */

const SLACK_SECRET = 'slack-signing-secret-0123';
let s: Stack;
let deps: AppDeps;
beforeAll(async () => {
  s = await startStack({ bootSeconds: 1 });
  const config = loadChatOpsConfig({
    SLACK_SIGNING_SECRET: SLACK_SECRET,
    CHATOPS_ALLOW_LOOPBACK_REPLIES: 'true',
    CHATOPS_ACL: JSON.stringify({ slack: { users: { 'U-ALICE': { profiles: '*', maxAmount: 50, dailyLimit: 200 } } } }),
  });
  if (!config.ok) throw new Error(config.error);
  deps = appDeps(s, { chatops: config.config, chatAckMs: 10_000 });
});
afterAll(() => s.close());
beforeEach(() => s.reset());

const ledger = () => s.ecsEmu.control.instances();
const runSweep = () => sweep({ ...s, post: async () => undefined, owner: 'sweeper-1', leaseMs: 60_000, concurrency: 4 }, s.clock.now() + 60_000);
const post = (path: string, token: string, body?: unknown) => call(deps, 'POST', path, { token, body });
const get = (path: string, token: string, query: Record<string, string> = {}) => call(deps, 'GET', path, { token, query });

/** A batch of `amount` Running instances owned by the token `token`. */
async function runningBatch(token: string, amount = 2): Promise<string> {
  const res = await post('/batches', token, { profile: 'demo', amount, releaseAfter: 'PT2H' });
  expect(res.statusCode).toBe(202);
  for (let i = 0; i < 5 && (await s.store.getBatch(res.json.id))!.status !== 'RUNNING'; i++) {
    s.clock.advance(3_000);
    await runSweep();
  }
  expect((await s.store.getBatch(res.json.id))!.status).toBe('RUNNING');
  return res.json.id;
}

let trigger = 0;
/** A slash command from Slack user U-ALICE; the text of the answer. */
async function slack(text: string): Promise<string> {
  const ts = String(Math.floor(s.clock.now() / 1000));
  const body = new URLSearchParams({ team_id: 'T1', channel_id: 'C1', user_id: 'U-ALICE', user_name: 'alice', command: '/ecs', text, response_url: 'http://127.0.0.1:9/slack', trigger_id: `t-${ts}-${++trigger}` }).toString();
  const sig = `v0=${createHmac('sha256', SLACK_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  const res = await call(deps, 'POST', '/chatops/slack', { raw: body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig } });
  return String(res.json.text);
}

/** `scale-out demo <n> for 2h` from Slack user U-ALICE; returns the batch id. */
async function chatBatch(amount: number): Promise<string> {
  const text = await slack(`scale-out demo ${amount} for 2h`);
  const id = /b-[0-9a-f]{24}/.exec(text)?.[0];
  if (!id) throw new Error(`no batch in ${text}`);
  return id;
}

describe('the admin scope', () => {
  it('sees and releases a chat user\u2019s batch; a non-admin token gets 404 for it', async () => {
    const id = await chatBatch(2);
    s.clock.advance(3_000);
    await runSweep();
    expect((await get(`/batches/${id}`, TOKENS.admin)).statusCode).toBe(404);
    expect((await post(`/batches/${id}/release`, TOKENS.admin)).statusCode).toBe(404);
    expect((await post(`/batches/${id}/cancel`, TOKENS.admin, { release: true })).statusCode).toBe(404);
    expect(ledger().every((i) => i.fate === 'live')).toBe(true);

    const seen = await get(`/batches/${id}`, TOKENS.operator);
    expect(seen.statusCode).toBe(200);
    expect(seen.json.owner).toBe('slack:U-ALICE');
    const listed = await get('/batches', TOKENS.operator);
    expect(listed.json.batches.map((b: { id: string; owner: string }) => [b.id, b.owner])).toEqual([[id, 'slack:U-ALICE']]);
    expect((await get('/batches', TOKENS.operator, { owner: 'slack:U-ALICE' })).json.batches).toHaveLength(1);
    expect((await get('/batches', TOKENS.operator, { owner: 'admin' })).json.batches).toHaveLength(0);

    const released = await post(`/batches/${id}/release`, TOKENS.operator);
    expect(released.statusCode).toBe(200);
    expect(released.json.instances.map((i: { state: string }) => i.state)).toEqual(['Released', 'Released']);
    expect(ledger().map((i) => i.fate)).toEqual(['deleted', 'deleted']);
  });

  it('lists every owner\u2019s batches for an admin, only its own for anyone else, and refuses ?owner= to a non-admin', async () => {
    const mine = await runningBatch(TOKENS.admin, 1);
    const theirs = await runningBatch(TOKENS.demoOnly, 1);
    const all = await get('/batches', TOKENS.operator);
    expect(new Set(all.json.batches.map((b: { id: string }) => b.id))).toEqual(new Set([mine, theirs]));
    expect((await get('/batches', TOKENS.admin)).json.batches.map((b: { id: string }) => b.id)).toEqual([mine]);
    expect((await get('/batches', TOKENS.admin)).json.batches[0].owner).toBeUndefined();
    const refused = await get('/batches', TOKENS.admin, { owner: 'demo-only' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json.error.details.field).toBe('owner');
    expect((await get('/batches', TOKENS.operator, { owner: 'demo-only' })).json.batches.map((b: { id: string }) => b.id)).toEqual([theirs]);
  });
});

describe('chat: release <id> and extend <id> for 2h', () => {
  it('moves the release time of the sender\u2019s batch, then releases it; someone else\u2019s batch is not theirs', async () => {
    const id = await chatBatch(2);
    for (let i = 0; i < 5 && (await s.store.getBatch(id))!.status !== 'RUNNING'; i++) {
      s.clock.advance(3_000);
      await runSweep();
    }
    const extended = await slack(`extend ${id} for 5h`);
    expect(extended).toContain(`Batch ${id} will be released at`);
    const at = (await s.store.getBatch(id))!.releaseAt!;
    expect(at - s.clock.now()).toBeGreaterThan(5 * 3600_000 - 60_000);
    for (const i of ledger()) expect(Date.parse(i.autoReleaseAt!)).toBe(Math.floor(at / 60_000) * 60_000);
    expect(await slack(`extend ${id} for 10m`)).toContain('too soon');

    const released = await slack(`release ${id}`);
    expect(released).toContain(`Released the instances of batch ${id}`);
    expect(ledger().map((i) => i.fate)).toEqual(['deleted', 'deleted']);
    expect((await s.store.getBatch(id))!.instances.map((i) => i.state)).toEqual(['Released', 'Released']);
    expect(await slack(`extend ${id} for 2h`)).toContain('no instances left');

    const mine = await runningBatch(TOKENS.admin, 1);
    expect(await slack(`release ${mine}`)).toContain(`I know no batch ${mine} of yours`);
    expect(ledger().find((i) => i.fate === 'live')).toBeDefined();
  });
});

describe('POST /batches/{id}/release', () => {
  it('deletes a RUNNING batch\u2019s instances (the ECS ledger says deleted), keeps its status, and is idempotent', async () => {
    const id = await runningBatch(TOKENS.admin, 3);
    const res = await post(`/batches/${id}/release`, TOKENS.admin);
    expect(res.statusCode).toBe(200);
    expect(res.json.status).toBe('RUNNING');
    expect(res.json.counts).toEqual({ Released: 3 });
    expect(res.json.release).toMatchObject({ by: 'admin', releasedAt: expect.any(String) });
    expect(ledger().map((i) => i.fate)).toEqual(['deleted', 'deleted', 'deleted']);
    const deletes = s.ecsEmu.control.calls().DeleteInstances;
    const again = await post(`/batches/${id}/release`, TOKENS.admin);
    expect(again.statusCode).toBe(200);
    expect(again.json.counts).toEqual({ Released: 3 });
    expect(s.ecsEmu.control.calls().DeleteInstances).toBe(deletes);
  });

  it('is carried to the end by the sweeper when ECS fails at first, each instance\u2019s fate recorded', async () => {
    const id = await runningBatch(TOKENS.admin, 2);
    const [gone] = ledger().map((i) => i.instanceId);
    s.ecsEmu.control.vanish({ instanceIds: [gone], afterSeconds: 0 });
    s.ecsEmu.control.addFault({ action: 'DeleteInstances', kind: 'serviceUnavailable', times: 6 }); // the api's 4 attempts and 2 of the sweep's
    const res = await post(`/batches/${id}/release`, TOKENS.admin);
    expect(res.statusCode).toBe(202);
    expect(res.json.release.releasedAt).toBeNull();
    s.clock.advance(31_000);
    await runSweep();
    const b = (await s.store.getBatch(id))!;
    expect(b.release?.releasedAt).toBeDefined();
    expect(Object.fromEntries(b.instances.map((i) => [i.instanceId, i.state]))).toEqual({ [gone]: 'Lost', [ledger()[1].instanceId]: 'Released' });
    expect(ledger()[1].fate).toBe('deleted');
  });

  it('on a PENDING batch cancels it with release; on one still SUBMITTING answers 409', async () => {
    const res = await post('/batches', TOKENS.admin, { profile: 'demo', amount: 1 });
    s.clock.advance(1_500);
    const released = await post(`/batches/${res.json.id}/release`, TOKENS.admin);
    expect(released.json.status).toBe('CANCELLED');
    expect(released.json.cancel).toMatchObject({ release: true, released: true });
    s.ecsEmu.control.addFault({ action: 'RunInstances', kind: 'answerLost', times: 4 });
    const stuck = await post('/batches', TOKENS.admin, { profile: 'demo', amount: 1 });
    expect(stuck.json.status).toBe('SUBMITTING');
    expect((await post(`/batches/${stuck.json.id}/release`, TOKENS.admin)).statusCode).toBe(409);
  });
});

describe('POST /batches/{id}/cancel on a batch cancelled without release (issue 12, item 13)', () => {
  it('with {"release": true} releases the instances instead of answering 200 and releasing nothing', async () => {
    const res = await post('/batches', TOKENS.admin, { profile: 'demo', amount: 2 });
    s.clock.advance(1_500);
    expect((await post(`/batches/${res.json.id}/cancel`, TOKENS.admin)).json.cancel).toMatchObject({ release: false });
    expect(ledger().every((i) => i.fate === 'live')).toBe(true);
    const again = await post(`/batches/${res.json.id}/cancel`, TOKENS.admin, { release: true });
    expect(again.statusCode).toBe(200);
    expect(again.json.cancel).toMatchObject({ release: true, released: true });
    expect(ledger().map((i) => i.fate)).toEqual(['deleted', 'deleted']);
  });
});

describe('a cancelled-and-released batch (issue 12, item 16)', () => {
  it('shows what happened to its instances, not Pending forever', async () => {
    const res = await post('/batches', TOKENS.admin, { profile: 'demo', amount: 2 });
    s.clock.advance(1_500);
    const cancelled = await post(`/batches/${res.json.id}/cancel`, TOKENS.admin, { release: true });
    expect(cancelled.json.instances.map((i: { state: string }) => i.state)).toEqual(['Released', 'Released']);
    const later = await get(`/batches/${res.json.id}`, TOKENS.admin);
    expect(later.json.counts).toEqual({ Released: 2 });
  });
});

describe('POST /batches/{id}/release-at', () => {
  it('moves the instances\u2019 automatic release time in ECS and on the batch', async () => {
    const id = await runningBatch(TOKENS.admin, 2);
    const want = new Date(Math.floor((s.clock.now() + 5 * 3600_000) / 60_000) * 60_000).toISOString();
    const res = await post(`/batches/${id}/release-at`, TOKENS.admin, { releaseAt: want });
    expect(res.statusCode).toBe(200);
    expect(res.json.failed).toEqual([]);
    expect(res.json.releaseAt).toBe(want);
    for (const inst of s.ecsEmu.control.instances()) expect(inst.autoReleaseAt).toBe(want);
    expect(s.ecsEmu.control.calls().ModifyInstanceAutoReleaseTime).toBe(2);
    // releaseAfter counts from now
    const later = await post(`/batches/${id}/release-at`, TOKENS.admin, { releaseAfter: 'PT6H' });
    expect(Date.parse(later.json.releaseAt) - s.clock.now()).toBeGreaterThan(6 * 3600_000 - 5_000);
    expect(Date.parse(later.json.releaseAt) - s.clock.now()).toBeLessThanOrEqual(6 * 3600_000);
  });

  it('refuses a time under 30 minutes ahead with ECS\u2019s code, changing nothing', async () => {
    const id = await runningBatch(TOKENS.admin, 1);
    const before = s.ecsEmu.control.instances()[0].autoReleaseAt;
    const res = await post(`/batches/${id}/release-at`, TOKENS.admin, { releaseAt: new Date(s.clock.now() + 10 * 60_000).toISOString() });
    expect(res.statusCode).toBe(400);
    expect(res.json.error.details).toMatchObject({ ecsCode: 'InvalidAutoReleaseTime.Malformed', fields: [{ field: 'releaseAt' }] });
    expect(s.ecsEmu.control.instances()[0].autoReleaseAt).toBe(before);
    const both = await post(`/batches/${id}/release-at`, TOKENS.admin, { releaseAt: '2030-01-01T00:00:00Z', releaseAfter: 'PT2H' });
    expect(both.statusCode).toBe(400);
    expect((await post(`/batches/${id}/release-at`, TOKENS.demoOnly, { releaseAfter: 'PT2H' })).statusCode).toBe(404);
  });

  it('passes on what ECS itself refuses (a subscription instance: ChargeTypeViolation), with one call', async () => {
    const spec = { ...demoSpec, billing: { chargeType: 'PrePaid', period: 1, periodUnit: 'Month' } };
    const res = await post('/batches', TOKENS.admin, { spec, amount: 3 });
    expect(res.statusCode).toBe(202);
    const extend = await post(`/batches/${res.json.id}/release-at`, TOKENS.admin, { releaseAfter: 'PT3H' });
    expect(extend.statusCode).toBe(400);
    expect(extend.json.error.details.ecsCode).toBe('ChargeTypeViolation');
    expect(s.ecsEmu.control.calls().ModifyInstanceAutoReleaseTime).toBe(1);
    expect((await s.store.getBatch(res.json.id))!.releaseAt).toBeUndefined();
  });
});

describe('GET /batches summaries', () => {
  it('lists counts and times without instances, at most 2 KB per batch of 20; ?view=full gives every instance', async () => {
    for (let i = 0; i < 3; i++) {
      await post('/batches', TOKENS.admin, { profile: 'demo', amount: 20, releaseAfter: 'PT9H', callbackUrl: 'https://hooks.example.com/ecs?k=secret' });
      s.clock.advance(1_000);
    }
    const summary = await get('/batches', TOKENS.admin);
    expect(summary.json.batches).toHaveLength(3);
    for (const b of summary.json.batches) {
      expect(b.instances).toBeUndefined();
      expect(b.counts).toEqual({ Pending: 20 });
      expect(Buffer.byteLength(JSON.stringify(b))).toBeLessThanOrEqual(2048);
    }
    expect(Buffer.byteLength(summary.body)).toBeLessThanOrEqual(3 * 2048 + 64);
    const full = await get('/batches', TOKENS.admin, { view: 'full' });
    expect(full.json.batches[0].instances).toHaveLength(20);
    expect((await get('/batches', TOKENS.admin, { view: 'everything' })).json.error.details.fields[0].field).toBe('view');
  });

  it('are documented in OpenAPI beside the full view, with release and release-at', async () => {
    const doc = (await call(deps, 'GET', '/openapi.json')).json;
    expect(doc.paths['/batches'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['view', 'owner']));
    expect(Object.keys(doc.components.schemas.BatchSummary.properties)).toEqual(expect.arrayContaining(['counts', 'createdAt', 'endedAt', 'release']));
    expect(doc.components.schemas.BatchSummary.properties.instances).toBeUndefined();
    expect(doc.paths['/batches/{id}/release'].post).toBeDefined();
    expect(doc.components.schemas.ReleaseAtRequest.properties).toEqual(expect.objectContaining({ releaseAt: expect.anything(), releaseAfter: expect.anything() }));
  });
});
