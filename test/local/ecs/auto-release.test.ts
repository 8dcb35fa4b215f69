import { $Ecs, describe1, failureOf, MINUTE, REGION, run, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ bootSeconds: 1 });
});
afterAll(() => h.emulator.close());
afterEach(() => h.emulator.control.reset());

/** The emulator's own clock (tests advance it by hours), not the wall clock. */
const emulatorNow = () => Date.parse(h.emulator.control.advanceClock({ seconds: 0 }).now);
const at = (msAhead: number, seconds = '00') => new Date(emulatorNow() + msAhead).toISOString().slice(0, 17) + `${seconds}Z`;
const modify = (instanceId: string | undefined, autoReleaseTime?: string) =>
  h.ecs.modifyInstanceAutoReleaseTime(new $Ecs.ModifyInstanceAutoReleaseTimeRequest({ regionId: REGION, instanceId, autoReleaseTime }));

describe('ModifyInstanceAutoReleaseTime', () => {
  it('moves the release time (seconds dropped), and the instance is released then, not at the old time', async () => {
    const [id] = await run(h.ecs, { autoReleaseTime: at(40 * MINUTE) });
    await modify(id, at(3 * 60 * MINUTE, '42'));
    const want = at(3 * 60 * MINUTE).replace(/:00Z$/, 'Z');
    expect((await describe1(h.ecs, id))?.autoReleaseTime).toBe(want);
    h.emulator.control.advanceClock({ seconds: 60 * 60 });
    expect(await describe1(h.ecs, id)).toBeDefined();
    h.emulator.control.advanceClock({ seconds: 2 * 60 * 60 + 60 });
    expect(await describe1(h.ecs, id)).toBeUndefined();
  });

  it('without AutoReleaseTime cancels the automatic release', async () => {
    const [id] = await run(h.ecs, { autoReleaseTime: at(40 * MINUTE) });
    await modify(id);
    expect((await describe1(h.ecs, id))?.autoReleaseTime).toBe('');
    h.emulator.control.advanceClock({ seconds: 2 * 60 * 60 });
    expect(await describe1(h.ecs, id)).toBeDefined();
  });

  it('refuses a time under 30 minutes or over 3 years ahead, or not UTC, with InvalidAutoReleaseTime.Malformed (400)', async () => {
    const [id] = await run(h.ecs);
    for (const bad of [at(20 * MINUTE), at(4 * 366 * 24 * 60 * MINUTE), '2030-01-01T18:00:00+08:00', 'tomorrow']) {
      expect(await failureOf(modify(id, bad))).toMatchObject({ code: 'InvalidAutoReleaseTime.Malformed', statusCode: 400 });
    }
    expect((await describe1(h.ecs, id))?.autoReleaseTime).toBe('');
  });

  it('answers MissingParameter without InstanceId, NoSuchResource (404) for an unknown or deleted instance', async () => {
    expect(await failureOf(modify(undefined, at(60 * MINUTE)))).toMatchObject({ code: 'MissingParameter', statusCode: 400 });
    expect(await failureOf(modify('i-nosuchinstance', at(60 * MINUTE)))).toMatchObject({ code: 'NoSuchResource', statusCode: 404 });
    const [id] = await run(h.ecs);
    h.emulator.control.advanceClock({ seconds: 5 });
    await h.ecs.deleteInstances(new $Ecs.DeleteInstancesRequest({ regionId: REGION, instanceId: [id], force: true }));
    expect(await failureOf(modify(id, at(60 * MINUTE)))).toMatchObject({ code: 'NoSuchResource', statusCode: 404 });
  });

  it('refuses a subscription (PrePaid) instance with ChargeTypeViolation (403)', async () => {
    const [id] = await run(h.ecs, { instanceChargeType: 'PrePaid', period: 1, periodUnit: 'Month' });
    expect(await failureOf(modify(id, at(60 * MINUTE)))).toMatchObject({ code: 'ChargeTypeViolation', statusCode: 403 });
  });
});
