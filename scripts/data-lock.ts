import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * One `npm start` per data folder: two stacks on one `.local-data/` write the same emulator files and
 * corrupt them (two fleets under one batch id, a batch lost). The lock is the directory `<dir>/.lock`
 * holding `owner.json` (pid, host, start time, a random nonce). It is created by renaming a fully written
 * temporary directory onto that name, which fails while the lock exists, so no one ever sees a lock
 * without its owner.
 *
 * A lock whose process is gone (same host, `kill(pid, 0)` answers ESRCH) is taken over: it is renamed
 * aside, and removed only if what was moved is that same dead lock (same nonce); if a starter racing us
 * got there first, what we moved is its fresh lock and it is put back. The one case this cannot repair
 * (a third starter creating a lock in that instant) leaves two starters each believing it holds the
 * lock, so a holder calls `verify()` once it is up and refuses to go on unless the lock is still its own.
 * A lock from another host cannot be checked and is never taken over.
 */

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  nonce: string;
}

export class DataDirLocked extends Error {
  override name = 'DataDirLocked';
  constructor(
    readonly dir: string,
    readonly holder: LockHolder | undefined,
    reason?: string,
  ) {
    super(reason ?? refusal(dir, holder));
  }
}

function refusal(dir: string, h: LockHolder | undefined): string {
  const lock = join(dir, '.lock');
  const who = h
    ? `pid ${h.pid} on ${h.host}${h.host === hostname() ? '' : ' (another machine: whether it still runs cannot be checked from here)'}, started ${h.startedAt}`
    : 'a holder whose lock file cannot be read';
  return `${dir} is in use by another npm start: ${who}. Stop that one first, or start this one with \`npm start -- --ephemeral\`. If no such process runs, delete ${lock}.`;
}

export interface DataDirLock {
  readonly holder: LockHolder;
  /** Throws DataDirLocked unless the lock is still ours (call it once the stack is up). */
  verify(): void;
  /** Give the lock up, if it is still ours. */
  release(): void;
}

const LOCK = '.lock';
const OWNER = 'owner.json';

function readHolder(lockDir: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(join(lockDir, OWNER), 'utf8')) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.startedAt === 'string' && typeof h.nonce === 'string') return h as LockHolder;
  } catch {
    // missing (released a moment ago) or not ours to read: treated as unknown below
  }
  return undefined;
}

/** Whether the holder may still run: only a process on this host that `kill(pid, 0)` cannot find is dead. */
function mayBeAlive(h: LockHolder): boolean {
  if (h.host !== hostname()) return true;
  try {
    process.kill(h.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;
const nonce = () => randomBytes(8).toString('hex');

/** Rename a directory out of the way and delete it; false if it was not there. */
function moveAside(from: string): string | undefined {
  const aside = `${from}.gone-${nonce()}`;
  try {
    renameSync(from, aside);
    return aside;
  } catch (e) {
    if (code(e) === 'ENOENT') return undefined;
    throw e;
  }
}

function tryCreate(lockDir: string, me: LockHolder): boolean {
  const tmp = `${lockDir}.new-${me.nonce}`;
  mkdirSync(tmp);
  writeFileSync(join(tmp, OWNER), JSON.stringify(me));
  try {
    renameSync(tmp, lockDir);
    return true;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (code(e) === 'ENOTEMPTY' || code(e) === 'EEXIST') return false;
    throw e;
  }
}

/** Remove the lock iff it is still the dead holder's; put back a fresh one we moved by mistake. */
function takeOver(lockDir: string, dead: LockHolder): void {
  const aside = moveAside(lockDir);
  if (!aside) return;
  if (readHolder(aside)?.nonce === dead.nonce) {
    rmSync(aside, { recursive: true, force: true });
    return;
  }
  try {
    renameSync(aside, lockDir);
  } catch {
    rmSync(aside, { recursive: true, force: true }); // its owner's verify() will notice
  }
}

/** Take the lock on `dir` (created if missing) or throw DataDirLocked naming the holder. */
export function lockDataDir(dir: string): DataDirLock {
  mkdirSync(dir, { recursive: true });
  const lockDir = join(dir, LOCK);
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), nonce: nonce() };
  let holder: LockHolder | undefined;
  for (let attempt = 0; attempt < 10; attempt++) {
    if (tryCreate(lockDir, me)) {
      return {
        holder: me,
        verify() {
          const now = readHolder(lockDir);
          if (now?.nonce !== me.nonce) throw new DataDirLocked(dir, now, `another npm start took ${dir} at the same moment${now ? ` (pid ${now.pid} on ${now.host})` : ''}; this one stops`);
        },
        release() {
          if (readHolder(lockDir)?.nonce !== me.nonce) return;
          const aside = moveAside(lockDir);
          if (aside) rmSync(aside, { recursive: true, force: true });
        },
      };
    }
    holder = readHolder(lockDir);
    if (holder && mayBeAlive(holder)) throw new DataDirLocked(dir, holder);
    if (holder) takeOver(lockDir, holder);
    // Unreadable: released or being taken over this very moment; look again shortly.
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  throw new DataDirLocked(dir, holder);
}
