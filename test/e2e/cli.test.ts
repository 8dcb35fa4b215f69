import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { hashToken } from '../../functions/api/auth';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack';
import { ownBuildRoot } from '../support/build-root';

/**
 * The `ecs-batch` bin (cli/bin.js, what `npm link` installs) against the stack as `npm start` builds it:
 * the admin token npm start makes, and a scoped token given in API_TOKENS beside it.
 */
const ROOT = join(__dirname, '..', '..');
const ADMIN = 'e2e-admin-token-0123456789';
const CI = 'e2e-ci-token-0123456789';
const buildRoot = ownBuildRoot();

function run(cmd: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cmd, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('ecs-batch against npm start', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    const ci = [{ name: 'ci', sha256: hashToken(CI), profiles: ['demo'], maxPerRequest: 10 }];
    stack = await startLocalStack({ port: 0, token: ADMIN, apiTokens: JSON.stringify(ci), bootSeconds: 1, timers: false, buildRoot });
  }, 60_000);
  afterAll(() => stack?.close());
  const as = (token: string) => ({ ECS_BATCH_URL: stack.apiUrl, ECS_BATCH_TOKEN: token });

  it('up --wait ends 0 with the batch RUNNING; the admin token sees it with its owner, the scoped one only its own', async () => {
    const up = await run(['cli/bin.js', 'up', 'demo', '2', '--for', '2h', '--wait', '--json'], as(CI));
    expect(up.err).not.toMatch(/at .*:\d+:\d+/);
    expect(up.code).toBe(0);
    const batch = JSON.parse(up.out);
    expect(batch.status).toBe('RUNNING');
    expect(batch.instances.map((i: { state: string }) => i.state)).toEqual(['Running', 'Running']);
    expect(up.err).toMatch(/RUNNING Running 2/);

    const admin = await run(['cli/bin.js', 'ls', '--json'], as(ADMIN));
    expect(admin.code).toBe(0);
    expect(JSON.parse(admin.out).batches).toEqual([expect.objectContaining({ id: batch.id, owner: 'ci', status: 'RUNNING' })]);
    const refused = await run(['cli/bin.js', 'ls', '--owner', 'local'], as(CI));
    expect(refused.code).toBe(7);
    const released = await run(['cli/bin.js', 'release', batch.id], as(ADMIN));
    expect(released.code).toBe(0);
    expect(stack.ecsControl!.instances().map((i) => i.fate)).toEqual(['deleted', 'deleted']);
  }, 60_000);
});

describe('npm start', () => {
  it('refuses a LOCAL_API_TOKEN under the minimum length at start, naming the minimum (issue 12, item 15)', async () => {
    const res = await run(['--import', 'tsx', 'scripts/start.ts', '--ephemeral'], { LOCAL_API_TOKEN: 'mytoken', PORT: '0' });
    expect(res.code).toBe(1);
    expect(res.err).toContain('LOCAL_API_TOKEN is 7 characters; the API only accepts tokens of at least 8');
    expect(res.out).not.toContain('API listening');
  }, 30_000);
});
