import Ecs, * as $Ecs from '@alicloud/ecs20140526';
import { Config } from '@alicloud/openapi-core/dist/utils';
import { ecsAdapter } from '../functions/cloud/ecs';
import { clientToken } from '../functions/core/batch';
import type { EcsPort } from '../functions/core/ports';
import { watch } from '../functions/sweeper/sweep';
import { CREDS, demoSpec, ms, pendingBatch, percentile, quietLog, ratio, seeded, startEmulators, type Figure } from './lib';

const BATCHES = 50;
const PER_BATCH = 2;
const BOOT_SECONDS = 5;
/** Each batch's instances are let go at a random moment in this window after submission (boot times vary). */
const RELEASE_WINDOW_MS: [number, number] = [1_000, 40_000];
/** What the seed scripts do: DescribeInstances every 10 s until all are Running. */
const SEED_POLL_MS = 10_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * From the moment the emulator turns a batch's last instance Running to the batch reading RUNNING in the
 * store, through the sweeper's watch (the fast path after a submission), for 50 batches at once; and the
 * same for a seed-script poller on the same instances, at the same time. API calls counted for both.
 */
export async function timeToRunning(): Promise<Figure[]> {
  const e = await startEmulators({ bootSeconds: BOOT_SECONDS });
  try {
    const startingMs = BOOT_SECONDS * 1000 * 0.6; // the emulator's Starting share of a boot
    const random = seeded(3);
    const setup = ecsAdapter(CREDS, { endpoint: e.ecsEmu.endpoint, rate: { perSecond: 100_000, burst: 100_000 } });
    e.ecsEmu.control.hold({ allNew: true });
    const batches: Array<{ id: string; ids: string[]; releaseAfterMs: number; runningAt?: number; watchSeenAt?: number; seedSeenAt?: number }> = [];
    for (let b = 0; b < BATCHES; b++) {
      const v = demoSpec.vSwitches[b % demoSpec.vSwitches.length];
      const ids = await setup.runInstances({ batchId: `run-${b}`, spec: demoSpec, offering: { instanceType: demoSpec.instanceTypes[0], vSwitchId: v.id, zoneId: v.zoneId }, amount: PER_BATCH, clientToken: clientToken(`run-${b}`, 0, 0), tags: [] });
      const batch = (await e.store.createBatch(pendingBatch(ids, e.clock.now()))) as { created: true; batch: { id: string } };
      const [lo, hi] = RELEASE_WINDOW_MS;
      batches.push({ id: batch.batch.id, ids, releaseAfterMs: lo + random() * (hi - lo) });
    }

    // The app's side counts its DescribeInstances through the port; the seed poller counts its own.
    let watchDescribes = 0;
    const inner = ecsAdapter(CREDS, { endpoint: e.ecsEmu.endpoint });
    const counted: EcsPort = { ...inner, describeInstances: (region, ids) => ((watchDescribes += Math.ceil(ids.length / 100)), inner.describeInstances(region, ids)) };
    const deps = { ecs: counted, store: e.store, clock: e.clock, log: quietLog, post: async () => undefined, owner: 'bench-watch', leaseMs: 60_000, concurrency: 8 };
    const sdk = new Ecs(new Config({ ...CREDS, endpoint: e.ecsEmu.endpoint, protocol: 'HTTP', regionId: demoSpec.region }));
    let seedDescribes = 0;
    let watchLooks = 0;

    const t0 = Date.now();
    const budget = t0 + RELEASE_WINDOW_MS[1] + 60_000;
    await Promise.all([
      // The app: every submission asks for a watch, as the api does; one runs (a named lease) and sweeps
      // every due batch together until nothing is left to look at soon.
      (async () => {
        const results = await Promise.all(batches.map((b) => watch({ ...deps, owner: `bench-watch-${b.id}` }, budget, sleep)));
        watchLooks = results.reduce((n, r) => n + r.looks, 0);
        for (const b of batches) {
          const stored = await e.store.getBatch(b.id);
          if (stored?.status !== 'RUNNING') throw new Error(`batch ${b.id} ended ${stored?.status}`);
          b.watchSeenAt = stored.endedAt ?? stored.updatedAt;
        }
      })(),
      ...batches.flatMap((b) => [
        // The emulator: let this batch's instances boot at their moment; Running comes startingMs later.
        (async () => {
          await sleep(b.releaseAfterMs);
          e.ecsEmu.control.release({ instanceIds: b.ids });
          b.runningAt = Date.now() + startingMs;
        })(),
        // The seed script: describe its instances every 10 s until all are Running.
        (async () => {
          for (;;) {
            seedDescribes++;
            const res = await sdk.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: demoSpec.region, instanceIds: JSON.stringify(b.ids), pageSize: 100 }));
            const running = (res.body?.instances?.instance ?? []).filter((i) => i.status === 'Running').length;
            if (running === b.ids.length) return void (b.seedSeenAt = Date.now());
            await sleep(SEED_POLL_MS);
          }
        })(),
      ]),
    ]);
    // The store's times come from the shared clock, which is wall time here (never advanced).
    const watchLag = batches.map((b) => Math.max(0, b.watchSeenAt! - b.runningAt!));
    const seedLag = batches.map((b) => Math.max(0, b.seedSeenAt! - b.runningAt!));
    const [w50, w99, s50, s99] = [percentile(watchLag, 50), percentile(watchLag, 99), percentile(seedLag, 50), percentile(seedLag, 99)];
    console.log(`time to Running: ${BATCHES} batches of ${PER_BATCH}, boots end ${RELEASE_WINDOW_MS.map((x) => x / 1000).join('-')} s + ${startingMs / 1000} s after submission (seeded)`);
    console.log(`  watch (sweep.ts): p50 ${ms(w50)}, p99 ${ms(w99)}, ${watchDescribes} DescribeInstances in ${watchLooks} looks`);
    console.log(`  seed poller (every 10 s): p50 ${ms(s50)}, p99 ${ms(s99)}, ${seedDescribes} DescribeInstances`);
    return [
      { name: 'Running -> RUNNING p50', value: ms(w50), baseline: `${ms(s50)} (poll every 10 s)`, ratio: ratio(w50, s50) },
      { name: 'Running -> RUNNING p99', value: ms(w99), baseline: `${ms(s99)} (poll every 10 s)`, ratio: ratio(w99, s99), target: '<= 5 s', met: w99 <= 5_000 },
      { name: 'DescribeInstances calls', value: String(watchDescribes), baseline: String(seedDescribes), ratio: ratio(watchDescribes, seedDescribes), target: '<= baseline', met: watchDescribes <= seedDescribes },
    ];
  } finally {
    await e.close();
  }
}
