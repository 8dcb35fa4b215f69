import { seededRandom, type Random } from '../../local/common/random';
import { handle } from '../../functions/api/app';
import type { AppDeps } from '../../functions/api/deps';
import type { HttpRequest } from '../../functions/api/http';
import { clientToken, isTerminal, type Batch } from '../../functions/core/batch';
import { LaunchProfileSchema, type Profiles } from '../../functions/core/profile';
import { needsRelease } from '../../functions/core/release';
import { sweep, watch, type SweepDeps } from '../../functions/sweeper/sweep';
import { handleEcsEvent } from '../../functions/sweeper/events';
import { parseEcsEvent } from '../../functions/sweeper/ecs-event';
import { appDeps, startStack, TOKENS, type Stack } from '../support/stack';
import { profiles as baseProfiles } from '../support/profiles';
import { Life, mortal } from './mortal';

export interface ChaosOptions {
  seed: number;
  batches: number;
  maxAmount: number;
  /** Probability that a simulated process dies at each port call. */
  crash: number;
  /** Scale of injected cloud faults (0 = none, 1 = the default mix). */
  faults: number;
}

export interface ChaosReport {
  seed: number;
  batches: number;
  instances: number;
  duplicates: number;
  orphans: number;
  stuck: number;
  undelivered: number;
  inconsistent: number;
  /** Batches a listing page skipped although it answered 200. */
  unlisted: number;
  crashes: number;
  /** ECS events the emulator published, dropped and duplicated, and deliveries handled. */
  events: { published: number; dropped: number; duplicated: number; handled: number };
  outcomes: Record<string, number>;
  problems: string[];
}

const STEP_MS = 5_000;
const SECRET = 'chaos-callback-secret-0123456789';

const chaosProfiles: Profiles = {
  ...baseProfiles,
  spot: LaunchProfileSchema.parse({
    ...baseProfiles.demo,
    instanceTypes: ['ecs.c7.large', 'ecs.t6-c1m1.large'],
    vSwitches: [
      { id: 'vsw-local-i', zoneId: 'cn-hangzhou-i' },
      { id: 'vsw-local-j', zoneId: 'cn-hangzhou-j' },
    ],
    billing: { chargeType: 'PostPaid', spotStrategy: 'SpotAsPriceGo' },
  }),
};

const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

/**
 * One chaos run: random batches through the api while two to four sweepers overlap, the stand-ins inject
 * faults by seed and processes die at random points; then the faults stop, the sweeper finishes, and the
 * invariants are checked against the emulators' own records.
 */
export async function chaosRun(o: ChaosOptions, stack?: Stack): Promise<ChaosReport> {
  const s = stack ?? (await startStack({ seed: o.seed }));
  try {
    await s.reset();
    return await run(o, s);
  } finally {
    if (!stack) await s.close();
  }
}

