import { randomUUID } from 'node:crypto';
import { api, ApiError, Unreachable, type Api } from './api';
import { parseCommandLine, untilToIso, USAGE, UsageError, type Command, type Global } from './args';
import { EXIT, exitForStatus, type ExitCode } from './exit-codes';
import { batchText, elapsed, listText, progressText, type BatchLike } from './output';

/** Where the CLI reads and writes: the real process, or a test's buffers. */
export interface Io {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal: the live progress line (\r) only goes to one. */
  tty: boolean;
  /** Whether stdout is a terminal: tables with headers, else tab-separated lines. */
  stdoutTty: boolean;
  now: () => number;
}

const TERMINAL = new Set(['RUNNING', 'PARTIAL', 'FAILED', 'TIMED_OUT', 'CANCELLED']);
/** Server-side long-poll per request; the API's maximum. */
const WAIT_SECONDS = 25;
/** Consecutive failed looks (no answer, 5xx) before --wait gives up. */
const MAX_FAILED_LOOKS = 6;

/** Run one command line; resolves to the exit code. Never throws: every failure is a message and a code. */
export async function run(argv: string[], io: Io): Promise<ExitCode> {
  let command: Command;
  let global: Global;
  try {
    ({ command, global } = parseCommandLine(argv));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`ecs-batch: ${e.message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (command.kind === 'help') {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  const url = global.url ?? io.env.ECS_BATCH_URL;
  const token = global.token ?? io.env.ECS_BATCH_TOKEN;
  if (!url) {
    io.stderr(`ecs-batch: no API URL: set ECS_BATCH_URL or pass --url\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  try {
    new URL(url);
  } catch {
    io.stderr(`ecs-batch: --url / ECS_BATCH_URL "${url}" is not a URL\n`);
    return EXIT.usage;
  }
  if (!token) {
    io.stderr('ecs-batch: no token: set ECS_BATCH_TOKEN or pass --token (npm start prints one)\n');
    return EXIT.auth;
  }
  try {
    return await execute(command, global, api(url, token), io);
  } catch (e) {
    return failure(e, io);
  }
}

function failure(e: unknown, io: Io): ExitCode {
  if (e instanceof ApiError) {
    const fields = e.body.details?.fields ?? (e.body.details?.field ? [{ field: e.body.details.field, message: '' }] : []);
    const lines = [`ecs-batch: ${e.body.message} (${e.status} ${e.body.code})`, ...fields.map((f) => `  ${f.field}${f.message ? `: ${f.message}` : ''}`)];
    if (e.body.details?.ecsCode) lines.push(`  ECS: ${e.body.details.ecsCode}`);
    io.stderr(`${lines.join('\n')}\n`);
    if (e.status === 401 || e.status === 403) return EXIT.auth;
    return e.status >= 500 ? EXIT.unreachable : EXIT.refused;
  }
  if (e instanceof Unreachable) {
    io.stderr(`ecs-batch: ${e.message}\n`);
    return EXIT.unreachable;
  }
  io.stderr(`ecs-batch: ${e instanceof Error ? e.message : String(e)}\n`);
  return EXIT.refused;
}

async function execute(c: Exclude<Command, { kind: 'help' }>, g: Global, a: Api, io: Io): Promise<ExitCode> {
  const print = (b: BatchLike) => io.stdout(`${g.json ? JSON.stringify(b, null, 2) : batchText(b, io.stdoutTty)}\n`);
  switch (c.kind) {
    case 'up': {
      const body = {
        profile: c.profile,
        amount: c.amount,
        ...(c.releaseAfter ? { releaseAfter: c.releaseAfter } : {}),
        ...(c.until ? { releaseAt: untilToIso(c.until, new Date(io.now())) } : {}),
        ...(c.name ? { name: c.name } : {}),
        ...(c.dryRun ? { dryRun: true } : {}),
      };
      // One key for this run (or the script's --key): a retry after no answer, or a rerun of the same
      // script line, returns the batch the first attempt made instead of launching a second fleet.
      const key = c.key ?? `cli-${randomUUID()}`;
      const res = await withRetry(() => a.request('POST', '/batches', { body, headers: { 'idempotency-key': key } }));
      if (c.dryRun) {
        const d = res.json as { wouldSucceed: boolean; offering?: { instanceType: string; zoneId: string }; error?: { code: string; message: string } };
        if (g.json) io.stdout(`${JSON.stringify(d, null, 2)}\n`);
        else io.stdout(d.wouldSucceed ? `dry run: ECS would launch ${c.amount} x ${d.offering?.instanceType} in ${d.offering?.zoneId}\n` : `dry run: ECS would refuse: ${d.error?.code ?? 'no offering has capacity'}${d.error ? `: ${d.error.message}` : ''}\n`);
        return d.wouldSucceed ? EXIT.ok : EXIT.failed;
      }
      const batch = res.json as BatchLike;
      if (!g.json) io.stderr(`${res.status === 200 ? 'already launched with this key' : 'launched'}: ${batch.id}\n`);
      return c.wait ? follow(a, batch, g, io) : (print(batch), exitForStatus(batch.status));
    }
    case 'ls': {
      const res = await a.request('GET', '/batches', { query: { status: c.status, owner: c.owner, limit: c.limit === undefined ? undefined : String(c.limit) } });
      io.stdout(g.json ? `${JSON.stringify(res.json, null, 2)}\n` : `${listText(res.json.batches, io.stdoutTty)}\n`);
      return EXIT.ok;
    }
    case 'show': {
      const res = await a.request('GET', `/batches/${encodeURIComponent(c.id)}`);
      if (c.wait) return follow(a, res.json, g, io);
      print(res.json);
      return exitForStatus(res.json.status);
    }
    case 'cancel': {
      const res = await a.request('POST', `/batches/${encodeURIComponent(c.id)}/cancel`, { body: { release: c.release } });
      print(res.json);
      return EXIT.ok;
    }
    case 'release': {
      const res = await a.request('POST', `/batches/${encodeURIComponent(c.id)}/release`, { body: {} });
      print(res.json);
      if (!g.json && res.status === 202) io.stderr('some instances are still being released; the sweeper finishes it (show <id> to see each one)\n');
      return EXIT.ok;
    }
    case 'extend': {
      const body = c.releaseAfter ? { releaseAfter: c.releaseAfter } : { releaseAt: untilToIso(c.until!, new Date(io.now())) };
      const res = await a.request('POST', `/batches/${encodeURIComponent(c.id)}/release-at`, { body });
      print(res.json);
      const failed = (res.json.failed ?? []) as Array<{ instanceId: string; code: string; gone?: boolean }>;
      for (const f of failed) io.stderr(`not moved: ${f.instanceId} (${f.gone ? 'no longer exists' : f.code})\n`);
      // Instances that are gone need no time; one ECS refused does: that is a refusal.
      return failed.some((f) => !f.gone) ? EXIT.refused : EXIT.ok;
    }
  }
}

/** A call that may be repeated safely (a GET, or a POST carrying its Idempotency-Key): retried when there is no answer or a 5xx. */
async function withRetry<T>(f: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await f();
    } catch (e) {
      const transient = e instanceof Unreachable || (e instanceof ApiError && e.status >= 500);
      if (!transient || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 500 * 2 ** (i - 1)));
    }
  }
}

