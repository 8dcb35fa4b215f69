import { AdjustableClock } from '../../../local/common/clock';
import type { LocalFc } from '../../../local/fc';
import { startFixture } from './helpers';

const waitFor = async (condition: () => boolean, ms = 5000) => {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('timer triggers', () => {
  let fc: LocalFc | undefined;
  afterEach(async () => {
    await fc?.close();
    fc = undefined;
  });

  it('fire on demand with the FC timer event: triggerTime, triggerName and the payload string', async () => {
    ({ fc } = await startFixture());
    const run = await fc.fireTimer('fixture-worker', 'nightly-scale-out', Date.parse('2024-05-10T00:30:00.250Z'));
    const result = await run.done;
    expect(result).toMatchObject({
      ok: true,
      value: {
        who: 'worker',
        timer: {
          triggerTime: '2024-05-10T00:30:00Z',
          triggerName: 'nightly-scale-out',
          payload: '{"action":"scale-out","profile":"web","amount":2}',
        },
      },
    });
    expect(fc.stats['fixture-worker'].invocations.timer).toBe(1);
  });

  it('fire by their cron as the clock reaches it, and skip triggers with enable: false', async () => {
    const clock = new AdjustableClock(() => Date.parse('2024-05-10T00:00:30Z'));
    clock.freeze();
    ({ fc } = await startFixture({ timers: true, clock }));
    await new Promise((r) => setTimeout(r, 100));
    expect(fc.stats['fixture-worker'].invocations.timer).toBe(0);
    clock.advance(60_000); // 00:01:30: "@every 1m" counts from the start
    await waitFor(() => fc!.stats['fixture-worker'].invocations.timer === 1);
    await fc.idle();
    // Hours later: one catch-up fire, not one per missed minute; and nothing from the disabled
    // "nightly-scale-out" although its 08:30 Shanghai (00:30 UTC) slot went by.
    clock.advance(3 * 3_600_000);
    await waitFor(() => fc!.stats['fixture-worker'].invocations.timer === 2);
    await new Promise((r) => setTimeout(r, 1200));
    expect(fc.stats['fixture-worker'].invocations.timer).toBe(2);
    await fc.idle();
    expect(fc.stats['fixture-worker'].succeeded).toBe(2);
  });

  it('fire "sweep" triggers every LOCAL_SWEEP_SECONDS instead of their cron', async () => {
    ({ fc } = await startFixture({ timers: true, env: { FIXTURE_SECRET: 'x', LOCAL_SWEEP_SECONDS: '1' } }));
    await waitFor(() => fc!.stats['fixture-worker'].invocations.timer >= 2, 4000);
  });

  it('take the interval override for triggers chosen by name', async () => {
    ({ fc } = await startFixture({ timers: true, timerIntervalOverrideSeconds: 1, timerOverrideMatch: 'no-such-trigger' }));
    await new Promise((r) => setTimeout(r, 1500));
    expect(fc.stats['fixture-worker'].invocations.timer).toBe(0);
  });

  it('refuse to fire a trigger that does not exist', async () => {
    ({ fc } = await startFixture());
    await expect(fc.fireTimer('fixture-worker', 'hourly')).rejects.toThrow(/no timer trigger 'hourly'/);
    await expect(fc.fireTimer('nope', 'sweep')).rejects.toThrow(/function 'nope' does not exist/);
  });
});
