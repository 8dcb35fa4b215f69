import { watch } from '../../functions/sweeper/sweep';
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
    const r = await watch(sweepDeps(s), id, s.clock.now() + 120_000, clockSleep(looks));
    expect(r.status).toBe('RUNNING');
    expect(r.looks).toBe(looks.length);
    expect(looks.filter((t) => t < lastRunningAt).length).toBeGreaterThanOrEqual(2); // it did watch the boot
    expect(looks.filter((t) => t >= lastRunningAt).length).toBeLessThanOrEqual(2);
    const b = (await s.store.getBatch(id))!;
    expect(b.endedAt).toBe(looks.at(-1));
    expect(b.instances.every((i) => i.state === 'Running' && i.publicIp)).toBe(true);
    expect(queueRows(s, id)).toHaveLength(0);
  });

  it('hands the batch back to the timer when its budget runs out, unleased and still queued', async () => {
    s.ecsEmu.control.hold({ allNew: true });
    const { id } = await submit(s, { amount: 1 });
    const looks: number[] = [];
    const r = await watch(sweepDeps(s), id, s.clock.now() + 20_000, clockSleep(looks));
    expect(r.status).toBe('PENDING');
    expect(looks.at(-1)!).toBeLessThan(looks[0] + 20_000);
    const b = (await s.store.getBatch(id))!;
    expect(b.lease).toBeUndefined();
    expect(queueRows(s, id).map((r) => r.primaryKey.dueAt)).toEqual([b.dueAt]);
    s.ecsEmu.control.release({});
    s.clock.advance(10_000);
    expect((await runSweep(s)).ended).toEqual({ RUNNING: 1 });
  });

  it('stops at once for a batch that does not exist or has ended', async () => {
    const looks: number[] = [];
    expect(await watch(sweepDeps(s), 'b-000000000000000000000000', s.clock.now() + 60_000, clockSleep(looks))).toEqual({ status: undefined, looks: 1 });
    const { id } = await submit(s, { amount: 1 });
    s.clock.advance(6_000);
    await runSweep(s);
    expect(await watch(sweepDeps(s), id, s.clock.now() + 60_000, clockSleep(looks))).toEqual({ status: 'RUNNING', looks: 1 });
  });
});
