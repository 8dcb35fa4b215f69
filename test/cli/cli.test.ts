import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handle } from '../../functions/api/app';
import type { AppDeps } from '../../functions/api/deps';
import { run, type Io } from '../../cli/main';
import { EXIT } from '../../cli/exit-codes';
import { sweep } from '../../functions/sweeper/sweep';
import { appDeps, call, startStack, TOKENS, type Stack } from '../support/stack';

/*
 * The CLI against the API over real HTTP (a node:http server around the api handler, on both emulators).
 * One test per exit code; `up --wait` against the stack as `npm start` builds it is in test/e2e/cli.test.ts.
 */

let s: Stack;
let deps: AppDeps;
let server: Server;
let url: string;
let seq = 0;
beforeAll(async () => {
  s = await startStack({ bootSeconds: 1 });
  deps = appDeps(s, { pollMs: 20 });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://localhost');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
      void handle(deps, { method: req.method ?? 'GET', path: u.pathname, query: Object.fromEntries(u.searchParams), headers, body: Buffer.concat(chunks), requestId: `cli-${++seq}` }).then((r) =>
        res.writeHead(r.statusCode, r.headers).end(r.body),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await s.close();
});
beforeEach(() => s.reset());

interface Ran {
  code: number;
  out: string;
  err: string;
}

async function cli(argv: string[], opts: { token?: string | null; url?: string; tty?: boolean } = {}): Promise<Ran> {
  let out = '';
  let err = '';
  const token = opts.token === null ? undefined : (opts.token ?? TOKENS.admin);
  const io: Io = {
    env: { ECS_BATCH_URL: opts.url ?? url, ...(token ? { ECS_BATCH_TOKEN: token } : {}) },
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    tty: opts.tty ?? false,
    stdoutTty: opts.tty ?? false,
    now: () => s.clock.now(),
  };
  const code = await run(argv, io);
  return { code, out, err };
}

const runSweep = () => sweep({ ...s, post: async () => undefined, owner: 'sweeper-1', leaseMs: 60_000, concurrency: 4 }, s.clock.now() + 60_000);
const batchId = (text: string) => /b-[0-9a-f]{24}/.exec(text)![0];
async function sweepUntilEnded(id: string, stepMs = 3_000) {
  for (let i = 0; i < 30; i++) {
    const b = await s.store.getBatch(id);
    if (b && !['SUBMITTING', 'PENDING'].includes(b.status)) return b;
    s.clock.advance(stepMs);
    await runSweep();
  }
  throw new Error(`batch ${id} did not end`);
}

describe('ecs-batch exit codes', () => {
  it('0: up launches a batch and shows it; a rerun with the same --key returns the same batch', async () => {
    const first = await cli(['up', 'demo', '2', '--for', '2h', '--key', 'nightly-7']);
    expect(first.code).toBe(EXIT.ok);
    const id = batchId(first.out);
    expect(first.out).toMatch(/PENDING/);
    const again = await cli(['up', 'demo', '2', '--for', '2h', '--key', 'nightly-7']);
    expect(again.code).toBe(EXIT.ok);
    expect(batchId(again.out)).toBe(id);
    expect(again.err).toContain('already launched with this key');
    expect(s.ecsEmu.control.instances()).toHaveLength(2);
  });

  it('0 with --wait: follows the long-poll to RUNNING, one plain line per change when piped; --json prints the final batch', async () => {
    const driving = (async () => {
      for (let i = 0; i < 40 && !(await s.store.listBatches(undefined, { limit: 1 })).batches.some((b) => b.status === 'RUNNING'); i++) {
        await new Promise((r) => setTimeout(r, 50));
        s.clock.advance(1_000);
        await runSweep();
      }
    })();
    const res = await cli(['up', 'demo', '2', '--wait', '--json']);
    await driving;
    expect(res.code).toBe(EXIT.ok);
    const final = JSON.parse(res.out);
    expect(final.status).toBe('RUNNING');
    expect(final.instances).toHaveLength(2);
    const lines = res.err.trim().split('\n');
    expect(lines[0]).toMatch(/^b-[0-9a-f]{24} PENDING Pending 2 /);
    expect(lines.at(-1)).toMatch(/RUNNING Running 2/);
    expect(new Set(lines.map((l) => l.replace(/ \S+$/, ''))).size).toBe(lines.length); // no repeats
    expect(res.err).not.toContain('\r');
  });

  it('1: the API refused it (unknown batch, bad request): its message and field, no stack trace', async () => {
    const missing = await cli(['show', 'b-000000000000000000000000']);
    expect(missing.code).toBe(EXIT.refused);
    expect(missing.err).toContain('no such batch (404 not_found)');
    const bad = await cli(['up', 'nosuch', '2']);
    expect(bad.code).toBe(EXIT.refused);
    expect(bad.err).toMatch(/profile: no profile named "nosuch"/);
    expect(bad.err).not.toMatch(/at .*\.ts:\d+/);
  });

  it('2: bad flags print the usage', async () => {
    for (const argv of [['up', 'demo', '3', '--fro', '9h'], ['frobnicate'], ['up', 'demo', 'x'], ['extend', 'b-1']]) {
      const res = await cli(argv);
      expect(res.code).toBe(EXIT.usage);
      expect(res.err).toContain('usage: ecs-batch <command>');
    }
    expect((await cli(['ls'], { url: 'not a url' })).code).toBe(EXIT.usage);
    expect(s.ecsEmu.control.instances()).toHaveLength(0);
  });

  it('3: a batch that ended PARTIAL', async () => {
    const id = batchId((await cli(['up', 'demo', '3'])).out);
    s.ecsEmu.control.vanish({ instanceIds: [s.ecsEmu.control.instances()[0].instanceId] });
    await sweepUntilEnded(id, 20_000);
    const res = await cli(['show', id]);
    expect(res.out).toContain('PARTIAL');
    expect(res.code).toBe(EXIT.partial);
  });

  it('4: a batch that ended FAILED (ECS refused it)', async () => {
    s.ecsEmu.control.setQuota({ instances: 0 });
    const res = await cli(['up', 'demo', '2', '--wait']);
    expect(res.code).toBe(EXIT.failed);
    expect(res.out).toMatch(/FAILED\tno instances yet\tQuotaExceed/);
  });

  it('5: a batch that ended TIMED_OUT', async () => {
    s.ecsEmu.control.hold({ allNew: true });
    const created = await call(deps, 'POST', '/batches', { token: TOKENS.admin, body: { profile: 'demo', amount: 1, deadlineSeconds: 60 } });
    await sweepUntilEnded(created.json.id, 20_000);
    const res = await cli(['show', created.json.id]);
    expect(res.code).toBe(EXIT.timedOut);
  });

  it('6: a cancelled batch; cancel itself ends 0', async () => {
    const id = batchId((await cli(['up', 'demo', '1'])).out);
    const cancelled = await cli(['cancel', id]);
    expect(cancelled.code).toBe(EXIT.ok);
    expect((await cli(['show', id])).code).toBe(EXIT.cancelled);
  });

  it('7: no token, an unknown one, or one whose scope forbids it', async () => {
    expect((await cli(['ls'], { token: null })).code).toBe(EXIT.auth);
    const wrong = await cli(['ls'], { token: 'not-a-real-token-123' });
    expect(wrong.code).toBe(EXIT.auth);
    expect(wrong.err).toContain('401 unauthorized');
    expect((await cli(['ls', '--owner', 'someone-else'])).code).toBe(EXIT.auth);
  });

  it('8: the API cannot be reached', async () => {
    const res = await cli(['ls'], { url: 'http://127.0.0.1:9' });
    expect(res.code).toBe(EXIT.unreachable);
    expect(res.err).toContain('cannot reach http://127.0.0.1:9');
  });
});

describe('ecs-batch commands', () => {
  it('ls lists summaries (tab-separated when piped), release deletes, extend moves the release time', async () => {
    const id = batchId((await cli(['up', 'demo', '2', '--for', '2h'])).out);
    await sweepUntilEnded(id);
    const ls = await cli(['ls']);
    expect(ls.out.trim().split('\t').slice(0, 2)).toEqual([id, 'RUNNING']);
    const extended = await cli(['extend', id, '--for', '5h']);
    expect(extended.code).toBe(EXIT.ok);
    for (const i of s.ecsEmu.control.instances()) expect(Date.parse(i.autoReleaseAt!) - s.clock.now()).toBeGreaterThan(4.9 * 3600_000);
    const released = await cli(['release', id, '--json']);
    expect(released.code).toBe(EXIT.ok);
    expect(JSON.parse(released.out).counts).toEqual({ Released: 2 });
    expect(s.ecsEmu.control.instances().map((i) => i.fate)).toEqual(['deleted', 'deleted']);
  });

  it('on a terminal, shows one live progress line rewritten in place and a table', async () => {
    const id = batchId((await cli(['up', 'demo', '1'])).out);
    const driving = (async () => {
      await new Promise((r) => setTimeout(r, 50));
      await sweepUntilEnded(id);
    })();
    const res = await cli(['show', id, '--wait'], { tty: true });
    await driving;
    expect(res.code).toBe(EXIT.ok);
    expect(res.err).toContain('\r\x1b[2K');
    expect(res.err.trim().split('\n')).toHaveLength(1);
    expect(res.out).toMatch(/INSTANCE\s+STATE\s+ZONE/);
    expect(res.out).toMatch(/running after/);
  });
});