async function run(o: ChaosOptions, s: Stack): Promise<ChaosReport> {
  const r = seededRandom(o.seed);
  const crashes = { count: 0 };
  const problems: string[] = [];
  const received = new Map<string, number>();
  let failNext = 0;
  const post = async (_url: string, body: string, headers: Record<string, string>) => {
    // The receiver fails now and then: delivery must be retried, and counted once per delivery id.
    if (r() < 0.2 * o.faults || failNext-- > 0) throw new Error('receiver answered 500');
    const id = headers['x-ecs-batch-delivery'];
    if (!id || !body.includes(id)) problems.push(`callback without its delivery id: ${id}`);
    received.set(id, (received.get(id) ?? 0) + 1);
  };

  s.ecsEmu.control.setQuota({ instances: 100_000 });
  if (o.faults > 0) {
    const f = o.faults;
    s.ecsEmu.control.addFault({ action: '*', kind: 'throttle', probability: 0.05 * f, retryAfterMs: 5 });
    s.ecsEmu.control.addFault({ action: '*', kind: 'internalError', probability: 0.03 * f });
    s.ecsEmu.control.addFault({ action: '*', kind: 'answerLost', probability: 0.03 * f });
    // x-acs-retry-after on answers that are not Throttling: honoured whatever the code.
    s.ecsEmu.control.addFault({ action: '*', kind: 'serviceUnavailable', probability: 0.01 * f, retryAfterMs: 5 });
    s.ecsEmu.control.addFault({ action: 'RunInstances', kind: 'error', code: 'OperationDenied.NoStock', probability: 0.01 * f, retryAfterMs: 5 });
    s.ecsEmu.control.addFault({ action: 'DescribeInstances', kind: 'noAnswer', probability: 0.003 * f });
    if (r() < 0.5) s.ecsEmu.control.setStock({ zoneId: 'cn-hangzhou-h', instanceType: 'ecs.g7.large', available: Math.floor(r() * 150) });
    // QuotaExceed.ElasticQuota: an instance type's regional quota, or a zone's vCPUs, running out mid-run.
    if (r() < 0.3) s.ecsEmu.control.setQuota({ instanceTypes: { 'ecs.g7.large': Math.floor(r() * 300) } });
    if (r() < 0.3) s.ecsEmu.control.setQuota({ zoneVcpus: { 'cn-hangzhou-i': 2 * Math.floor(r() * 200) } });
    s.ecsEmu.control.vanish({ next: 1 + Math.floor(r() * 5), afterSeconds: 8 });
    s.tsEmu.control.addFault({ kind: 'serverBusy', operation: '*', probability: 0.03 * f });
    s.tsEmu.control.addFault({ kind: 'rowConflict', operation: 'UpdateRow', probability: 0.03 * f });
    // A lost answer after the write was applied, on every kind of write the app makes (and reads).
    s.tsEmu.control.addFault({ kind: 'lostAnswer', operation: '*', probability: 0.02 * f });
    for (const operation of ['PutRow', 'UpdateRow', 'DeleteRow']) s.tsEmu.control.addFault({ kind: 'lostAnswer', operation, probability: 0.01 * f });
    s.tsEmu.control.addFault({ kind: 'noAnswer', operation: 'PutRow', probability: 0.002 * f });
  }

  const life = () => new Life(r, o.crash, crashes);
  const apiDeps = (l: Life): AppDeps => appDeps(s, { ecs: mortal(s.ecs, l), store: mortal(s.store, l), profiles: chaosProfiles, sleep: async () => undefined });
  const sweepDeps = (l: Life, owner: string): SweepDeps => ({
    ecs: mortal(s.ecs, l),
    store: mortal(s.store, l),
    clock: s.clock,
    log: s.log,
    post,
    callbackSecret: SECRET,
    owner,
    leaseMs: 60_000,
    concurrency: 4,
    events: mortal(s.events, l),
  });

  // ECS events through EventBridge, with its faults by seed: lost, repeated, late and out of order. Each
  // delivery is its own simulated process (it may die at any port call, like the others).
  const inflight = new Set<Promise<unknown>>();
  let handled = 0;
  s.ecsEmu.control.setEventSink((raw) => {
    const parsed = parseEcsEvent(JSON.parse(JSON.stringify(raw)));
    if (!parsed.ok) return void problems.push(`the emulator published an event we refuse: ${parsed.error}`);
    const l = life();
    const p = handleEcsEvent({ ...sweepDeps(l, `event-${parsed.event.key}`), events: mortal(s.events, l), sleep: (ms) => new Promise((w) => setTimeout(w, Math.min(ms, 5))) }, parsed.event, s.clock.now() + 50_000)
      .then(() => handled++)
      .catch(() => undefined);
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  });
  if (o.faults > 0) s.ecsEmu.control.configureEvents({ drop: 0.1 * o.faults, duplicate: 0.1 * o.faults, delayMs: 0, reorder: 0.2 * o.faults, reorderMs: 300, seed: o.seed });
  const settleEvents = async () => {
    await new Promise((w) => setTimeout(w, 20));
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
  };

  let seq = 0;
  async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, query: Record<string, string> = {}) {
    // A careful client: on no answer or a 5xx it retries the same request (same Idempotency-Key).
    for (let attempt = 0; attempt < 4; attempt++) {
      const l = life();
      const req: HttpRequest = {
        method,
        path,
        query,
        headers: { authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json', ...headers },
        body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
        requestId: `chaos-${o.seed}-${++seq}`,
      };
      const res = await handle(apiDeps(l), req);
      if (!l.dead && res.statusCode < 500) return { status: res.statusCode, json: JSON.parse(res.body) };
    }
    return undefined;
  }

  const ids = new Set<string>();
  const steps = 30;
  const submitAt = Array.from({ length: o.batches }, () => Math.floor(r() * 10));
  for (let step = 0; step < steps; step++) {
    const work: Array<Promise<unknown>> = [];
    for (let i = 0; i < o.batches; i++) {
      if (submitAt[i] !== step) continue;
      const profile = pick(r, ['demo', 'demo', 'spot']);
      const body = {
        profile,
        amount: 1 + Math.floor(r() * o.maxAmount),
        ...(r() < 0.1 ? { dryRun: true } : {}),
        ...(r() < 0.5 ? { callbackUrl: `https://hooks.example.com/cb/${i}` } : {}),
        ...(r() < 0.3 ? { replaceLost: true } : {}),
        deadlineSeconds: 300,
      };
      work.push(api('POST', '/batches', body, { 'idempotency-key': `chaos-${i}` }).then((res) => res?.status === 202 || res?.status === 200 ? res.json.id && ids.add(res.json.id) : undefined));
    }
    const sweepers = 2 + Math.floor(r() * 3);
    for (let k = 0; k < sweepers; k++) work.push(sweep(sweepDeps(life(), `sweeper-${step}-${k}`), s.clock.now() + 50_000).catch(() => undefined));
    // The fast path too: a watch (two looks, moving the shared clock by its sleep) overlapping the sweepers.
    work.push(watch(sweepDeps(life(), `watch-${step}`), s.clock.now() + 4_000, async (ms) => s.clock.advance(ms)).catch(() => undefined));
    if (step > 4 && r() < 0.15 && ids.size > 0) {
      const id = pick(r, [...ids]);
      work.push(api('POST', `/batches/${id}/cancel`, { release: r() < 0.5 }));
    }
    // An operator steering batches: release one whatever its state, cancel one again with release (issue
    // 12 item 13), or keep one longer. Each must be carried to the end despite the faults and crashes.
    if (step > 6 && r() < 0.12 && ids.size > 0) {
      const id = pick(r, [...ids]);
      const what = r();
      if (what < 0.4) work.push(api('POST', `/batches/${id}/release`, {}));
      else if (what < 0.7) work.push(api('POST', `/batches/${id}/cancel`, { release: true }));
      else work.push(api('POST', `/batches/${id}/release-at`, { releaseAfter: 'PT3H' }));
    }
    if (step > 3 && r() < 0.2 * o.faults) {
      const spot = s.ecsEmu.control.instances().filter((i) => i.fate === 'live' && i.instanceType !== 'ecs.g7.large');
      if (spot.length) {
        try {
          s.ecsEmu.control.reclaimSpot({ instanceId: pick(r, spot).instanceId, noticeSeconds: 10 });
        } catch {
          // not a spot instance (demo profile also uses c7): fine
        }
      }
    }
    await Promise.all(work);
    await settleEvents();
    s.clock.advance(STEP_MS);
  }
  // Events stop arriving (late ones are handled first); polling alone finishes the job.
  await new Promise((w) => setTimeout(w, 350));
  await settleEvents();
  const eventCounts = s.ecsEmu.control.events().counts;
  s.ecsEmu.control.setEventSink(undefined);
  await settleEvents();

  // Recovery: the cloud behaves again and one sweeper runs until every batch has ended and been told.
  s.ecsEmu.control.clearFaults();
  s.tsEmu.control.clearFaults();
  // Except for single rows of batch reads that fail inside an HTTP 200: listings must re-read them.
  if (o.faults > 0) s.tsEmu.control.addFault({ kind: 'rowError', operation: 'BatchGetRow', probability: 0.05 * o.faults });
  failNext = 0;
  const healthy = sweepDeps(new Life(r, 0, crashes), 'recovery');
  const all = () => readBatches(s);
  const horizon = s.clock.now() + 420_000;
  while (s.clock.now() < horizon) {
    await sweep(healthy, s.clock.now() + 50_000);
    const bs = all();
    if (bs.every((b) => isTerminal(b.status) && !needsRelease(b) && (!b.callback || b.callback.state === 'delivered' || b.callback.state === 'failed'))) break;
    s.clock.advance(STEP_MS * 2);
  }
  const listed = await listAll(api);
  const report = check(o, s, all(), received, crashes.count, problems, listed);
  return { ...report, events: { published: eventCounts.published, dropped: eventCounts.dropped, duplicated: eventCounts.duplicated, handled } };
}

