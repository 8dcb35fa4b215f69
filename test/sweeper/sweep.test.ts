import { Tablestore } from '../../functions/cloud/tablestore';
import { condition, long } from '../../functions/cloud/tablestore';
import { shardOf } from '../../functions/cloud/store';
import { appDeps, call, CREDS, startStack, TOKENS, type Stack } from '../support/stack';
import { createStopped, demoSpec, ended, ledger, queueRows, recordingStarts, recordPending, runSweep, submit, sweepUntil } from './support';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.close());
beforeEach(() => s.reset());

const BOOT = 6_000; // the emulator boots in 5 s
const GRACE = 61_000; // past the 60 s missing grace

describe('sweep', () => {
  it('ends a batch RUNNING with its IPs recorded, drops its queue row, and then does nothing', async () => {
    const { id } = await submit(s, { amount: 3 });
    s.clock.advance(BOOT);
    const summary = await runSweep(s);
    expect(summary).toMatchObject({ claimed: 1, errors: 0, ended: { RUNNING: 1 }, describeCalls: 1 });
    const b = (await s.store.getBatch(id))!;
    expect(b.status).toBe('RUNNING');
    expect(b.lease).toBeUndefined();
    expect(b.instances).toHaveLength(3);
    for (const i of b.instances) {
      expect(i.state).toBe('Running');
      expect(i.privateIp).toMatch(/^172\.16\.\d+\.\d+$/);
      expect(i.publicIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    }
    expect(queueRows(s, id)).toHaveLength(0);

    const before = s.ecsEmu.control.calls();
    s.clock.advance(60_000);
    const mark = s.logs.length;
    const again = await runSweep(s);
    expect(again).toMatchObject({ due: 0, claimed: 0, ended: {} });
    // A sweep with nothing due says so at debug; one that did something at info.
    const done = s.logs.map((l) => JSON.parse(l) as { level: string; m: string }).filter((l) => l.m === 'sweep done');
    expect(done.slice(0, -1).at(-1)?.level).toBe('info');
    expect(s.logs.slice(mark).map((l) => JSON.parse(l) as { level: string; m: string })).toEqual([expect.objectContaining({ level: 'debug', m: 'sweep done' })]);
    expect(s.ecsEmu.control.calls()).toEqual(before);
    expect((await s.store.getBatch(id))!.version).toBe(b.version);
  });

  it('leaves a batch that is not due yet alone', async () => {
    const { id } = await submit(s, { amount: 1 });
    const summary = await runSweep(s);
    expect(summary).toMatchObject({ due: 0, claimed: 0 });
    expect((await s.store.getBatch(id))!.status).toBe('PENDING');
    expect(queueRows(s, id)).toHaveLength(1);
  });

  it('starts instances CreateInstance left Stopped, once each, and ends RUNNING', async () => {
    const ids = await createStopped(s, 3);
    const { id } = await recordPending(s, ids);
    const spy = recordingStarts(s.ecs);
    const sweeps = await sweepUntil(s, ended(s, id), { deps: { ecs: spy.ecs }, stepMs: 3_000 });
    expect(spy.started.sort()).toEqual([...ids].sort());
    expect(s.ecsEmu.control.calls().StartInstances).toBe(1);
    expect(sweeps.reduce((n, x) => n + x.started, 0)).toBe(3);
    const b = (await s.store.getBatch(id))!;
    expect(b.status).toBe('RUNNING');
    expect(b.instances.every((i) => i.state === 'Running' && i.privateIp)).toBe(true);
  });

  it('starts the Stopped instances of several batches with one StartInstances call', async () => {
    const batches: string[] = [];
    for (let k = 0; k < 3; k++) batches.push((await recordPending(s, await createStopped(s, 2))).id);
    const spy = recordingStarts(s.ecs);
    const first = await runSweep(s, { ecs: spy.ecs });
    expect(first.claimed).toBe(3);
    expect(first.started).toBe(6);
    expect(s.ecsEmu.control.calls().StartInstances).toBe(1);
    await sweepUntil(s, async () => (await Promise.all(batches.map((id) => ended(s, id)()))).every(Boolean), { deps: { ecs: spy.ecs }, stepMs: 3_000 });
    expect(spy.started).toHaveLength(6);
  });

  it('ends PARTIAL after the missing grace when an instance vanishes', async () => {
    const { id, json } = await submit(s, { amount: 3 });
    s.ecsEmu.control.vanish({ instanceIds: [json.instances[0].instanceId] });
    s.clock.advance(BOOT);
    expect((await runSweep(s)).ended).toEqual({});
    const waiting = (await s.store.getBatch(id))!;
    expect(waiting.status).toBe('PENDING');
    expect(waiting.instances[0].missingSince).toBeDefined();
    s.clock.advance(GRACE);
    expect((await runSweep(s)).ended).toEqual({ PARTIAL: 1 });
    const b = (await s.store.getBatch(id))!;
    expect(b.instances.map((i) => i.state)).toEqual(['Lost', 'Running', 'Running']);
    expect(queueRows(s, id)).toHaveLength(0);
  });

  it('replaces vanished instances when asked and ends RUNNING with exactly the amount live', async () => {
    const { id, json } = await submit(s, { amount: 3, replaceLost: true });
    s.ecsEmu.control.vanish({ instanceIds: [json.instances[1].instanceId] });
    s.clock.advance(BOOT);
    await runSweep(s);
    s.clock.advance(GRACE);
    await runSweep(s); // Lost -> a replacement chunk is submitted in the same look
    const mid = (await s.store.getBatch(id))!;
    expect(mid.status).toBe('PENDING');
    expect(mid.chunks.map((c) => [c.amount, c.state])).toEqual([[3, 'submitted'], [1, 'submitted']]);
    await sweepUntil(s, ended(s, id));
    const b = (await s.store.getBatch(id))!;
    expect(b.status).toBe('RUNNING');
    expect(b.instances.filter((i) => i.state === 'Running')).toHaveLength(3);
    const live = ledger(s).filter((i) => i.fate === 'live');
    expect(live).toHaveLength(3);
    expect(ledger(s)).toHaveLength(4);
    expect(new Set(live.map((i) => i.instanceId))).toEqual(new Set(b.instances.filter((i) => i.state === 'Running').map((i) => i.instanceId)));
  });

  // Current ECS docs spell the lock `Recycling`, older ones `recycling`: both mean a spot reclaim.
  it.each(['Recycling', 'recycling'] as const)('records a reclaimed spot instance (lock "%s") as Reclaimed', async (lockReason) => {
    const spec = { ...demoSpec, billing: { chargeType: 'PostPaid' as const, spotStrategy: 'SpotAsPriceGo' as const } };
    const { id, json } = await submit(s, { spec, amount: 2 });
    s.ecsEmu.control.reclaimSpot({ instanceId: json.instances[0].instanceId, noticeSeconds: 300, lockReason });
    s.clock.advance(BOOT);
    expect((await runSweep(s)).ended).toEqual({ PARTIAL: 1 });
    const b = (await s.store.getBatch(id))!;
    expect(b.instances.map((i) => i.state)).toEqual(['Reclaimed', 'Running']);
  });

  it('ends TIMED_OUT after the deadline when an instance is held Pending', async () => {
    s.ecsEmu.control.hold({ allNew: true });
    const { id } = await submit(s, { amount: 2, deadlineSeconds: 120 });
    s.clock.advance(BOOT);
    expect((await runSweep(s)).ended).toEqual({});
    s.clock.advance(60_000);
    expect((await runSweep(s)).ended).toEqual({});
    s.clock.advance(60_000);
    expect((await runSweep(s)).ended).toEqual({ TIMED_OUT: 1 });
    const b = (await s.store.getBatch(id))!;
    expect(b).toMatchObject({ status: 'TIMED_OUT', error: { code: 'DeadlineExceeded' } });
    expect(b.instances.map((i) => i.state)).toEqual(['Pending', 'Pending']);
  });

  it('re-drives an interrupted submission to PENDING, then RUNNING, without a duplicate', async () => {
    s.ecsEmu.control.addFault({ action: 'RunInstances', kind: 'answerLost', times: 4 });
    const { id, status } = await submit(s, { amount: 3 });
    expect(status).toBe('SUBMITTING');
    expect(ledger(s)).toHaveLength(3);
    s.clock.advance(10_000);
    await runSweep(s);
    expect((await s.store.getBatch(id))!.status).toBe('PENDING');
    s.clock.advance(BOOT);
    expect((await runSweep(s)).ended).toEqual({ RUNNING: 1 });
    const b = (await s.store.getBatch(id))!;
    expect(ledger(s)).toHaveLength(3);
    expect(b.instances.map((i) => i.instanceId).sort()).toEqual(ledger(s).map((i) => i.instanceId).sort());
  });

  it('finishes the other batches when one has a corrupt row and another an unknown region', async () => {
    const good = await submit(s, { amount: 2 });
    const elsewhere = await recordPending(s, ['i-nowhere1'], { spec: { ...demoSpec, region: 'cn-nowhere' } });
    // A batch row whose document is not JSON, with its queue row.
    const ts = new Tablestore(CREDS, { endpoint: s.tsEmu.url, instanceName: 'local' });
    const corrupt = 'b-0000000000000000000000ff';
    await ts.call('putRow', { tableName: s.tables.batches, condition: condition('IGNORE'), primaryKey: [{ id: corrupt }], attributeColumns: [{ version: long(1) }, { doc: '{not json' }] });
    await s.store.moveDue(corrupt, undefined, s.clock.now());
    expect(shardOf(corrupt)).toBeGreaterThanOrEqual(0);

    s.clock.advance(BOOT);
    const summary = await runSweep(s);
    expect(summary.ended).toEqual({ RUNNING: 1 });
    expect(summary.errors).toBe(2);
    expect((await s.store.getBatch(good.id))!.status).toBe('RUNNING');
    const other = (await s.store.getBatch(elsewhere.id))!;
    expect(other).toMatchObject({ status: 'PENDING', failures: 1 });
    expect(other.lease).toBeUndefined();
    expect(other.dueAt).toBeGreaterThan(s.clock.now());
  });

  it('releases, on a later sweep, a cancelled batch whose instances were Pending when the release was asked', async () => {
    s.ecsEmu.control.hold({ allNew: true });
    const mark = s.logs.length;
    const { id } = await submit(s, { amount: 2 });
    const res = await call(appDeps(s), 'POST', `/batches/${id}/cancel`, { token: TOKENS.admin, body: { release: true } });
    expect(res.json).toMatchObject({ status: 'CANCELLED', cancel: { release: true, released: false } });
    expect(ledger(s).map((i) => i.fate)).toEqual(['live', 'live']);

    expect((await runSweep(s)).claimed).toBe(0); // the api's own attempt gets RELEASE_RETRY_MS before the sweeper tries
    s.clock.advance(31_000);
    const first = await runSweep(s); // still Pending: ECS refuses, which is expected, and the sweeper looks again
    expect(first.errors).toBe(0);
    expect(ledger(s).map((i) => i.fate)).toEqual(['live', 'live']);
    // Expected, so neither an error nor a warning, in the api or the sweeper.
    const levels = s.logs.slice(mark).map((l) => JSON.parse(l) as { level: string; m: string });
    expect(levels.filter((l) => l.level !== 'info' && l.level !== 'debug')).toEqual([]);
    expect(levels.some((l) => /still starting/.test(l.m))).toBe(true);
    s.ecsEmu.control.release();
    await sweepUntil(s, async () => (await s.store.getBatch(id))!.cancel?.released === true, { stepMs: 31_000, max: 3 });
    expect(ledger(s).map((i) => i.fate)).toEqual(['deleted', 'deleted']);
    expect((await s.store.getBatch(id))!.status).toBe('CANCELLED');
    expect(queueRows(s, id)).toHaveLength(0);
  });

  it('releases the rest of a cancelled batch when one of its instances is already gone', async () => {
    const { id, json } = await submit(s, { amount: 3 });
    s.clock.advance(BOOT);
    s.ecsEmu.control.vanish({ instanceIds: [json.instances[2].instanceId] });
    const res = await call(appDeps(s), 'POST', `/batches/${id}/cancel`, { token: TOKENS.admin, body: { release: true } });
    // DeleteInstances is all or nothing: one unknown id refuses it, so the rest are deleted by a second call.
    expect(res.json.cancel.released).toBe(true);
    expect(ledger(s).map((i) => i.fate)).toEqual(['deleted', 'deleted', 'vanished']);
    expect(res.json.instances.map((i: { state: string }) => i.state)).toEqual(['Released', 'Released', 'Lost']);
    await sweepUntil(s, async () => queueRows(s, id).length === 0, { stepMs: 31_000, max: 3 });
    expect((await s.store.getBatch(id))!.instances.every((i) => i.endedAt !== undefined)).toBe(true);
    expect(queueRows(s, id)).toHaveLength(0);
  });

  it('ends TIMED_OUT a batch ECS refuses to describe once its deadline has passed, instead of retrying forever', async () => {
    const { id } = await recordPending(s, ['i-nowhere1'], { spec: { ...demoSpec, region: 'cn-nowhere' }, deadlineAt: s.clock.now() + 120_000 });
    const sweeps = await sweepUntil(s, ended(s, id), { stepMs: 60_000, max: 8 });
    expect(sweeps.length).toBeGreaterThan(2); // it kept trying until the deadline
    const b = (await s.store.getBatch(id))!;
    expect(b).toMatchObject({ status: 'TIMED_OUT', error: { code: 'InvalidRegionId.NotFound' } });
    expect(b.endedAt).toBeGreaterThanOrEqual(b.deadlineAt);
    expect(queueRows(s, id)).toHaveLength(0);
  });
});
