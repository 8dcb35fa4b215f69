import { $Ecs, describe1, failureOf, REGION, run, startHarness, statusOf, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.emulator.close());
afterEach(() => h.emulator.control.reset());

const control = () => h.emulator.control;
const post = (path: string, body: unknown) =>
  fetch(`${h.emulator.url}/__control/${path}`, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
const get = (path: string): Promise<any> => fetch(`${h.emulator.url}/__control/${path}`).then((r) => r.json());

describe('the control API', () => {
  it('lists every instance ever created with the ClientToken and RequestId that created it', async () => {
    const res = await h.ecs.runInstances(
      new $Ecs.RunInstancesRequest({ regionId: REGION, imageId: 'aliyun_3_x64_20G_alibase_20240819.vhd', instanceType: 'ecs.g7.large', vSwitchId: 'vsw-local-h', securityGroupId: 'sg-local', amount: 2, clientToken: 'tok-1' }),
    );
    const { instances } = await get('instances');
    expect(instances).toEqual(
      res.body!.instanceIdSets!.instanceIdSet!.map((instanceId) =>
        expect.objectContaining({ instanceId, action: 'RunInstances', clientToken: 'tok-1', requestId: res.body!.requestId, fate: 'live', status: 'Pending' }),
      ),
    );
  });

  it('makes the next created instances vanish later, as a SystemFailure.Delete does', async () => {
    control().vanish({ next: 2, afterSeconds: 60 });
    const ids = await run(h.ecs, { amount: 3 });
    control().advanceClock({ seconds: 61 });
    expect(await Promise.all(ids.map((id) => statusOf(h.ecs, id)))).toEqual([undefined, undefined, 'Running']);
    const start = h.ecs.startInstance(new $Ecs.StartInstanceRequest({ instanceId: ids[0] }));
    expect(await failureOf(start)).toMatchObject({ code: 'InvalidInstanceId.NotFound', statusCode: 404 });
    expect(control().instances().map((i) => i.fate)).toEqual(['vanished', 'vanished', 'live']);
  });

  it('makes a named instance vanish at once over HTTP', async () => {
    const [id] = await run(h.ecs);
    expect((await post('vanish', { instanceIds: [id] })).status).toBe(200);
    expect(await describe1(h.ecs, id)).toBeUndefined();
  });

  it('reclaims a spot instance: a Recycling lock first, then it is gone', async () => {
    const [spot] = await run(h.ecs, { spotStrategy: 'SpotAsPriceGo' });
    control().advanceClock({ seconds: 5 });
    control().reclaimSpot({ instanceId: spot, noticeSeconds: 300 });
    expect(await describe1(h.ecs, spot)).toMatchObject({ status: 'Running', operationLocks: { lockReason: [{ lockReason: 'Recycling' }] } });
    control().advanceClock({ seconds: 300 });
    expect(await describe1(h.ecs, spot)).toBeUndefined();
    expect(control().instances()[0].fate).toBe('reclaimed');
  });

  it('refuses to reclaim an instance that is not spot', async () => {
    const [id] = await run(h.ecs);
    expect((await post('reclaim', { instanceId: id })).status).toBe(400);
  });

  it('holds new instances in Pending until released', async () => {
    control().hold({ allNew: true });
    const [id] = await run(h.ecs);
    control().advanceClock({ seconds: 3600 });
    expect(await statusOf(h.ecs, id)).toBe('Pending');
    expect(control().release()).toEqual({ instanceIds: [id] });
    expect(await statusOf(h.ecs, id)).toBe('Starting');
    control().advanceClock({ seconds: 5 });
    expect(await statusOf(h.ecs, id)).toBe('Running');
  });

  it('holds one booting instance while the others go on', async () => {
    const [held, free] = await run(h.ecs, { amount: 2 });
    control().hold({ instanceIds: [held] });
    control().advanceClock({ seconds: 10 });
    expect([await statusOf(h.ecs, held), await statusOf(h.ecs, free)]).toEqual(['Pending', 'Running']);
  });

  it('sets stock and quota over HTTP', async () => {
    expect((await post('stock', { zoneId: 'cn-hangzhou-h', instanceType: 'ecs.g7.large', available: 0 })).status).toBe(200);
    expect(await failureOf(run(h.ecs))).toMatchObject({ code: 'OperationDenied.NoStock' });
    expect((await post('quota', { instances: 0 })).status).toBe(200);
    expect(await failureOf(run(h.ecs, { vSwitchId: 'vsw-local-i' }))).toMatchObject({ code: 'QuotaExceed.ElasticQuota' });
  });

  it('advances the clock over HTTP and reports it', async () => {
    const before = Date.parse((await get('clock')).now);
    const { body } = await post('clock/advance', { seconds: 600 });
    expect(Date.parse(body.now) - before).toBeGreaterThanOrEqual(600_000);
  });

  it('counts calls and resets everything over HTTP', async () => {
    await run(h.ecs);
    expect((await get('calls')).calls).toEqual({ RunInstances: 1 });
    expect((await post('reset', {})).status).toBe(200);
    expect((await get('instances')).instances).toEqual([]);
    expect((await get('calls')).calls).toEqual({});
  });

  it('explains an unknown endpoint or a bad body', async () => {
    expect((await post('teleport', {})).status).toBe(404);
    const bad = await fetch(`${h.emulator.url}/__control/stock`, { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(400);
    expect((await post('stock', { available: -1 })).status).toBe(400);
  });
});
