import { $Ecs, failureOf, REGION, run, startHarness, statusOf, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ bootSeconds: 10 });
});
afterAll(() => h.emulator.close());
afterEach(() => h.emulator.control.reset());

const createInstance = async (overrides: Partial<$Ecs.CreateInstanceRequest> = {}) => {
  const res = await h.ecs.createInstance(
    new $Ecs.CreateInstanceRequest({ regionId: REGION, imageId: 'aliyun_3_x64_20G_alibase_20240819.vhd', instanceType: 'ecs.c7.large', vSwitchId: 'vsw-local-j', securityGroupId: 'sg-local', ...overrides }),
  );
  return res.body!.instanceId!;
};
const runUntilRunning = async () => {
  const [id] = await run(h.ecs);
  h.emulator.control.advanceClock({ seconds: 10 });
  return id;
};
const startInstances = (ids: string[], batchOptimization?: string) =>
  h.ecs.startInstances(new $Ecs.StartInstancesRequest({ regionId: REGION, instanceId: ids, batchOptimization }));

describe('the legacy CreateInstance path', () => {
  it('creates one Stopped instance without a public IP, which StartInstance brings to Running', async () => {
    const id = await createInstance({ internetMaxBandwidthOut: 5 });
    expect(await statusOf(h.ecs, id)).toBe('Stopped');
    await h.ecs.startInstance(new $Ecs.StartInstanceRequest({ instanceId: id }));
    expect(await statusOf(h.ecs, id)).toBe('Starting');
    h.emulator.control.advanceClock({ seconds: 6 });
    expect(await statusOf(h.ecs, id)).toBe('Running');
  });

  it('allocates a public IP on a Stopped or Running instance with bandwidth, once', async () => {
    const id = await createInstance({ internetMaxBandwidthOut: 5 });
    const res = await h.ecs.allocatePublicIpAddress(new $Ecs.AllocatePublicIpAddressRequest({ instanceId: id }));
    expect(res.body?.ipAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(await failureOf(h.ecs.allocatePublicIpAddress(new $Ecs.AllocatePublicIpAddressRequest({ instanceId: id })))).toMatchObject({ code: 'AllocatedAlready', statusCode: 403 });
  });

  it('refuses a public IP without bandwidth, or while the instance is still booting', async () => {
    const noBandwidth = await createInstance();
    expect(await failureOf(h.ecs.allocatePublicIpAddress(new $Ecs.AllocatePublicIpAddressRequest({ instanceId: noBandwidth })))).toMatchObject({ statusCode: 403 });
    const [booting] = await run(h.ecs, { internetMaxBandwidthOut: 0 });
    expect(await failureOf(h.ecs.allocatePublicIpAddress(new $Ecs.AllocatePublicIpAddressRequest({ instanceId: booting })))).toMatchObject({ code: 'IncorrectInstanceStatus', statusCode: 403 });
  });

  it('returns the same instance for a repeated ClientToken', async () => {
    const a = await createInstance({ clientToken: 'legacy-1' });
    const b = await createInstance({ clientToken: 'legacy-1' });
    expect(b).toBe(a);
  });
});

describe('StartInstance and StopInstance', () => {
  it('stops a Running instance through Stopping and refuses to start anything but Stopped', async () => {
    const id = await runUntilRunning();
    expect(await failureOf(h.ecs.startInstance(new $Ecs.StartInstanceRequest({ instanceId: id })))).toMatchObject({ code: 'IncorrectInstanceStatus', statusCode: 403 });
    await h.ecs.stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id }));
    expect(await statusOf(h.ecs, id)).toBe('Stopping');
    expect(await failureOf(h.ecs.stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id })))).toMatchObject({ code: 'IncorrectInstanceStatus' });
    h.emulator.control.advanceClock({ seconds: 6 });
    expect(await statusOf(h.ecs, id)).toBe('Stopped');
  });

  it('answers InvalidInstanceId.NotFound (404) for an unknown instance', async () => {
    expect(await failureOf(h.ecs.startInstance(new $Ecs.StartInstanceRequest({ instanceId: 'i-bp000000000000000000' })))).toMatchObject({ code: 'InvalidInstanceId.NotFound', statusCode: 404 });
  });
});

