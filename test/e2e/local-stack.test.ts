import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack';
import { ownBuildRoot } from '../support/build-root';

/**
 * The app as `npm start` runs it: bundled functions under local/fc, real HTTP, real SDKs, emulators.
 * Instances boot in one second of real time here; everything else is the production path.
 */
const TOKEN = 'e2e-token-0123456789';
const buildRoot = ownBuildRoot();

async function api(stack: LocalStack, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: (await res.json()) as any };
}

async function waitFor(stack: LocalStack, id: string, status: string, seconds: number) {
  const until = Date.now() + seconds * 1000;
  let last: any;
  while (Date.now() < until) {
    last = (await api(stack, 'GET', `/batches/${id}?wait=5`)).json;
    if (last.status === status) return last;
  }
  throw new Error(`batch ${id} is ${last?.status}, expected ${status}`);
}

describe('the local stack (npm start)', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, token: TOKEN, bootSeconds: 1, timers: false, buildRoot });
  }, 60_000);
  afterAll(() => stack?.close());

  it('creates a batch over HTTP and the watch sees it Running within seconds', async () => {
    const created = await api(stack, 'POST', '/batches', { profile: 'demo', amount: 3 }, { 'idempotency-key': 'e2e-1' });
    expect(created.status).toBe(202);
    const started = Date.now();
    const done = await waitFor(stack, created.json.id, 'RUNNING', 30);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(done.instances).toHaveLength(3);
    for (const i of done.instances) {
      expect(i.privateIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(i.publicIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    }
    const again = await api(stack, 'POST', '/batches', { profile: 'demo', amount: 3 }, { 'idempotency-key': 'e2e-1' });
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(created.json.id);
    expect(stack.ecsControl!.instances()).toHaveLength(3);
  }, 60_000);

  it('answers bad input with a JSON 4xx through the FC HTTP trigger', async () => {
    const res = await fetch(`${stack.apiUrl}/batches`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{"amount":' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe('invalid_request');
    expect((await api(stack, 'GET', '/batches', undefined, { authorization: 'Bearer wrong-token-123' })).status).toBe(401);
  });
});

describe('the local stack without the fast path', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, token: TOKEN, bootSeconds: 1, timers: false, env: { SWEEPER_FUNCTION: 'none' }, buildRoot });
  }, 60_000);
  afterAll(() => stack?.close());

  it('leaves the batch to the timer, which ends it Running', async () => {
    const created = await api(stack, 'POST', '/batches', { profile: 'demo', amount: 2 });
    expect(created.json.status).toBe('PENDING');
    await new Promise((r) => setTimeout(r, 1_500));
    // The batch becomes due 5 s after submission: fire the sweep timer until it has been seen.
    const until = Date.now() + 30_000;
    let status = 'PENDING';
    while (status !== 'RUNNING' && Date.now() < until) {
      const run = await stack.fc.fireTimer('ecs-batch-sweeper', 'sweep');
      await run.done;
      status = (await api(stack, 'GET', `/batches/${created.json.id}`)).json.status;
      if (status !== 'RUNNING') await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(status).toBe('RUNNING');
    expect(stack.fc.stats['ecs-batch-sweeper'].invocations.async).toBe(0);
  }, 60_000);
});

describe('npm start after a restart', () => {
  let dataDir: string;
  let stack: LocalStack | undefined;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ecs-batch-restart-'));
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sweeps once at start, so a batch that came due while it was down does not wait for the timer', async () => {
    // First run: no fast path, no timers and no ECS events, so the batch is left PENDING in .local-data.
    // (With events, its Running event could end it before the stop; a lost one waits for the 2-minute look.)
    stack = await startLocalStack({ port: 0, token: TOKEN, bootSeconds: 1, dataDir, timers: false, events: false, env: { SWEEPER_FUNCTION: 'none' }, buildRoot });
    const created = await api(stack, 'POST', '/batches', { profile: 'demo', amount: 2 });
    expect(created.json.status).toBe('PENDING');
    const due = Date.parse(created.json.createdAt) + 6_000; // a new batch is first due 5 s after submission
    await stack.close();
    stack = undefined;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    // Second run: the sweep timer would next fire in an hour.
    stack = await startLocalStack({ port: 0, token: TOKEN, bootSeconds: 1, dataDir, sweepSeconds: 3_600, env: { SWEEPER_FUNCTION: 'none' }, buildRoot });
    const done = await waitFor(stack, created.json.id, 'RUNNING', 30);
    expect(done.instances).toHaveLength(2);
    expect(stack.fc.stats['ecs-batch-sweeper'].invocations.timer).toBe(1);
  }, 120_000);
});
