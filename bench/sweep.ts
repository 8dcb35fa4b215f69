import Ecs, * as $Ecs from '@alicloud/ecs20140526';
import { Config } from '@alicloud/openapi-core/dist/utils';
import { ecsAdapter } from '../functions/cloud/ecs';
import { sweep } from '../functions/sweeper/sweep';
import { clientToken } from '../functions/core/batch';
import { CREDS, demoSpec, pendingBatch, quietLog, ratio, sec, startEmulators, type Figure } from './lib';

const BATCHES = 100;
const PER_BATCH = 100;
/** Batches holding Stopped instances (as after the CreateInstance path), and how many each. */
const WITH_STOPPED = 10;
const STOPPED_EACH = 10;
const LATENCY_MS = 50;
const RATE = 20;

/**
 * One timer sweep over 100 PENDING batches of 100 instances (10,000), with 50 ms ECS latency and an ECS
 * rate limit of 20 calls/s: ECS calls against the floor, Tablestore operations per batch, wall time
 * against what the rate limit allows.
 */
export async function sweepCost(): Promise<Figure[]> {
  const e = await startEmulators({ bootSeconds: 1 });
  try {
    // Setup, unthrottled: the instances, some of them Stopped, and the batches recorded around them.
    const setup = ecsAdapter(CREDS, { endpoint: e.ecsEmu.endpoint, rate: { perSecond: 100_000, burst: 100_000 } });
    const zones = demoSpec.vSwitches;
    const idsOf: string[][] = [];
    for (let b = 0; b < BATCHES; b++) {
      const v = zones[b % zones.length];
      idsOf.push(
        await setup.runInstances({ batchId: `bench-${b}`, spec: demoSpec, offering: { instanceType: demoSpec.instanceTypes[0], vSwitchId: v.id, zoneId: v.zoneId }, amount: PER_BATCH, clientToken: clientToken(`bench-${b}`, 0, 0), tags: [] }),
      );
    }
    e.clock.advance(5_000);
    const sdk = new Ecs(new Config({ ...CREDS, endpoint: e.ecsEmu.endpoint, protocol: 'HTTP', regionId: demoSpec.region }));
    const stopped = idsOf.slice(0, WITH_STOPPED).flatMap((ids) => ids.slice(0, STOPPED_EACH));
    for (const id of stopped) await sdk.stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id }));
    e.clock.advance(5_000);
    for (const ids of idsOf) await e.store.createBatch(pendingBatch(ids, e.clock.now()));

    // The measured sweep: production defaults (adapter rate, SWEEP_CONCURRENCY 8).
    e.ecsEmu.control.addFault({ kind: 'latency', latencyMs: LATENCY_MS });
    e.ecsEmu.control.rateLimit({ perSecond: RATE, burst: RATE });
    e.ecsEmu.control.clearCalls();
    e.tsEmu.control.resetCalls();
    const deps = {
      ecs: ecsAdapter(CREDS, { endpoint: e.ecsEmu.endpoint }),
      store: e.store,
      clock: e.clock,
      log: quietLog,
      post: async () => undefined,
      owner: 'bench-sweeper',
      leaseMs: 120_000,
      concurrency: 8,
    };
    const started = Date.now();
    const summary = await sweep(deps, e.clock.now() + 10 * 60_000);
    const wall = Date.now() - started;

    const calls = e.ecsEmu.control.calls();
    const throttled = e.ecsEmu.control.rateLimits().reduce((n, r) => n + r.throttled, 0);
    const describes = calls.DescribeInstances ?? 0;
    const starts = calls.StartInstances ?? 0;
    const ecsCalls = Object.values(calls).reduce((a, b) => a + b, 0) - throttled;
    const floorDescribes = Math.ceil((BATCHES * PER_BATCH) / 100);
    const floorStarts = Math.ceil(stopped.length / 100);
    const floor = floorDescribes + floorStarts;
    const perBatchFloor = floorDescribes + WITH_STOPPED; // one StartInstances per batch that has Stopped ones
    const tsOps = Object.values(e.tsEmu.control.calls()).reduce((a, b) => a + b, 0);
    const allowedMs = (floor / RATE) * 1000;
    console.log(`sweep cost: ${BATCHES} batches, ${BATCHES * PER_BATCH} instances (${stopped.length} Stopped in ${WITH_STOPPED} batches), ECS latency ${LATENCY_MS} ms, rate limit ${RATE}/s`);
    console.log(`  ECS calls ${ecsCalls} (DescribeInstances ${describes}, StartInstances ${starts}; ${throttled} throttled) vs floor ${floor} (${floorDescribes} describes + ${floorStarts} start): ${ratio(ecsCalls, floor)}; vs ${perBatchFloor} with one start per batch`);
    console.log(`  Tablestore ops ${tsOps} = ${(tsOps / BATCHES).toFixed(1)} per batch (${JSON.stringify(e.tsEmu.control.calls())})`);
    console.log(`  wall ${sec(wall)} vs ${sec(allowedMs)} the rate limit allows for the floor (${floor} calls at ${RATE}/s): ${ratio(wall, allowedMs)}`);
    console.log(`  summary ${JSON.stringify(summary)}`);
    return [
      { name: 'ECS calls (describe + start)', value: `${ecsCalls} (${describes} + ${starts})`, baseline: `floor ${floor} (${floorDescribes} + ${floorStarts})`, ratio: ratio(ecsCalls, floor), target: '= floor', met: ecsCalls === floor },
      { name: 'throttled calls', value: String(throttled), baseline: '0', ratio: '-', target: '0', met: throttled === 0 },
      { name: 'Tablestore ops per batch', value: (tsOps / BATCHES).toFixed(1), baseline: '-', ratio: '-' },
      { name: 'sweep wall time', value: sec(wall), baseline: `${sec(allowedMs)} (${floor} calls at ${RATE}/s)`, ratio: ratio(wall, allowedMs), target: '<= 1.2x', met: wall / allowedMs <= 1.2 },
    ];
  } finally {
    await e.close();
  }
}