type Api = (method: string, path: string, body?: unknown, headers?: Record<string, string>, query?: Record<string, string>) => Promise<{ status: number; json: any } | undefined>;

/** Every batch GET /batches lists, page by page, or undefined when a page could not be had. */
async function listAll(api: Api): Promise<Set<string> | undefined> {
  const out = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < 200; page++) {
    const res = await api('GET', '/batches', undefined, {}, { limit: '100', ...(cursor ? { cursor } : {}) });
    if (res?.status !== 200) return undefined;
    for (const b of res.json.batches as Array<{ id: string }>) out.add(b.id);
    cursor = res.json.cursor;
    if (!cursor) return out;
  }
  return undefined;
}

function readBatches(s: Stack): Batch[] {
  return (s.tsEmu.control.dumpTable(s.tables.batches) ?? []).map((row) => {
    const b = JSON.parse(String(row.columns.doc)) as Batch;
    b.version = Number(row.columns.version);
    return b;
  });
}

function check(o: ChaosOptions, s: Stack, batches: Batch[], received: Map<string, number>, crashes: number, problems: string[], listed: Set<string> | undefined): Omit<ChaosReport, 'events'> {
  const ledger = s.ecsEmu.control.instances();
  const byId = new Map(batches.map((b) => [b.id, b]));
  let duplicates = 0;
  let orphans = 0;
  let stuck = 0;
  let undelivered = 0;
  let inconsistent = 0;
  let unlisted = 0;
  const outcomes: Record<string, number> = {};

  const tokenOwner = new Map<string, { batch: Batch; chunk: number }>();
  for (const b of batches) {
    for (const c of b.chunks) for (let a = 0; a <= c.attempt; a++) tokenOwner.set(clientToken(b.id, c.index, a), { batch: b, chunk: c.index });
  }
  // duplicates: more instances created under a chunk's tokens than the chunk asked for
  const perChunk = new Map<string, number>();
  for (const i of ledger) {
    const owner = i.clientToken ? tokenOwner.get(i.clientToken) : undefined;
    if (!owner) {
      orphans++;
      problems.push(`instance ${i.instanceId} was created under an unknown ClientToken ${i.clientToken}`);
      continue;
    }
    const key = `${owner.batch.id}/${owner.chunk}`;
    perChunk.set(key, (perChunk.get(key) ?? 0) + 1);
  }
  for (const [key, n] of perChunk) {
    const [id, chunk] = key.split('/');
    const want = byId.get(id)!.chunks[Number(chunk)].amount;
    if (n > want) {
      duplicates += n - want;
      problems.push(`chunk ${key} has ${n} instances for ${want}`);
    }
  }
  // orphans: an instance its batch does not list
  for (const i of ledger) {
    const tag = i.tags.find((t) => t.key === 'ecs-batch:batch')?.value;
    const b = tag ? byId.get(tag) : undefined;
    if (!b || !b.instances.some((x) => x.instanceId === i.instanceId)) {
      orphans++;
      problems.push(`instance ${i.instanceId} (${i.fate}) is not tracked by batch ${tag}`);
    }
  }
  const known = new Map(ledger.map((i) => [i.instanceId, i]));
  for (const b of batches) {
    outcomes[b.status] = (outcomes[b.status] ?? 0) + 1;
    if (!isTerminal(b.status)) {
      stuck++;
      problems.push(`batch ${b.id} is still ${b.status}`);
    }
    if (needsRelease(b)) {
      stuck++;
      problems.push(`batch ${b.id} still owes the release of its instances`);
    }
    // A release that is done left nothing of the batch running, and says what became of each instance.
    if ((b.release?.releasedAt !== undefined || b.cancel?.released) && ledger.some((i) => i.fate === 'live' && i.tags.some((t) => t.key === 'ecs-batch:batch' && t.value === b.id))) {
      inconsistent++;
      problems.push(`batch ${b.id} was released but ECS still runs one of its instances`);
    }
    if ((b.release?.releasedAt !== undefined || b.cancel?.released) && b.instances.some((i) => i.state !== 'Released' && i.state !== 'Lost')) {
      inconsistent++;
      problems.push(`batch ${b.id} was released but shows an instance neither Released nor Lost`);
    }
    if (isTerminal(b.status) && b.callback && !received.has(b.callback.deliveryId)) {
      undelivered++;
      problems.push(`batch ${b.id} ended ${b.status} but its callback was never received (${b.callback.state})`);
    }
    for (const inst of b.instances) {
      if (!known.has(inst.instanceId)) {
        inconsistent++;
        problems.push(`batch ${b.id} lists ${inst.instanceId}, which ECS never created`);
      }
    }
    const alive = b.instances.filter((i) => i.state !== 'Lost' && i.state !== 'Reclaimed');
    // (A RUNNING batch released afterwards keeps its status; its instances say Released.)
    if (b.status === 'RUNNING' && !b.release && (alive.length !== b.amount || alive.some((i) => i.state !== 'Running'))) {
      inconsistent++;
      problems.push(`batch ${b.id} is RUNNING with ${alive.length} live instances for ${b.amount}`);
    }
  }
  // The daily allowance: every recorded batch was counted (a lost answer must not skip the count).
  const usage = (s.tsEmu.control.dumpTable(s.tables.usage) ?? []).filter((r) => r.primaryKey.owner === 'admin' && String(r.primaryKey.key).startsWith('m:'));
  const counted = usage.reduce((n, r) => n + Number(r.columns.n), 0);
  const recorded = batches.filter((b) => b.owner === 'admin').reduce((n, b) => n + b.amount, 0);
  if (counted < recorded) {
    inconsistent++;
    problems.push(`the daily allowance counted ${counted} instances for ${recorded} recorded`);
  }
  // Listing: every batch with an owner-index entry is listed (a row that failed on its own is re-read).
  const indexed = new Set((s.tsEmu.control.dumpTable(s.tables.index) ?? []).map((r) => String(r.primaryKey.batchId)));
  if (!listed) {
    unlisted++;
    problems.push('GET /batches did not answer 200 for every page');
  } else {
    for (const b of batches) {
      if (indexed.has(b.id) && !listed.has(b.id)) {
        unlisted++;
        problems.push(`batch ${b.id} is missing from GET /batches`);
      }
    }
  }
  return { seed: o.seed, batches: batches.length, instances: ledger.length, duplicates, orphans, stuck, undelivered, inconsistent, unlisted, crashes, outcomes, problems };
}