/**
 * Follow a batch with the long-poll until it ends. On a terminal: one live line (counts per state, elapsed
 * time) rewritten in place, then the outcome. Elsewhere: one plain line per change. --json prints only the
 * final batch on stdout.
 */
async function follow(a: Api, first: BatchLike, g: Global, io: Io): Promise<ExitCode> {
  const started = io.now();
  let batch = first;
  let last = '';
  let failures = 0;
  const show = () => {
    const line = progressText(batch, io.now() - started);
    const key = `${batch.status} ${JSON.stringify(batch.counts)}`;
    if (io.tty) io.stderr(`\r\x1b[2K${line}`);
    else if (key !== last) io.stderr(`${line}\n`);
    last = key;
  };
  show();
  while (!TERMINAL.has(batch.status)) {
    try {
      batch = (await a.request('GET', `/batches/${encodeURIComponent(batch.id)}`, { query: { wait: String(WAIT_SECONDS) }, timeoutMs: (WAIT_SECONDS + 15) * 1000 })).json;
      failures = 0;
    } catch (e) {
      const transient = e instanceof Unreachable || (e instanceof ApiError && e.status >= 500);
      if (!transient || ++failures >= MAX_FAILED_LOOKS) {
        if (io.tty) io.stderr('\n');
        throw e;
      }
      await new Promise((r) => setTimeout(r, 1_000 * failures));
    }
    show();
  }
  if (io.tty) io.stderr('\n');
  if (g.json) io.stdout(`${JSON.stringify(batch, null, 2)}\n`);
  else io.stdout(`${batchText(batch, io.stdoutTty)}\n${batch.status.toLowerCase().replace('_', ' ')} after ${elapsed(io.now() - started)}\n`);
  return exitForStatus(batch.status);
}
