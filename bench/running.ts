import Ecs, * as $Ecs from '@alicloud/ecs20140526';
import { Config } from '@alicloud/openapi-core/dist/utils';
import type { EcsCloudEvent } from '../local/ecs';
import { handle } from '../functions/api/app';
import type { AppDeps } from '../functions/api/deps';
import { hashToken } from '../functions/api/auth';
import { ecsAdapter } from '../functions/cloud/ecs';
import { noInvoker } from '../functions/cloud/fc';
import { clientToken } from '../functions/core/batch';
import type { BatchStore, EcsPort, EventStore } from '../functions/core/ports';
import { parseEcsEvent } from '../functions/sweeper/ecs-event';
import { handleEcsEvent } from '../functions/sweeper/events';
import { sweep, watch, type SweepDeps } from '../functions/sweeper/sweep';
import { CREDS, demoSpec, ms, pendingBatch, percentile, quietLog, ratio, seeded, startEmulators, tablesFor, type Emulators, type Figure } from './lib';

const BATCHES = 50;
const PER_BATCH = 2;
const BOOT_SECONDS = 5;
/** Each batch's instances are let go at a random moment in this window after submission (boot times vary). */
const RELEASE_WINDOW_MS: [number, number] = [1_000, 40_000];
/** What the seed scripts do: DescribeInstances every 10 s until all are Running. */
const SEED_POLL_MS = 10_000;
/** One batch booting alone for this long. */
const ALONE_BOOT_SECONDS = 60;
/** Spot: the notice comes this long before the instance goes (ECS: about 5 minutes; scaled down, boot 5 s). */
const NOTICE_SECONDS = 30;
const SPOT_BATCHES = 5;
/** Every this-many-th batch has a long-polling client (each re-reads its row every 0.15 s; all in one process). */
const CLIENT_EVERY = 5;
/** The api's long-poll re-read interval (functions/api/config.ts LONG_POLL_MS). */
const LONG_POLL_MS = 150;
const TOKEN = 'bench-token-0123456789';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function counted(inner: EcsPort): { ecs: EcsPort; describes: () => number } {
  let n = 0;
  return { ecs: { ...inner, describeInstances: (region, ids) => ((n += Math.ceil(ids.length / 100)), inner.describeInstances(region, ids)) }, describes: () => n };
}

/** One app: its own tables on the shared emulators, its own counted ECS port, with or without events. */
interface App {
  store: BatchStore;
  events?: EventStore;
  describes: () => number;
  deps: (owner: string) => SweepDeps;
  api: AppDeps;
}

async function app(e: Emulators, prefix: string, withEvents: boolean): Promise<App> {
  const t = await tablesFor(e, prefix);
  const c = counted(ecsAdapter(CREDS, { endpoint: e.ecsEmu.endpoint, rate: { perSecond: 10_000, burst: 10_000 } }));
  const deps = (owner: string): SweepDeps => ({ ecs: c.ecs, store: t.store, clock: e.clock, log: quietLog, post: async () => undefined, owner, leaseMs: 60_000, concurrency: 8, ...(withEvents ? { events: t.events } : {}) });
  const api: AppDeps = {
    ecs: c.ecs, store: t.store, invoker: noInvoker, clock: e.clock, log: quietLog, sleep, profiles: {},
    tokens: [{ name: 'bench', sha256: hashToken(TOKEN), profiles: '*', maxPerRequest: 100, dailyLimit: 1000, rawSpec: true, admin: false }],
    submitLeaseMs: 120_000, pollMs: LONG_POLL_MS,
  };
  return { store: t.store, events: withEvents ? t.events : undefined, describes: c.describes, deps, api };
}

