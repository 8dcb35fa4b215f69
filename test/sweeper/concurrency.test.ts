import type { Batch } from '../../functions/core/batch';
import { sweep, type SweepSummary } from '../../functions/sweeper/sweep';
import { startStack, type Stack } from '../support/stack';
import { createStopped, ledger, queueRows, recordingStarts, recordPending, runSweep, submit, sweepDeps } from './support';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.close());
beforeEach(async () => {
  await s.reset();
  s.clock.freeze(); // time moves only when the test says so
});
afterEach(() => s.clock.unfreeze());

/** Three batches through the API and three recorded around Stopped (CreateInstance) instances. */
async function sixBatches(): Promise<{ ids: string[]; stopped: string[] }> {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await submit(s, { amount: 2 })).id);
  const stopped: string[] = [];
  for (let i = 0; i < 3; i++) {
    const made = await createStopped(s, 2);
    stopped.push(...made);
    ids.push((await recordPending(s, made)).id);
  }
  return { ids, stopped };
}

const total = (sums: SweepSummary[], key: 'claimed' | 'busy' | 'errors' | 'started') => sums.reduce((n, x) => n + x[key], 0);
const endedCount = (sums: SweepSummary[]) => sums.reduce((n, x) => n + Object.values(x.ended).reduce((a, b) => a + b, 0), 0);

async function expectAllRunning(ids: string[]): Promise<Batch[]> {
  const batches = await Promise.all(ids.map(async (id) => (await s.store.getBatch(id))!));
  for (const b of batches) {
    expect(b.status).toBe('RUNNING');
    expect(b.lease).toBeUndefined();
    expect(b.instances).toHaveLength(2);
    expect(b.instances.every((i) => i.state === 'Running' && i.privateIp)).toBe(true);
  }
  expect(queueRows(s)).toHaveLength(0);
  return batches;
}

describe('four sweepers at once', () => {
  it('claim each batch once, start each Stopped instance once, and end every batch exactly once', async () => {
    const { ids, stopped } = await sixBatches();
    s.clock.advance(6_000);
    const spy = recordingStarts(s.ecs);
    const summaries: SweepSummary[] = [];
    for (let round = 0; round < 8 && (await Promise.all(ids.map(async (id) => (await s.store.getBatch(id))!.status))).some((x) => x === 'PENDING'); round++) {
      const sums = await Promise.all(
        ['sw-a', 'sw-b', 'sw-c', 'sw-d'].map((owner) => sweep(sweepDeps(s, { owner, ecs: spy.ecs, concurrency: 3 }), s.clock.now() + 60_000)),
      );
      // Within one round no batch is due twice, so each due batch is claimed by exactly one sweeper.
      expect(total(sums, 'claimed')).toBeLessThanOrEqual(ids.length);
      if (round === 0) expect(total(sums, 'claimed')).toBe(ids.length);
      expect(total(sums, 'errors')).toBe(0);
      summaries.push(...sums);
      s.clock.advance(5_000);
    }
    expect(endedCount(summaries)).toBe(ids.length);
    expect([...spy.started].sort()).toEqual([...stopped].sort());
    // Starts are coalesced per sweep: at most one call per sweeper that holds a batch with Stopped ones.
    expect(s.ecsEmu.control.calls().StartInstances).toBeGreaterThanOrEqual(1);
    expect(s.ecsEmu.control.calls().StartInstances).toBeLessThanOrEqual(3);
    expect(total(summaries, 'started')).toBe(stopped.length);
    await expectAllRunning(ids);
    expect(ledger(s)).toHaveLength(12);
  });
});

describe('faults mid-sweep', () => {
  it('ECS throttling and Tablestore 503 / 409 / lost answers only slow the sweep down', async () => {
    const { ids, stopped } = await sixBatches();
    s.clock.advance(6_000);
    s.ecsEmu.control.addFault({ action: 'DescribeInstances', kind: 'throttle', times: 6, retryAfterMs: 1 });
    s.ecsEmu.control.addFault({ action: 'StartInstances', kind: 'throttle', times: 5, retryAfterMs: 1 });
    s.tsEmu.control.addFault({ kind: 'serverBusy', operation: 'UpdateRow', times: 9 });
    s.tsEmu.control.addFault({ kind: 'rowConflict', operation: '*', times: 6 });
    s.tsEmu.control.addFault({ kind: 'lostAnswer', operation: 'UpdateRow', times: 3 });
    s.tsEmu.control.addFault({ kind: 'serverBusy', operation: 'GetRange', times: 5 });
    const spy = recordingStarts(s.ecs);
    const summaries: SweepSummary[] = [];
    for (let i = 0; i < 30; i++) {
      summaries.push(await runSweep(s, { ecs: spy.ecs }));
      const statuses = await Promise.all(ids.map(async (id) => (await s.store.getBatch(id))!.status));
      if (statuses.every((x) => x === 'RUNNING') && queueRows(s).length === 0) break;
      s.clock.advance(20_000); // past a backoff, and past a lease left behind by a failed release
    }
    expect(total(summaries, 'errors')).toBeGreaterThan(0); // the faults did bite
    expect(s.ecsEmu.control.faults()).toEqual([]);
    expect(endedCount(summaries)).toBe(ids.length);
    await expectAllRunning(ids);
    // A StartInstances whose answer was throttled away may be repeated after the restart window; never more.
    for (const id of stopped) expect(spy.started.filter((x) => x === id).length).toBeLessThanOrEqual(2);
    expect(ledger(s)).toHaveLength(12);
  });
});
