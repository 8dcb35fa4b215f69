import { parseSweeperEvent } from '../../functions/sweeper/payload';
import { submitScheduled, type ScheduleDeps } from '../../functions/sweeper/schedule';
import { profiles, startStack, type Stack } from '../support/stack';

let s: Stack;
let deps: ScheduleDeps;
beforeAll(async () => {
  s = await startStack();
  deps = { ...s, profiles: { ...profiles, demo: { ...profiles.demo, timeZone: 'Asia/Shanghai' } }, dailyLimit: 1000, submitLeaseMs: 120_000, submitter: 'sweeper-test' };
});
afterAll(() => s.close());
beforeEach(() => s.reset());

const ledger = () => s.ecsEmu.control.instances();
const batchRows = () => s.tsEmu.control.dumpTable(s.tables.batches) ?? [];
const minute = () => new Date(Math.floor(s.clock.now() / 60_000) * 60_000).toISOString().replace('.000Z', 'Z');

/** A timer event as FC delivers it, through the sweeper's own parser, then the scheduled submission. */
async function fire(payload: unknown, triggerTime = minute(), triggerName = 'business-hours') {
  const parsed = parseSweeperEvent(Buffer.from(JSON.stringify({ triggerTime, triggerName, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) })));
  if (!parsed.ok) {
    s.log.error('rejected event', { reason: parsed.error });
    return parsed;
  }
  if (parsed.payload.action !== 'submit') throw new Error('not a submit payload');
  return submitScheduled(deps, parsed.payload, parsed.trigger!);
}

describe('scheduled scale-out', () => {
  it('submits one batch owned by the schedule, even when the same timer event arrives twice, or twice at once', async () => {
    const payload = { action: 'submit', profile: 'demo', amount: 2, releaseAfter: 'PT9H' };
    const time = minute();
    const first = await fire(payload, time);
    expect(first).toMatchObject({ ok: true, replayed: false, status: 'PENDING' });
    const again = await Promise.all([fire(payload, time), fire(payload, time)]);
    for (const a of again) expect(a).toMatchObject({ ok: true, replayed: true });
    expect(ledger()).toHaveLength(2);
    expect(batchRows()).toHaveLength(1);
    const batch = (await s.store.getBatch((first as { batchId: string }).batchId))!;
    expect(batch.owner).toBe('schedule:business-hours');
    expect(batch.idempotencyKey).toBe(`business-hours@${new Date(Date.parse(time)).toISOString()}`);
  });

  it('submits again at the next trigger time', async () => {
    const payload = { action: 'submit', profile: 'demo', amount: 1, releaseAfter: 'PT9H' };
    await fire(payload);
    s.clock.advance(86_400_000);
    await fire(payload);
    expect(ledger()).toHaveLength(2);
  });

  it('resolves releaseAt as a local time in the profile\'s time zone, from the trigger time', async () => {
    // 18:00 in Shanghai is 10:00 UTC; fire at 00:30 UTC (08:30 in Shanghai), as the business-hours example does.
    const day = Math.floor(s.clock.now() / 86_400_000) * 86_400_000 + 86_400_000;
    s.clock.advance(day + 30 * 60_000 - s.clock.now());
    const r = await fire({ action: 'submit', profile: 'demo', amount: 1, releaseAt: '18:00' });
    expect(r).toMatchObject({ ok: true });
    expect((await s.store.getBatch((r as { batchId: string }).batchId))!.releaseAt).toBe(day + 10 * 3_600_000);
  });

  it.each<[string, unknown, RegExp]>([
    ['an amount that is not a number', { action: 'submit', profile: 'demo', amount: 'two' }, /payload\.amount/],
    ['an unknown profile', { action: 'submit', profile: 'nope', amount: 1 }, /payload\.profile: no launch profile named "nope"/],
    ['a profile named like an Object property', { action: 'submit', profile: 'constructor', amount: 1 }, /payload\.profile: no launch profile named "constructor"/],
    ['both release fields', { action: 'submit', profile: 'demo', amount: 1, releaseAt: '18:00', releaseAfter: 'PT9H' }, /payload\.releaseAt/],
    ['a release time that is not HH:MM', { action: 'submit', profile: 'demo', amount: 1, releaseAt: '25:00' }, /payload\.releaseAt/],
    ['a release too soon', { action: 'submit', profile: 'demo', amount: 1, releaseAfter: 'PT10M' }, /releaseAfter: must be at least 30 minutes/],
    ['an unknown field', { action: 'submit', profile: 'demo', amount: 1, colour: 'red' }, /payload/],
    ['a payload that is not JSON', '{"action":"submit",', /payload is not JSON/],
  ])('logs %s as a clear error and creates nothing', async (_name, payload, error) => {
    const r = await fire(payload);
    expect(r).toMatchObject({ ok: false, error: expect.stringMatching(error) });
    expect(s.logs.map((l) => JSON.parse(l)).some((l) => l.level === 'error' && error.test(String(l.reason)))).toBe(true);
    expect(ledger()).toHaveLength(0);
    expect(batchRows()).toHaveLength(0);
  });

  it('refuses a submit that does not come from a timer (no name and time to make it idempotent)', () => {
    expect(parseSweeperEvent({ action: 'submit', profile: 'demo', amount: 1 })).toMatchObject({ ok: false, error: expect.stringContaining('timer trigger') });
  });
});
