import { $Ecs, failureOf, REGION, run, startHarness, type Harness } from './harness';

let h: Harness;
let ids: string[];
beforeAll(async () => {
  h = await startHarness();
  ids = [...(await run(h.ecs, { amount: 100 })), ...(await run(h.ecs, { amount: 25, vSwitchId: 'vsw-local-i' }))];
});
afterAll(() => h.emulator.close());

const describeInstances = (req: Partial<$Ecs.DescribeInstancesRequest>) =>
  h.ecs.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION, ...req })).then((r) => r.body!);

describe('DescribeInstances', () => {
  it('pages 10 at a time by default, like the real one', async () => {
    const page = await describeInstances({});
    expect(page).toMatchObject({ totalCount: 125, pageNumber: 1, pageSize: 10 });
    expect(page.instances?.instance?.map((i) => i.instanceId)).toEqual(ids.slice(0, 10));
  });

  it('takes PageSize up to 100 and PageNumber', async () => {
    const page = await describeInstances({ pageSize: 100, pageNumber: 2 });
    expect(page.instances?.instance?.map((i) => i.instanceId)).toEqual(ids.slice(100));
    expect(await failureOf(describeInstances({ pageSize: 101 }))).toMatchObject({ code: 'InvalidParameter' });
  });

  it('walks everything with NextToken and MaxResults', async () => {
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await describeInstances({ maxResults: 40, nextToken });
      seen.push(...(page.instances?.instance ?? []).map((i) => i.instanceId!));
      nextToken = page.nextToken || undefined;
    } while (nextToken);
    expect(seen).toEqual(ids);
  });

  it('clamps MaxResults to 10..100 instead of refusing it', async () => {
    expect((await describeInstances({ maxResults: 3 })).instances?.instance).toHaveLength(10);
    expect((await describeInstances({ maxResults: 500 })).instances?.instance).toHaveLength(100);
  });

  it('looks up by InstanceIds (a JSON array, at most 100)', async () => {
    const page = await describeInstances({ instanceIds: JSON.stringify([ids[3], ids[110], 'i-bp000000000000000000']), pageSize: 100 });
    expect(page.instances?.instance?.map((i) => i.instanceId)).toEqual([ids[3], ids[110]]);
    expect(await failureOf(describeInstances({ instanceIds: JSON.stringify(ids.slice(0, 101)) }))).toMatchObject({ code: 'InvalidParameter' });
  });

  it('filters by Status and ZoneId', async () => {
    expect((await describeInstances({ status: 'Running' })).totalCount).toBe(0);
    expect((await describeInstances({ status: 'Pending', zoneId: 'cn-hangzhou-i' })).totalCount).toBe(25);
  });

  it('shows the fields a tracker reads', async () => {
    const [inst] = (await describeInstances({ instanceIds: JSON.stringify([ids[0]]) })).instances!.instance!;
    expect(inst).toMatchObject({
      instanceId: ids[0],
      regionId: REGION,
      zoneId: 'cn-hangzhou-h',
      instanceType: 'ecs.g7.large',
      imageId: 'aliyun_3_x64_20G_alibase_20240819.vhd',
      instanceChargeType: 'PostPaid',
      spotStrategy: 'NoSpot',
      creationTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\dZ$/),
      vpcAttributes: { vSwitchId: 'vsw-local-h', privateIpAddress: { ipAddress: [expect.any(String)] } },
      publicIpAddress: { ipAddress: [] },
      operationLocks: { lockReason: [] },
    });
  });
});

describe('DescribeInstanceStatus', () => {
  it('lists statuses by InstanceId.N, at most 50 a page', async () => {
    const res = await h.ecs.describeInstanceStatus(new $Ecs.DescribeInstanceStatusRequest({ regionId: REGION, instanceId: ids.slice(0, 60), pageSize: 50 }));
    expect(res.body).toMatchObject({ totalCount: 60, pageSize: 50 });
    expect(res.body?.instanceStatuses?.instanceStatus).toHaveLength(50);
    expect(res.body?.instanceStatuses?.instanceStatus?.[0]).toEqual({ instanceId: ids[0], status: 'Pending' });
    const tooBig = h.ecs.describeInstanceStatus(new $Ecs.DescribeInstanceStatusRequest({ regionId: REGION, pageSize: 51 }));
    expect(await failureOf(tooBig)).toMatchObject({ code: 'InvalidParameter' });
  });
});