/** The EventBridge trigger, in-process: every event the emulator publishes goes to the app's handler. */
function subscribe(e: Emulators, a: App, filter: (ev: EcsCloudEvent) => boolean = () => true): { settle: () => Promise<void> } {
  const inflight = new Set<Promise<unknown>>();
  e.ecsEmu.control.setEventSink((raw) => {
    if (!filter(raw)) return;
    const parsed = parseEcsEvent(JSON.parse(JSON.stringify(raw)));
    if (!parsed.ok) throw new Error(parsed.error);
    const p = handleEcsEvent({ ...a.deps(`event-${raw.id}`), events: a.events!, sleep }, parsed.event, Date.now() + 60_000).catch((err) => console.error('event failed', err));
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  });
  return { settle: async () => void (await Promise.allSettled([...inflight])) };
}

async function run(e: Emulators, ids: number, spec = demoSpec, tag = 'b', hold = false): Promise<string[]> {
  const setup = ecsAdapter(CREDS, { endpoint: e.ecsEmu.endpoint, rate: { perSecond: 100_000, burst: 100_000 } });
  if (hold) e.ecsEmu.control.hold({ allNew: true });
  const v = spec.vSwitches[0];
  return setup.runInstances({ batchId: tag, spec, offering: { instanceType: spec.instanceTypes[0], vSwitchId: v.id, zoneId: v.zoneId }, amount: ids, clientToken: clientToken(tag, 0, 0), tags: [] });
}

async function record(a: App, ids: string[], now: number, over: Parameters<typeof pendingBatch>[2] = {}): Promise<string> {
  const r = await a.store.createBatch(pendingBatch(ids, now, over));
  if (!r.created) throw new Error('batch exists');
  await a.store.indexInstances(r.batch.id, ids);
  return r.batch.id;
}

/** A client on `GET /batches/{id}?wait=25`: when it saw RUNNING. */
async function longPoll(a: App, id: string): Promise<number> {
  for (;;) {
    const res = await handle(a.api, { method: 'GET', path: `/batches/${id}`, query: { wait: '25' }, headers: { authorization: `Bearer ${TOKEN}` }, body: Buffer.alloc(0), requestId: `lp-${id}` });
    const status = JSON.parse(res.body).status;
    if (status === 'RUNNING') return Date.now();
    if (status !== 'PENDING' && status !== 'SUBMITTING') throw new Error(`batch ${id} ended ${status}`);
  }
}

/** The seed script: DescribeInstances every 10 s until all are Running; returns [when, calls]. */
async function seedPoll(e: Emulators, ids: string[]): Promise<[number, number]> {
  const sdk = new Ecs(new Config({ ...CREDS, endpoint: e.ecsEmu.endpoint, protocol: 'HTTP', regionId: demoSpec.region, readTimeout: 10_000 }));
  for (let calls = 1; ; calls++) {
    const res = await sdk.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: demoSpec.region, instanceIds: JSON.stringify(ids), pageSize: 100 })).catch(() => undefined);
    if (res && (res.body?.instances?.instance ?? []).filter((i) => i.status === 'Running').length === ids.length) return [Date.now(), calls];
    await sleep(SEED_POLL_MS);
  }
}

async function storedRunningAt(a: App, id: string): Promise<number> {
  const b = await a.store.getBatch(id);
  if (b?.status !== 'RUNNING') throw new Error(`batch ${id} is ${b?.status}`);
  return b.endedAt!;
}

const lagFigures = (xs: number[]) => [percentile(xs, 50), percentile(xs, 99)];

/**
 * Fifty batches boot at seeded moments; the same schedule runs at once through today's watch (with a seed
 * poller reading the same instances) and through the event path (its own tables and instances, the emulator's
 * events delivered to the handler, a watch asked for as the api does). Lag: from the moment the emulator turns
 * a batch's last instance Running to the batch stored RUNNING, and to a long-polling client seeing it.
 */
