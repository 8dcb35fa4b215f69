import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DataDirLocked, lockDataDir } from '../../scripts/data-lock';
import { startLocalStack } from '../../scripts/local-stack';
import { ownBuildRoot } from '../support/build-root';

/**
 * Two `npm start` on one `.local-data/` corrupt it, so the folder is locked. Real processes here: each
 * holder is a spawned node that takes the lock and keeps it until it is killed.
 */

const ROOT = join(__dirname, '..', '..');
const children: ChildProcess[] = [];
const buildRoot = ownBuildRoot();
let dir: string;

interface Line {
  ok?: boolean;
  pid?: number;
  message?: string;
  verified?: boolean;
}

/** Start a holder; resolves with its process and a reader of its JSON lines. */
function holder(verifyAfterMs = 300) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/support/lock-holder.ts'), dir, String(verifyAfterMs)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const lines: Line[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(JSON.parse(l) as Line);
    waiters.splice(0).forEach((w) => w());
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  /** The n-th line (from 0), or undefined if the process exits first. */
  const line = async (n: number): Promise<Line | undefined> => {
    while (lines.length <= n) {
      const more = new Promise<void>((r) => waiters.push(r));
      if ((await Promise.race([more.then(() => 'line'), exited.then(() => 'exit')])) === 'exit' && lines.length <= n) return undefined;
    }
    return lines[n];
  };
  return { child, line, exited };
}

const kill = async (h: ReturnType<typeof holder>) => {
  h.child.kill('SIGKILL');
  await h.exited;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecs-batch-lock-'));
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('the .local-data lock', () => {
  it('refuses a second holder with a message naming the first: pid, host and start time', async () => {
    const first = holder();
    expect(await first.line(0)).toEqual({ ok: true, pid: first.child.pid });
    const second = holder();
    const refused = await second.line(0);
    expect(await second.exited).toBe(3);
    expect(refused!.ok).toBe(false);
    expect(refused!.message).toContain(`pid ${first.child.pid}`);
    expect(refused!.message).toContain(hostname());
    expect(refused!.message).toMatch(/started \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    expect(refused!.message).toContain('--ephemeral');
    // In this process too, and the refusal is a DataDirLocked carrying the holder.
    let error: unknown;
    try {
      lockDataDir(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataDirLocked);
    expect((error as DataDirLocked).holder).toMatchObject({ pid: first.child.pid, host: hostname() });
  }, 30_000);

  it('takes over the lock of a process that died, and gives it back on release', async () => {
    const dead = holder();
    expect((await dead.line(0))!.ok).toBe(true);
    await kill(dead);
    const lock = lockDataDir(dir);
    expect(() => lock.verify()).not.toThrow();
    const next = holder();
    expect((await next.line(0))!.message).toContain(`pid ${process.pid}`);
    lock.release();
    const after = holder();
    expect(await after.line(0)).toEqual({ ok: true, pid: after.child.pid });
  }, 30_000);

  it('lets exactly one of several starters take over a dead holder\'s lock at once', async () => {
    const dead = holder();
    expect((await dead.line(0))!.ok).toBe(true);
    await kill(dead);
    const racers = Array.from({ length: 4 }, () => holder(1_000));
    const first = await Promise.all(racers.map((r) => r.line(0)));
    const winners = racers.filter((_, i) => first[i]?.ok === true);
    expect(winners.length).toBeGreaterThanOrEqual(1);
    // A starter that took the lock checks it still has it once it is up; exactly one does.
    const verified = await Promise.all(winners.map((w) => w.line(1)));
    expect(verified.filter((v) => v?.verified === true)).toHaveLength(1);
    const holderPid = winners[verified.findIndex((v) => v?.verified === true)]!.child.pid;
    for (const r of first) if (r?.ok === false) expect(r.message).toMatch(/pid \d+/);
    // Whoever holds it now is the one a newcomer is told about.
    expect((await holder().line(0))!.message).toContain(`pid ${holderPid}`);
  }, 60_000);

  it('makes a second local stack on the same folder refuse before it starts anything', async () => {
    const stack = await startLocalStack({ port: 0, token: 'lock-test-token-0123', dataDir: dir, timers: false, buildRoot });
    try {
      await expect(startLocalStack({ port: 0, token: 'lock-test-token-0123', dataDir: dir, timers: false, buildRoot })).rejects.toThrow(`pid ${process.pid}`);
      expect((await fetch(`${stack.apiUrl}/healthz`)).status).toBe(200);
    } finally {
      await stack.close();
    }
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  }, 60_000);
});
