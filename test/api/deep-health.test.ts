import { ecsAdapter } from '../../functions/cloud/ecs';
import { tablestoreBatchStore, tableNames } from '../../functions/cloud/store';
import { Tablestore } from '../../functions/cloud/tablestore';
import { appDeps, call, CREDS, startStack, TOKENS, type Stack } from '../support/stack';

const FAST = { attempts: 2, baseMs: 5, maxMs: 20 };
const target = { region: 'cn-hangzhou', tablestoreInstance: 'local', timeoutMs: 5_000 };
const WRITES = ['PutRow', 'UpdateRow', 'DeleteRow', 'BatchWriteRow', 'CreateTable', 'DeleteTable'];

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s?.close());
afterEach(() => s.reset());

const deep = (over: Parameters<typeof appDeps>[1] = {}, token = TOKENS.admin, query: Record<string, string> = { deep: '1' }) =>
  call(appDeps(s, { deepHealth: target, ...over }), 'GET', '/healthz', { token, query });

describe('GET /healthz?deep=1', () => {
  it('exercises the role against Tablestore and ECS, and writes, creates and charges nothing', async () => {
    s.tsEmu.control.resetCalls();
    const res = await deep();
    expect(res.statusCode).toBe(200);
    expect(res.json).toEqual({ ok: true, checks: [{ name: 'tablestore', ok: true }, { name: 'ecs', ok: true }] });
    const calls = s.tsEmu.control.calls();
    expect(calls.GetRow).toBeGreaterThan(0);
    expect(WRITES.filter((w) => calls[w])).toEqual([]);
    expect(s.ecsEmu.control.calls()).toEqual({ DescribeInstances: 1 });
    expect(s.ecsEmu.control.instances()).toEqual([]);
  });

  it('needs a bearer token, deep=1 and GET; the shallow check stays open', async () => {
    expect((await deep({}, '')).statusCode).toBe(401);
    expect((await deep({}, 'not-a-token')).statusCode).toBe(401);
    const bad = await deep({}, TOKENS.admin, { deep: 'yes' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json.error.details).toEqual({ fields: [{ field: 'deep', message: expect.stringMatching(/must be 1/) }] });
    expect((await call(appDeps(s, { deepHealth: target }), 'POST', '/healthz', { token: TOKENS.admin, query: { deep: '1' } })).statusCode).toBe(405);
    expect((await call(appDeps(s), 'GET', '/healthz')).json).toEqual({ ok: true });
  });

  it('tells a network ACL refusal from a refused role, in words an operator can act on', async () => {
    s.tsEmu.control.addFault({ kind: 'error', operation: '*', status: 403, code: 'OTSAuthFailed', message: 'Request denied by instance ACL policies.', times: 10 });
    const acl = await deep();
    expect(acl.statusCode).toBe(503);
    expect(acl.json.checks[0]).toMatchObject({
      name: 'tablestore', ok: false, code: 'OTSAuthFailed',
      problem: expect.stringMatching(/refuses requests from the network the function runs in .*the role is not the problem/),
      fix: expect.stringMatching(/allow Internet access on the instance .* or bind a VPC to the instance, set VPC_ID, VSWITCH_IDS, SECURITY_GROUP_ID/),
    });
    expect(acl.json.checks[1]).toEqual({ name: 'ecs', ok: true });

    s.tsEmu.control.clearFaults();
    s.tsEmu.control.addFault({ kind: 'error', operation: '*', status: 403, code: 'OTSAuthFailed', message: 'The user has no privilege to access the instance.', times: 10 });
    const role = await deep();
    expect(role.json.checks[0]).toMatchObject({
      ok: false, code: 'OTSAuthFailed',
      problem: expect.stringMatching(/Tablestore refuses the function role on instance local/),
      fix: expect.stringMatching(/FC_ROLE_ARN has the Tablestore statement/),
    });
  });

  it('says the tables are missing, and how to create them', async () => {
    s.tsEmu.control.reset(); // drops every table
    const res = await deep();
    expect(res.json.checks[0]).toMatchObject({ ok: false, code: 'OTSObjectNotExist', fix: expect.stringMatching(/npm run setup:tables/) });
  });

  it('says when ECS refuses the role, and when an endpoint does not answer', async () => {
    const refused = ecsAdapter({ ...CREDS, accessKeySecret: 'wrong' }, { endpoint: s.ecsEmu.endpoint, retry: { name: 'test', ...FAST } });
    const ecs = await deep({ ecs: refused });
    expect(ecs.statusCode).toBe(503);
    expect(ecs.json.checks[1]).toMatchObject({ name: 'ecs', ok: false, code: 'SignatureDoesNotMatch', fix: expect.stringMatching(/ECS statement of the policy/) });

    const nowhere = new Tablestore(CREDS, { endpoint: 'http://127.0.0.1:9', instanceName: 'local', timeoutMs: 500, retry: { name: 'test', ...FAST } });
    const unreachable = await deep({ store: tablestoreBatchStore(nowhere, tableNames('t_')) });
    expect(unreachable.json.checks[0]).toMatchObject({
      ok: false, problem: expect.stringMatching(/cannot reach the Tablestore endpoint/), fix: expect.stringMatching(/VPC endpoint .* reachable only from a VPC/),
    });
  });
});
