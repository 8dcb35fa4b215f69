import { watch, WATCHER } from '../../functions/sweeper/sweep';
import { startStack, type Stack } from '../support/stack';
import { queueRows, runSweep, submit, sweepDeps } from './support';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.close());
beforeEach(async () => {
  await s.reset();
  s.clock.freeze(); // only the watch's sleeps move time
});
afterEach(() => s.clock.unfreeze());

/** A sleep that moves the shared clock instead of waiting, remembering when each look happened. */
function clockSleep(looks: number[]) {
  looks.push(s.clock.now());
  return async (ms: number) => {
    s.clock.advance(ms);
    looks.push(s.clock.now());
  };
}

describe('watch', () => {
  it('ends a batch RUNNING within a couple of looks after the last instance is Running', async () => {
    const submittedAt = s.clock.now();
    const { id } = await submit(s, { amount: 2 });
    const lastRunningAt = submittedAt + 5_000; // the emulator boots in 5 s, and the clock only moves by the sleeps
    const looks: number[] = [];
    const r = await watch(sweepDeps(s), s.clock.now() + 120_000, clockSleep(looks));
    expect(r).toMatchObject({ reason: 'idle', ended: { RUNNING: 1 } });
    expect(r.looks).toBe(looks.length);
    expect(looks.filter((t) => t < lastRunningAt).length).toBeGreaterThanOrEqual(2); // it did watch the boot
    const b = (await s.store.getBatch(id))!;
    expect(b.endedAt! - lastRunningAt).toBeLessThanOrEqual(2_000);
    expect(b.instances.every((i) => i.state === 'Running' && i.publicIp)).toBe(true);
    expect(queueRows(s, id)).toHaveLength(0);
  });

  it('runs once for many submissions and describes all their batches together', async () => {
    const ids: string[] = [];
    for (let k = 0; k < 5; k++) ids.push((await submit(s, { amount: 3 })).id);
    s.ecsEmu.control.clearCalls();
    const looks: number[] = [];
    const sleep = clockSleep(looks);
    const results = await Promise.all(ids.map((_, k) => watch(sweepDeps(s, { owner: `w${k}` }), s.clock.now() + 120_000, sleep)));
    expect(results.filter((r) => r.reason === 'busy')).toHaveLength(4);
    const runner = results.find((r) => r.reason !== 'busy')!;
    expect(runner.ended).toEqual({ RUNNING: 5 });
    // One DescribeInstances per look that had batches to look at: never one per batch.
    expect(s.ecsEmu.control.calls().DescribeInstances).toBeLessThanOrEqual(runner.looks);
    for (const id of ids) expect((await s.store.getBatch(id))!.status).toBe('RUNNING');
  });

  it('hands the batches back to the timer when its budget runs out, unleased, queued and with the watcher lease free', async () => {
    s.ecsEmu.control.hold({ allNew: true });
    const { id } = await submit(s, { amount: 1 });
    const looks: number[] = [];
    const r = await watch(sweepDeps(s), s.clock.now() + 20_000, clockSleep(looks));
    expect(r.reason).toBe('budget');
    expect(looks.at(-1)!).toBeLessThan(looks[0] + 20_000);
    const b = (await s.store.getBatch(id))!;
    expect(b.status).toBe('PENDING');
    expect(b.lease).toBeUndefined();
    expect(queueRows(s, id).map((q) => q.primaryKey.dueAt)).toEqual([b.dueAt]);
    expect(await s.store.tryLease(WATCHER, 'next-watcher', s.clock.now(), 1_000)).toBe(true);
    s.ecsEmu.control.release({});
    s.clock.advance(15_000);
    expect((await runSweep(s)).ended).toEqual({ RUNNING: 1 });
  });

  it('stops after one look when nothing is due, and leaves alone while another watcher holds the lease', async () => {
    const looks: number[] = [];
    expect(await watch(sweepDeps(s), s.clock.now() + 60_000, clockSleep(looks))).toEqual({ looks: 1, ended: {}, reason: 'idle' });
    expect(await s.store.tryLease(WATCHER, 'someone', s.clock.now(), 30_000)).toBe(true);
    await submit(s, { amount: 1 });
    expect(await watch(sweepDeps(s), s.clock.now() + 60_000, clockSleep(looks))).toEqual({ looks: 0, ended: {}, reason: 'busy' });
    await s.store.dropLease(WATCHER, 'someone');
    const r = await watch(sweepDeps(s), s.clock.now() + 60_000, clockSleep(looks));
    expect(r.ended).toEqual({ RUNNING: 1 });
  });
});

describe('named leases', () => {
  it('are held by one owner at a time, renewable by it, and free again when dropped or expired', async () => {
    const now = s.clock.now();
    expect(await s.store.tryLease('x', 'a', now, 10_000)).toBe(true);
    expect(await s.store.tryLease('x', 'b', now + 1_000, 10_000)).toBe(false);
    expect(await s.store.tryLease('x', 'a', now + 2_000, 10_000)).toBe(true);
    expect(await s.store.tryLease('x', 'b', now + 13_000, 10_000)).toBe(true); // a's lease ran out
    await s.store.dropLease('x', 'a'); // not a's any more: nothing happens
    expect(await s.store.tryLease('x', 'a', now + 14_000, 10_000)).toBe(false);
    await s.store.dropLease('x', 'b');
    expect(await s.store.tryLease('x', 'a', now + 14_000, 10_000)).toBe(true);
  });

  it('let exactly one of many concurrent takers win', async () => {
    const wins = await Promise.all(Array.from({ length: 6 }, (_, k) => s.store.tryLease('y', `o${k}`, s.clock.now(), 10_000)));
    expect(wins.filter(Boolean)).toHaveLength(1);
  });
});