async function overlapping(): Promise<Figure[]> {
  const e = await startEmulators({ bootSeconds: BOOT_SECONDS });
  try {
    const startingMs = BOOT_SECONDS * 1000 * 0.6; // the emulator's Starting share of a boot
    const W = await app(e, 'bw_', false);
    const E = await app(e, 'be_', true);
    const events = subscribe(e, E);
    const random = seeded(3);
    type T = { w: string; e: string; wIds: string[]; eIds: string[]; releaseAfterMs: number; runningAt?: number; seed?: number; seedCalls?: number; wClient?: number; eClient?: number };
    const batches: T[] = [];
    for (let b = 0; b < BATCHES; b++) {
      const wIds = await run(e, PER_BATCH, demoSpec, `w-${b}`, true);
      const eIds = await run(e, PER_BATCH, demoSpec, `e-${b}`, true);
      const [lo, hi] = RELEASE_WINDOW_MS;
      batches.push({ w: await record(W, wIds, e.clock.now()), e: await record(E, eIds, e.clock.now()), wIds, eIds, releaseAfterMs: lo + random() * (hi - lo) });
    }
    const budget = Date.now() + RELEASE_WINDOW_MS[1] + 60_000;
    await Promise.all([
      // Every submission asks for a watch, as the api does; one runs at a time (a named lease).
      Promise.all(batches.map((b) => watch(W.deps(`watch-${b.w}`), budget, sleep))),
      Promise.all(batches.map((b) => watch(E.deps(`watch-${b.e}`), budget, sleep))),
      ...batches.flatMap((b) => [
        (async () => {
          await sleep(b.releaseAfterMs);
          e.ecsEmu.control.release({ instanceIds: [...b.wIds, ...b.eIds] });
          b.runningAt = Date.now() + startingMs;
        })(),
        (async () => void ([b.seed, b.seedCalls] = await seedPoll(e, b.wIds)))(),
        ...(batches.indexOf(b) % CLIENT_EVERY === 0
          ? [(async () => void (b.wClient = await longPoll(W, b.w)))(), (async () => void (b.eClient = await longPoll(E, b.e)))()]
          : []),
      ]),
    ]);
    // The event path needs no watch to finish: wait for the last events' looks.
    for (let i = 0; i < 100 && (await Promise.all(batches.map((b) => E.store.getBatch(b.e)))).some((x) => x?.status !== 'RUNNING'); i++) await sleep(100);
    await events.settle();
    const lag = async (a: App, pick: (b: T) => string) => Promise.all(batches.map(async (b) => Math.max(0, (await storedRunningAt(a, pick(b))) - b.runningAt!)));
    const [w50, w99] = lagFigures(await lag(W, (b) => b.w));
    const [e50, e99] = lagFigures(await lag(E, (b) => b.e));
    const [s50, s99] = lagFigures(batches.map((b) => Math.max(0, b.seed! - b.runningAt!)));
    const clients = batches.filter((b) => b.wClient !== undefined);
    const [wc50, wc99] = lagFigures(clients.map((b) => Math.max(0, b.wClient! - b.runningAt!)));
    const [ec50, ec99] = lagFigures(clients.map((b) => Math.max(0, b.eClient! - b.runningAt!)));
    const seedCalls = batches.reduce((n, b) => n + b.seedCalls!, 0);
    const perBatch = (n: number) => (n / BATCHES).toFixed(2);
    console.log(`${BATCHES} batches of ${PER_BATCH}, boots end ${RELEASE_WINDOW_MS.map((x) => x / 1000).join('-')} s + ${startingMs / 1000} s after submission (seeded), ${clients.length} long-polling clients a path (re-read ${LONG_POLL_MS} ms)`);
    console.log(`  poll every 10 s: seen p50 ${ms(s50)}, p99 ${ms(s99)}; ${seedCalls} DescribeInstances (${perBatch(seedCalls)} per batch)`);
    console.log(`  watch:  stored p50 ${ms(w50)}, p99 ${ms(w99)}; client p50 ${ms(wc50)}, p99 ${ms(wc99)}; ${W.describes()} DescribeInstances (${perBatch(W.describes())} per batch)`);
    console.log(`  events: stored p50 ${ms(e50)}, p99 ${ms(e99)}; client p50 ${ms(ec50)}, p99 ${ms(ec99)}; ${E.describes()} DescribeInstances (${perBatch(E.describes())} per batch)`);
    const ec = e.ecsEmu.control.events().counts;
    console.log(`  (${ec.published} events published, ${ec.delivered} delivered)`);
    return [
      { name: 'overlapping: Running -> stored RUNNING p50 / p99', value: `events ${ms(e50)} / ${ms(e99)}`, baseline: `watch ${ms(w50)} / ${ms(w99)}; poll 10 s ${ms(s50)} / ${ms(s99)}`, ratio: `${ratio(e99, w99)} of watch`, target: 'p99 <= 0.5 s', met: e99 <= 500 },
      { name: `overlapping: Running -> long-polling client p50 / p99 (${clients.length} clients)`, value: `events ${ms(ec50)} / ${ms(ec99)}`, baseline: `watch ${ms(wc50)} / ${ms(wc99)}`, ratio: `${ratio(ec99, wc99)} of watch` },
      { name: 'overlapping: DescribeInstances per batch', value: `events ${perBatch(E.describes())}`, baseline: `watch ${perBatch(W.describes())}; poll 10 s ${perBatch(seedCalls)}`, ratio: ratio(E.describes(), seedCalls), target: '<= 1.2', met: E.describes() / BATCHES <= 1.2 },
    ];
  } finally {
    e.ecsEmu.control.setEventSink(undefined);
    await e.close();
  }
}

