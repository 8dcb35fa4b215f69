import { $Ecs, describe1, failureOf, MINUTE, REGION, run, runRequest, startHarness, statusOf, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.emulator.close());
afterEach(() => h.emulator.control.reset());

/** `yyyy-MM-ddTHH:mm:ssZ` at `ms` from the emulator's now. */
const fromNow = (ms: number) => new Date(h.emulator.control.now() + ms).toISOString().slice(0, 19) + 'Z';

describe('RunInstances', () => {
  it('creates Amount instances with ids shaped like real ones and a TradePrice', async () => {
    const res = await h.ecs.runInstances(runRequest({ amount: 3 }));
    const ids = res.body?.instanceIdSets?.instanceIdSet ?? [];
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(id).toMatch(/^i-[a-z0-9]{20}$/);
    expect(res.body?.tradePrice).toBeGreaterThan(0);
    expect(res.body?.orderId).toBeUndefined();
  });

  it('accepts Amount from 1 to 100 only', async () => {
    expect(await failureOf(run(h.ecs, { amount: 0 }))).toMatchObject({ code: 'InvalidParameter', statusCode: 400 });
    expect(await failureOf(run(h.ecs, { amount: 101 }))).toMatchObject({ code: 'InvalidParameter' });
    expect(await run(h.ecs, { amount: 100 })).toHaveLength(100);
  });

  it('is all-or-nothing without MinAmount: too little stock creates nothing and says OperationDenied.NoStock (403)', async () => {
    h.emulator.control.setStock({ zoneId: 'cn-hangzhou-h', instanceType: 'ecs.g7.large', available: 2 });
    expect(await failureOf(run(h.ecs, { amount: 3 }))).toMatchObject({ code: 'OperationDenied.NoStock', statusCode: 403 });
    expect(h.emulator.control.instances()).toHaveLength(0);
  });

  it('creates what stock allows when MinAmount is met, and fails below MinAmount', async () => {
    h.emulator.control.setStock({ zoneId: 'cn-hangzhou-h', instanceType: 'ecs.g7.large', available: 3 });
    expect(await failureOf(run(h.ecs, { amount: 5, minAmount: 4 }))).toMatchObject({ code: 'OperationDenied.NoStock' });
    expect(await run(h.ecs, { amount: 5, minAmount: 2 })).toHaveLength(3);
    expect(await run(h.ecs, { vSwitchId: 'vsw-local-i', amount: 2 })).toHaveLength(2);
  });

  it('refuses to pass the account quota with QuotaExceed.ElasticQuota (403)', async () => {
    h.emulator.control.setQuota({ instances: 4 });
    await run(h.ecs, { amount: 3 });
    expect(await failureOf(run(h.ecs, { amount: 2 }))).toMatchObject({ code: 'QuotaExceed.ElasticQuota', statusCode: 403 });
    expect(await run(h.ecs, { amount: 2, minAmount: 1 })).toHaveLength(1);
  });

  it('counts a per-type quota across zones and a per-zone vCPU quota across types', async () => {
    h.emulator.control.setQuota({ instanceTypes: { 'ecs.g7.large': 3 }, zoneVcpus: { 'cn-hangzhou-i': 4 } });
    await run(h.ecs, { amount: 2 });
    // the type's quota is regional: one more g7 anywhere
    expect(await failureOf(run(h.ecs, { amount: 2, vSwitchId: 'vsw-local-j' }))).toMatchObject({ code: 'QuotaExceed.ElasticQuota', statusCode: 403 });
    expect(await run(h.ecs, { amount: 1, vSwitchId: 'vsw-local-j' })).toHaveLength(1);
    // zone i holds 4 vCPUs: two 2-vCPU instances of any type
    expect(await run(h.ecs, { amount: 2, vSwitchId: 'vsw-local-i', instanceType: 'ecs.c7.large' })).toHaveLength(2);
    expect(await failureOf(run(h.ecs, { amount: 1, vSwitchId: 'vsw-local-i', instanceType: 'ecs.t6-c1m1.large' }))).toMatchObject({ code: 'QuotaExceed.ElasticQuota' });
    expect(await run(h.ecs, { amount: 1, vSwitchId: 'vsw-local-h', instanceType: 'ecs.t6-c1m1.large' })).toHaveLength(1);
  });

  it('answers DryRunOperation when every check passes and creates nothing', async () => {
    expect(await failureOf(run(h.ecs, { amount: 2, dryRun: true }))).toMatchObject({ code: 'DryRunOperation', statusCode: 400 });
    expect(await failureOf(run(h.ecs, { dryRun: true, imageId: 'm-missing' }))).toMatchObject({ code: 'InvalidImageId.NotFound' });
    expect(h.emulator.control.instances()).toHaveLength(0);
  });

  describe('with a ClientToken', () => {
    it('returns the same ids for the same token and parameters and creates nothing more', async () => {
      const first = await run(h.ecs, { amount: 2, clientToken: 'batch-1-chunk-0' });
      const again = await run(h.ecs, { amount: 2, clientToken: 'batch-1-chunk-0' });
      expect(again).toEqual(first);
      expect(h.emulator.control.instances()).toHaveLength(2);
    });

    it('answers IdempotentParameterMismatch for the same token with other parameters', async () => {
      await run(h.ecs, { amount: 2, clientToken: 'batch-2' });
      expect(await failureOf(run(h.ecs, { amount: 3, clientToken: 'batch-2' }))).toMatchObject({ code: 'IdempotentParameterMismatch', statusCode: 400 });
    });

    it('creates exactly one set when 8 calls share one token at the same time', async () => {
      const calls = Array.from({ length: 8 }, () => run(h.ecs, { amount: 5, clientToken: 'concurrent-token' }));
      const answers = await Promise.all(calls);
      for (const ids of answers) expect(ids).toEqual(answers[0]);
      const created = h.emulator.control.instances().filter((i) => i.clientToken === 'concurrent-token');
      expect(created.map((i) => i.instanceId).sort()).toEqual([...answers[0]].sort());
    });
  });

  describe('AutoReleaseTime', () => {
    it('must be at least 30 minutes and at most 3 years ahead', async () => {
      for (const at of [fromNow(10 * MINUTE), fromNow(4 * 365 * 24 * 60 * MINUTE), 'tomorrow']) {
        expect(await failureOf(run(h.ecs, { autoReleaseTime: at }))).toMatchObject({ code: 'InvalidAutoReleaseTime.Malformed', statusCode: 400 });
      }
    });

    it('shows the release time to the minute and releases the instance when the clock reaches it', async () => {
      const at = fromNow(45 * MINUTE);
      const [id] = await run(h.ecs, { autoReleaseTime: at });
      expect((await describe1(h.ecs, id))?.autoReleaseTime).toBe(at.slice(0, 16) + 'Z');
      h.emulator.control.advanceClock({ ms: 46 * MINUTE });
      expect(await describe1(h.ecs, id)).toBeUndefined();
      expect(h.emulator.control.instances()[0]).toMatchObject({ instanceId: id, fate: 'released' });
    });
  });

  it('gives a public IP when InternetMaxBandwidthOut > 0 and none otherwise', async () => {
    const [withIp] = await run(h.ecs, { internetMaxBandwidthOut: 10 });
    const [without] = await run(h.ecs);
    expect((await describe1(h.ecs, withIp))?.publicIpAddress?.ipAddress).toEqual([expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/)]);
    expect((await describe1(h.ecs, without))?.publicIpAddress?.ipAddress).toEqual([]);
    expect((await describe1(h.ecs, without))?.vpcAttributes?.privateIpAddress?.ipAddress).toEqual([expect.stringMatching(/^172\.16\./)]);
  });

  it('needs a Period for PrePaid and then answers with an OrderId', async () => {
    expect(await failureOf(run(h.ecs, { instanceChargeType: 'PrePaid' }))).toMatchObject({ code: 'MissingParamter' });
    expect(await failureOf(run(h.ecs, { instanceChargeType: 'PrePaid', period: 10 }))).toMatchObject({ code: 'InvalidPeriod' });
    const res = await h.ecs.runInstances(runRequest({ instanceChargeType: 'PrePaid', period: 1, periodUnit: 'Month' }));
    expect(res.body?.orderId).toMatch(/^\d{15}$/);
  });

  it('takes spot parameters with PostPaid only', async () => {
    const [id] = await run(h.ecs, { spotStrategy: 'SpotAsPriceGo' });
    expect((await describe1(h.ecs, id))?.spotStrategy).toBe('SpotAsPriceGo');
    expect(await failureOf(run(h.ecs, { spotStrategy: 'SpotAsPriceGo', instanceChargeType: 'PrePaid', period: 1 }))).toMatchObject({ code: 'InvalidSpotStrategy' });
    expect(await failureOf(run(h.ecs, { spotStrategy: 'Cheapest' }))).toMatchObject({ code: 'InvalidSpotStrategy' });
  });

  it('names instances and hosts from prefix[begin,bits]suffix sequences and UniqueSuffix', async () => {
    const ids = await run(h.ecs, { amount: 3, instanceName: 'web-[8,3]-hz', hostName: 'node', uniqueSuffix: true });
    const names = await Promise.all(ids.map((id) => describe1(h.ecs, id)));
    expect(names.map((i) => i?.instanceName)).toEqual(['web-008-hz', 'web-009-hz', 'web-010-hz']);
    expect(names.map((i) => i?.hostName)).toEqual(['node001', 'node002', 'node003']);
  });

  it('keeps up to 20 tags and refuses more, or keys starting with aliyun or acs:', async () => {
    const tag = (n: number) => Array.from({ length: n }, (_, i) => new $Ecs.RunInstancesRequestTag({ key: `k${i}`, value: `v${i}` }));
    const [id] = await run(h.ecs, { tag: tag(20) });
    expect((await describe1(h.ecs, id))?.tags?.tag).toHaveLength(20);
    expect(await failureOf(run(h.ecs, { tag: tag(21) }))).toMatchObject({ code: 'InvalidTagCount' });
    for (const key of ['aliyun-owner', 'acs:team']) {
      expect(await failureOf(run(h.ecs, { tag: [new $Ecs.RunInstancesRequestTag({ key, value: 'x' })] }))).toMatchObject({ code: 'InvalidTagKey.Malformed' });
    }
  });

  it('names an unknown image, type, vSwitch or security group with the real NotFound codes', async () => {
    expect(await failureOf(run(h.ecs, { imageId: 'm-nope' }))).toMatchObject({ code: 'InvalidImageId.NotFound', statusCode: 404 });
    expect(await failureOf(run(h.ecs, { instanceType: 'ecs.x99.huge' }))).toMatchObject({ code: 'InvalidInstanceType.ValueNotSupported', statusCode: 400 });
    expect(await failureOf(run(h.ecs, { vSwitchId: 'vsw-nope' }))).toMatchObject({ code: 'InvalidVSwitchId.NotFound', statusCode: 404 });
    expect(await failureOf(run(h.ecs, { securityGroupId: 'sg-nope' }))).toMatchObject({ code: 'InvalidSecurityGroupId.NotFound', statusCode: 400 });
  });

  it('refuses a ZoneId that is not the vSwitch zone', async () => {
    expect(await failureOf(run(h.ecs, { zoneId: 'cn-hangzhou-i', vSwitchId: 'vsw-local-h' }))).toMatchObject({ code: 'InvalidParameter.Mismatch', statusCode: 400 });
    const [id] = await run(h.ecs, { zoneId: 'cn-hangzhou-i', vSwitchId: 'vsw-local-i' });
    expect((await describe1(h.ecs, id))?.zoneId).toBe('cn-hangzhou-i');
  });

  it('refuses another region and missing required parameters', async () => {
    expect(await failureOf(run(h.ecs, { regionId: 'cn-beijing' }))).toMatchObject({ code: 'InvalidRegionId.NotFound' });
    expect(await failureOf(h.ecs.runInstances(new $Ecs.RunInstancesRequest({ regionId: REGION, imageId: 'x' })))).toMatchObject({ code: 'MissingParameter' });
  });

  it('starts instances Pending, then Starting, then Running as the clock moves (5 s by default)', async () => {
    const [id] = await run(h.ecs);
    expect(await statusOf(h.ecs, id)).toBe('Pending');
    h.emulator.control.advanceClock({ ms: 2500 });
    expect(await statusOf(h.ecs, id)).toBe('Starting');
    h.emulator.control.advanceClock({ ms: 2500 });
    const running = await describe1(h.ecs, id);
    expect(running).toMatchObject({ status: 'Running', startTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\dZ$/) });
  });
});
