import type { EcsCloudEvent } from '../../local/ecs';
import { isTerminal } from '../../functions/core/batch';
import { isCloudEvent, parseEcsEvent } from '../../functions/sweeper/ecs-event';
import { handleEcsEvent, type EventDeps } from '../../functions/sweeper/events';
import { startStack, type Stack } from '../support/stack';
import * as $Ecs from '@alicloud/ecs20140526';
import { demoSpec, ledger, queueRows, sdkClient, submit, sweepDeps } from './support';

const REGION = 'cn-hangzhou';
let seq = 0;
const cloudEvent = (data: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  id: `ev-${++seq}`,
  source: 'acs.ecs',
  specversion: '1.0',
  type: 'ecs:Instance:StateChange',
  datacontenttype: 'application/json;charset=utf-8',
  time: '2030-01-01T00:00:00Z',
  aliyunaccountid: '1234567890123456',
  aliyunregionid: REGION,
  aliyuneventbusname: 'default',
  data,
  ...over,
});
const stateEvent = (instanceId: string, state: string, over: Record<string, unknown> = {}) =>
  cloudEvent({ resourceId: instanceId, resourceType: 'ALIYUN::ECS::Instance', state }, over);

describe('parseEcsEvent', () => {
  it('reads a StateChange and a spot interruption notice, keyed by source and id', () => {
    expect(parseEcsEvent(stateEvent('i-bp1abcdef', 'Running', { id: 'x1' }))).toEqual({
      ok: true,
      event: { kind: 'state', key: 'acs.ecs/x1', region: REGION, instanceId: 'i-bp1abcdef', state: 'Running', at: Date.parse('2030-01-01T00:00:00Z') },
    });
    const notice = cloudEvent({ instanceId: 'i-bp1abcdef', action: 'delete' }, { id: 'x2', type: 'ecs:Instance:PreemptibleInstanceInterruption' });
    expect(parseEcsEvent(notice)).toMatchObject({ ok: true, event: { kind: 'interruption', key: 'acs.ecs/x2', instanceId: 'i-bp1abcdef' } });
  });

  it.each([
    ['a wrong source', stateEvent('i-bp1abcdef', 'Running', { source: 'acs.oss' }), /^event\.source/],
    ['a wrong type', stateEvent('i-bp1abcdef', 'Running', { type: 'ecs:Disk:StateChange' }), /^event\.type/],
    ['no id', stateEvent('i-bp1abcdef', 'Running', { id: undefined }), /^event\.id/],
    ['no time', stateEvent('i-bp1abcdef', 'Running', { time: 'yesterday' }), /^event\.time/],
    ['no region', stateEvent('i-bp1abcdef', 'Running', { aliyunregionid: undefined }), /^event\.aliyunregionid/],
    ['no data', stateEvent('i-bp1abcdef', 'Running', { data: undefined }), /^event\.data/],
    ['no instance id', cloudEvent({ state: 'Running' }), /^event\.data\.resourceId/],
    ['a malformed instance id', stateEvent('../../etc', 'Running'), /^event\.data\.resourceId/],
    ['a notice without an instance id', cloudEvent({ action: 'delete' }, { type: 'ecs:Instance:PreemptibleInstanceInterruption' }), /^event\.data\.instanceId/],
  ])('refuses %s, naming the field', (_n, event, error) => {
    const parsed = parseEcsEvent(event);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(error);
  });

  it('tells a CloudEvent from a timer or watch payload', () => {
    expect(isCloudEvent(stateEvent('i-bp1abcdef', 'Running'))).toBe(true);
    expect(isCloudEvent({ action: 'sweep' })).toBe(false);
    expect(isCloudEvent('text')).toBe(false);
  });
});