/** One batch booting alone for 60 s: DescribeInstances from submission to RUNNING on each path. */
async function alone(): Promise<Figure[]> {
  const e = await startEmulators({ bootSeconds: ALONE_BOOT_SECONDS });
  try {
    const W = await app(e, 'aw_', false);
    const E = await app(e, 'ae_', true);
    const events = subscribe(e, E);
    const wIds = await run(e, PER_BATCH, demoSpec, 'alone-w');
    const eIds = await run(e, PER_BATCH, demoSpec, 'alone-e');
    const w = await record(W, wIds, e.clock.now());
    const ev = await record(E, eIds, e.clock.now());
    const budget = Date.now() + ALONE_BOOT_SECONDS * 1000 + 60_000;
    let seedCalls = 0;
    await Promise.all([
      watch(W.deps('watch-alone'), budget, sleep),
      watch(E.deps('watch-alone'), budget, sleep),
      (async () => void ([, seedCalls] = await seedPoll(e, wIds)))(),
      longPoll(E, ev),
    ]);
    await events.settle();
    await storedRunningAt(W, w);
    await storedRunningAt(E, ev);
    console.log(`one batch of ${PER_BATCH} booting ${ALONE_BOOT_SECONDS} s: DescribeInstances: events ${E.describes()}, watch ${W.describes()}, poll 10 s ${seedCalls}`);
    return [
      { name: `alone (${ALONE_BOOT_SECONDS} s boot): DescribeInstances to RUNNING`, value: `events ${E.describes()}`, baseline: `watch ${W.describes()}; poll 10 s ${seedCalls}`, ratio: ratio(E.describes(), W.describes()), target: '<= 1.2', met: E.describes() <= 1.2 },
    ];
  } finally {
    e.ecsEmu.control.setEventSink(undefined);
    await e.close();
  }
}

/**
 * Spot: replaceLost batches of two spot instances, one Running and one still booting (the batch is being
 * tracked); the Running one is reclaimed. With the notice (sent NOTICE_SECONDS before the instance goes)
 * the replacement is submitted at once; without it (the instance goes without warning) the app learns from
 * the Deleted event and DescribeInstances, and replaces it after the 60 s missing grace, at the next minute
 * timer. Figure: instance-seconds without a Running replacement, from the moment the reclaimed one is gone.
 */