describe('StartInstances', () => {
  it('starts all together or none, failing with the first refusal (AllTogether, the default)', async () => {
    const stopped = await createInstance();
    const running = await runUntilRunning();
    expect(await failureOf(startInstances([stopped, running]))).toMatchObject({ code: 'IncorrectInstanceStatus' });
    expect(await statusOf(h.ecs, stopped)).toBe('Stopped');
    const res = await startInstances([stopped]);
    expect(res.body?.instanceResponses?.instanceResponse).toEqual([
      expect.objectContaining({ instanceId: stopped, code: '200', previousStatus: 'Stopped', currentStatus: 'Starting' }),
    ]);
  });

  // StartInstances docs (doc-detail/155374): a passing dry run answers DRYRUN.SUCCESS; with SuccessFirst
  // only DRYRUN.SUCCESS, whatever the instances' states.
  it('answers DRYRUN.SUCCESS to a dry run that passes, and to every SuccessFirst dry run', async () => {
    const stopped = await createInstance();
    const running = await runUntilRunning();
    const dry = (ids: string[], batchOptimization?: string) =>
      h.ecs.startInstances(new $Ecs.StartInstancesRequest({ regionId: REGION, instanceId: ids, batchOptimization, dryRun: true }));
    expect(await failureOf(dry([stopped]))).toMatchObject({ code: 'DRYRUN.SUCCESS', statusCode: 400 });
    expect(await failureOf(dry([stopped, running]))).toMatchObject({ code: 'IncorrectInstanceStatus' });
    expect(await failureOf(dry([stopped, running], 'SuccessFirst'))).toMatchObject({ code: 'DRYRUN.SUCCESS' });
    expect(await statusOf(h.ecs, stopped)).toBe('Stopped');
  });

  it('starts those it can and reports each one with SuccessFirst', async () => {
    const stopped = await createInstance();
    const running = await runUntilRunning();
    const res = await startInstances([stopped, running, 'i-bp000000000000000000'], 'SuccessFirst');
    expect(res.body?.instanceResponses?.instanceResponse?.map((r) => [r.instanceId, r.code])).toEqual([
      [stopped, '200'],
      [running, 'IncorrectInstanceStatus'],
      ['i-bp000000000000000000', 'InvalidInstanceId.NotFound'],
    ]);
    expect(await statusOf(h.ecs, stopped)).toBe('Starting');
  });
});

describe('DeleteInstance and DeleteInstances', () => {
  it('releases a Stopped instance, after which it is not found', async () => {
    const id = await createInstance();
    await h.ecs.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: id }));
    expect(await statusOf(h.ecs, id)).toBeUndefined();
    expect(await failureOf(h.ecs.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: id })))).toMatchObject({ code: 'InvalidInstanceId.NotFound' });
    expect(h.emulator.control.instances()[0]).toMatchObject({ instanceId: id, fate: 'deleted' });
  });

  it('refuses a Running instance unless Force is true', async () => {
    const id = await runUntilRunning();
    expect(await failureOf(h.ecs.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: id })))).toMatchObject({ code: 'IncorrectInstanceStatus', statusCode: 403 });
    await h.ecs.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
    expect(await statusOf(h.ecs, id)).toBeUndefined();
  });

  // DeleteInstance(s) docs: an instance still initialising cannot be released, even with Force.
  it('refuses to force-delete an instance still initialising with IncorrectInstanceStatus.Initializing', async () => {
    const [id] = await run(h.ecs);
    const one = h.ecs.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
    expect(await failureOf(one)).toMatchObject({ code: 'IncorrectInstanceStatus.Initializing', statusCode: 403 });
    const many = h.ecs.deleteInstances(new $Ecs.DeleteInstancesRequest({ regionId: REGION, instanceId: [id], force: true }));
    expect(await failureOf(many)).toMatchObject({ code: 'IncorrectInstanceStatus.Initializing', statusCode: 403 });
    expect(await statusOf(h.ecs, id)).toBe('Pending');
  });

  // DeleteInstances names its missing ids in the plural code; DeleteInstance keeps the singular.
  it('answers InvalidInstanceIds.NotFound when DeleteInstances names an unknown instance', async () => {
    const id = await createInstance();
    const del = h.ecs.deleteInstances(new $Ecs.DeleteInstancesRequest({ regionId: REGION, instanceId: [id, 'i-bp000000000000000000'] }));
    expect(await failureOf(del)).toMatchObject({ code: 'InvalidInstanceIds.NotFound', statusCode: 404 });
    expect(await statusOf(h.ecs, id)).toBe('Stopped');
  });

  it('releases a batch all or nothing', async () => {
    const stopped = await createInstance();
    const running = await runUntilRunning();
    const del = (force?: boolean) => h.ecs.deleteInstances(new $Ecs.DeleteInstancesRequest({ regionId: REGION, instanceId: [stopped, running], force }));
    expect(await failureOf(del())).toMatchObject({ code: 'IncorrectInstanceStatus' });
    expect(await statusOf(h.ecs, stopped)).toBe('Stopped');
    await del(true);
    expect(h.emulator.control.instances().map((i) => i.fate)).toEqual(['deleted', 'deleted']);
  });
});