describe('handling ECS events', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ bootSeconds: 5 });
  });
  afterAll(() => s.close());
  beforeEach(() => s.reset());

  const deps = (): EventDeps => ({ ...sweepDeps(s), events: s.events, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 10))) });
  const handle = (raw: unknown) => {
    const parsed = parseEcsEvent(JSON.parse(JSON.stringify(raw)));
    if (!parsed.ok) throw new Error(parsed.error);
    return handleEcsEvent(deps(), parsed.event, s.clock.now() + 60_000);
  };
  const quiet = () => {
    s.tsEmu.control.resetCalls();
    s.ecsEmu.control.clearCalls();
  };

  it('Running for every instance ends the batch RUNNING with one DescribeInstances, no sweep needed', async () => {
    const b = await submit(s, { amount: 2 });
    const ids: string[] = b.json.instances.map((i: { instanceId: string }) => i.instanceId);
    s.clock.advance(5_000);
    quiet();
    const out = await handle(stateEvent(ids[0], 'Running'));
    expect(out).toEqual({ action: 'looked', batchId: b.id, status: 'RUNNING' });
    expect(s.ecsEmu.control.calls()).toEqual({ DescribeInstances: 1 });
    const stored = await s.store.getBatch(b.id);
    expect(stored?.instances.every((i) => i.state === 'Running' && i.privateIp)).toBe(true);
    // The "look now" entry is gone with the look; nothing is left due for a batch that owes nothing.
    expect(queueRows(s, b.id)).toEqual([]);
  });

  it('an event is never the truth on its own: a Running event for a booting instance changes nothing', async () => {
    const b = await submit(s, { amount: 1 });
    const [id] = b.json.instances.map((i: { instanceId: string }) => i.instanceId);
    const out = await handle(stateEvent(id, 'Running'));
    expect(out).toMatchObject({ action: 'looked', status: 'PENDING' });
    expect((await s.store.getBatch(b.id))?.instances[0].state).not.toBe('Running');
  });

  it('does nothing for an instance that is not ours but one read of the index', async () => {
    quiet();
    expect(await handle(stateEvent('i-bpnotoursatall00000', 'Running'))).toEqual({ action: 'notOurs' });
    expect(s.ecsEmu.control.calls()).toEqual({});
    const calls = s.tsEmu.control.calls();
    expect(calls.GetRow).toBe(1);
    // The only write says that events arrive, at most every 30 s per process.
    expect(calls.PutRow ?? 0).toBeLessThanOrEqual(1);
    expect(Object.keys(calls).filter((k) => k !== 'GetRow' && k !== 'PutRow')).toEqual([]);
  });

  it('does nothing for a repeated delivery (same source and id), nor for Pending, Starting and Stopping', async () => {
    const b = await submit(s, { amount: 1 });
    const [id] = b.json.instances.map((i: { instanceId: string }) => i.instanceId);
    s.clock.advance(5_000);
    const running = stateEvent(id, 'Running');
    await handle(running);
    const before = await s.store.getBatch(b.id);
    quiet();
    expect(await handle(running)).toEqual({ action: 'duplicate' });
    for (const state of ['Pending', 'Starting', 'Stopping', 'Created']) expect(await handle(stateEvent(id, state))).toEqual({ action: 'ignored' });
    expect(s.ecsEmu.control.calls()).toEqual({});
    expect(s.tsEmu.control.calls().UpdateRow ?? 0).toBe(0);
    expect(await s.store.getBatch(b.id)).toEqual(before);
  });

  it('the FC handler drops non-JSON, a wrong source, a wrong type and missing fields without touching anything', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { TABLESTORE_ENDPOINT: s.tsEmu.url, TABLESTORE_INSTANCE: 'local', TABLE_PREFIX: 't_', ECS_ENDPOINT: s.ecsEmu.endpoint, ECS_PROTOCOL: 'HTTP' });
    const logged = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const { handler } = await import('../../functions/sweeper/index');
      quiet();
      const bad = [
        Buffer.from('{"specversion":"1.0", nope'),
        Buffer.from(JSON.stringify(stateEvent('i-bp1abcdef', 'Running', { source: 'acs.oss' }))),
        Buffer.from(JSON.stringify(stateEvent('i-bp1abcdef', 'Running', { type: 'ecs:Disk:StateChange' }))),
        Buffer.from(JSON.stringify(cloudEvent({ resourceType: 'ALIYUN::ECS::Instance' }))),
      ];
      for (const event of bad) expect(await handler(event, { requestId: 'r-ev', function: { timeout: 60 } })).toMatchObject({ ok: false, error: expect.any(String) });
      expect(s.ecsEmu.control.calls()).toEqual({});
      expect(s.tsEmu.control.calls()).toEqual({});
    } finally {
      logged.mockRestore();
      process.env = saved;
    }
  });

  it('Stopped gets the instance started', async () => {
    const b = await submit(s, { amount: 2 });
    const [id] = b.json.instances.map((i: { instanceId: string }) => i.instanceId);
    s.clock.advance(5_000);
    await sdkClient(s).stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id }));
    s.clock.advance(5_000);
    s.ecsEmu.control.clearCalls();
    await handle(stateEvent(id, 'Stopped'));
    expect(s.ecsEmu.control.calls()).toEqual({ DescribeInstances: 1, StartInstances: 1 });
    expect((await s.store.getBatch(b.id))?.instances[0]).toMatchObject({ state: 'Stopped', startRequestedAt: expect.any(Number) });
  });

  it('Deleted starts the missing grace (Lost only after it, as without events)', async () => {
    const b = await submit(s, { amount: 1 });
    const [id] = b.json.instances.map((i: { instanceId: string }) => i.instanceId);
    s.clock.advance(5_000);
    await s.ecsEmu.control.vanish({ instanceIds: [id], afterSeconds: 0 });
    await handle(stateEvent(id, 'Deleted'));
    const missing = await s.store.getBatch(b.id);
    expect(missing?.status).toBe('PENDING');
    expect(missing?.instances[0].missingSince).toBeDefined();
    // With events flowing, the next look is when the grace is over, not in two seconds.
    expect(missing!.dueAt - s.clock.now()).toBeGreaterThanOrEqual(59_000);
  });

  it('a spot interruption notice marks the instance and submits a replaceLost batch\'s replacement at once', async () => {
    const spot = { ...demoSpec, billing: { chargeType: 'PostPaid' as const, spotStrategy: 'SpotAsPriceGo' as const } };
    const b = await submit(s, { amount: 2, spec: spot, replaceLost: true });
    const ids: string[] = b.json.instances.map((i: { instanceId: string }) => i.instanceId);
    s.clock.advance(5_000);
    s.ecsEmu.control.reclaimSpot({ instanceId: ids[0], noticeSeconds: 300 });
    const notice = cloudEvent({ instanceId: ids[0], action: 'delete' }, { type: 'ecs:Instance:PreemptibleInstanceInterruption', time: new Date(s.clock.now()).toISOString() });
    await handle(notice);
    const after = (await s.store.getBatch(b.id))!;
    expect(after.instances.find((i) => i.instanceId === ids[0])).toMatchObject({ state: 'Reclaimed', interruptedAt: Date.parse(notice.time as string) });
    // The replacement chunk, with its own ClientToken, was submitted at once: its instance exists now,
    // while the interrupted one still runs (the notice comes minutes before ECS releases it).
    expect(after.chunks).toHaveLength(2);
    expect(after.chunks[1]).toMatchObject({ state: 'submitted', amount: 1, clientToken: `${b.id}-c1-a0` });
    expect(ledger(s).map((i) => i.instanceId)).toContain(after.chunks[1].instanceIds[0]);
    expect(ledger(s).find((i) => i.instanceId === ids[0])?.fate).toBe('live');
    // The repeat of the notice does nothing.
    expect(await handle(notice)).toEqual({ action: 'duplicate' });
    // The replacement boots; its Running event ends the batch RUNNING with two live instances.
    s.clock.advance(5_000);
    expect(await handle(stateEvent(after.chunks[1].instanceIds[0], 'Running'))).toMatchObject({ status: 'RUNNING' });
  });

  it('a notice for an ended batch is recorded on it, and nothing is launched', async () => {
    const spot = { ...demoSpec, billing: { chargeType: 'PostPaid' as const, spotStrategy: 'SpotAsPriceGo' as const } };
    const b = await submit(s, { amount: 1, spec: spot, replaceLost: true });
    const [id] = b.json.instances.map((i: { instanceId: string }) => i.instanceId);
    s.clock.advance(5_000);
    await handle(stateEvent(id, 'Running'));
    expect(isTerminal((await s.store.getBatch(b.id))!.status)).toBe(true);
    s.ecsEmu.control.reclaimSpot({ instanceId: id, noticeSeconds: 300 });
    await handle(cloudEvent({ instanceId: id, action: 'delete' }, { type: 'ecs:Instance:PreemptibleInstanceInterruption' }));
    const after = (await s.store.getBatch(b.id))!;
    expect(after.status).toBe('RUNNING');
    expect(after.instances[0].interruptedAt).toBe(Date.parse('2030-01-01T00:00:00Z'));
    expect(ledger(s)).toHaveLength(1);
  });

  it('end to end: the emulator\'s own events, duplicated and reordered, take batches to RUNNING without a sweep', async () => {
    const got: EcsCloudEvent[] = [];
    const pending: Array<Promise<unknown>> = [];
    s.ecsEmu.control.setEventSink((e) => {
      got.push(e);
      pending.push(handle(e).catch(() => undefined));
    });
    s.ecsEmu.control.configureEvents({ duplicate: 0.5, reorder: 0.5, reorderMs: 50, seed: 9 });
    try {
      const batches = [await submit(s, { amount: 3 }), await submit(s, { amount: 2 })];
      s.ecsEmu.control.clearCalls();
      s.clock.advance(5_000);
      for (let i = 0; i < 100 && got.filter((e) => (e.data as { state?: string }).state === 'Running').length < 5; i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      await Promise.all(pending);
      for (const b of batches) expect((await s.store.getBatch(b.id))?.status).toBe('RUNNING');
      expect(s.ecsEmu.control.events().counts.duplicated).toBeGreaterThan(0);
      expect(s.ecsEmu.control.calls().DescribeInstances).toBeLessThanOrEqual(5);
    } finally {
      s.ecsEmu.control.setEventSink(undefined);
    }
  });
});