async function spot(): Promise<Figure[]> {
  const e = await startEmulators({ bootSeconds: BOOT_SECONDS });
  try {
    const S = await app(e, 'bs_', true);
    const spotSpec = { ...demoSpec, billing: { chargeType: 'PostPaid' as const, spotStrategy: 'SpotAsPriceGo' as const } };
    const silent = new Set<string>(); // instances whose interruption notice is never delivered
    const events = subscribe(e, S, (ev) => !(ev.type === 'ecs:Instance:PreemptibleInstanceInterruption' && silent.has((ev.data as { instanceId: string }).instanceId)));
    type T = { id: string; ids: string[]; notice: boolean; goneAt?: number; lost?: number };
    const batches: T[] = [];
    for (let k = 0; k < 2 * SPOT_BATCHES; k++) {
      const ids = await run(e, 2, spotSpec, `spot-${k}`, true);
      batches.push({ id: await record(S, ids, e.clock.now(), { spec: spotSpec, replaceLost: true }), ids, notice: k % 2 === 0 });
    }
    e.ecsEmu.control.hold({ allNew: false }); // replacements boot normally; each batch's second instance stays booting
    e.ecsEmu.control.release({ instanceIds: batches.map((b) => b.ids[0]) });
    await sleep(BOOT_SECONDS * 1000 + 1_000);
    for (const b of batches) {
      if (!b.notice) silent.add(b.ids[0]);
      e.ecsEmu.control.reclaimSpot({ instanceId: b.ids[0], noticeSeconds: b.notice ? NOTICE_SECONDS : 0 });
      b.goneAt = Date.now() + (b.notice ? NOTICE_SECONDS * 1000 : 0);
    }
    // The minute timer, as deployed: the safety net that looks at what events did not settle.
    let stop = false;
    const timer = (async () => {
      while (!stop) {
        await sleep(60_000);
        if (!stop) await sweep(S.deps('timer'), Date.now() + 50_000);
      }
    })();
    const horizon = Date.now() + 200_000;
    const bootMs = BOOT_SECONDS * 1000;
    for (;;) {
      const ledger = new Map(e.ecsEmu.control.instances().map((i) => [i.instanceId, i]));
      for (const b of batches) {
        if (b.lost !== undefined) continue;
        const stored = await S.store.getBatch(b.id);
        const replacement = stored?.chunks[1]?.instanceIds[0];
        const created = replacement ? ledger.get(replacement) : undefined;
        if (created) b.lost = Math.max(0, Date.parse(created.createdAt) + bootMs - b.goneAt!) / 1000;
      }
      if (batches.every((b) => b.lost !== undefined) || Date.now() > horizon) break;
      await sleep(500);
    }
    stop = true;
    await events.settle();
    for (const b of batches) b.lost ??= (Date.now() - b.goneAt!) / 1000; // never replaced in time: counted to now
    const sum = (xs: T[]) => xs.reduce((n, b) => n + b.lost!, 0);
    const withN = batches.filter((b) => b.notice);
    const without = batches.filter((b) => !b.notice);
    console.log(`spot, ${SPOT_BATCHES} reclaimed instances each way (notice ${NOTICE_SECONDS} s, boot ${BOOT_SECONDS} s): instance-seconds without a Running replacement: with the notice ${sum(withN).toFixed(1)} (${withN.map((b) => b.lost!.toFixed(1)).join(', ')}), without ${sum(without).toFixed(1)} (${without.map((b) => b.lost!.toFixed(1)).join(', ')})`);
    void timer;
    return [
      { name: `spot: instance-s without a Running replacement (${SPOT_BATCHES} reclaims, notice ${NOTICE_SECONDS} s, boot ${BOOT_SECONDS} s)`, value: `with notice ${sum(withN).toFixed(1)}`, baseline: `without ${sum(without).toFixed(1)}`, ratio: ratio(sum(withN), sum(without)), target: '0 with notice', met: sum(withN) === 0 },
    ];
  } finally {
    e.ecsEmu.control.setEventSink(undefined);
    await e.close();
  }
}

/** Time to Running on three paths (10 s poller, the watch, ECS events), and what each costs in DescribeInstances. */
export async function timeToRunning(): Promise<Figure[]> {
  return [...(await overlapping()), ...(await alone()), ...(await spot())];
}
