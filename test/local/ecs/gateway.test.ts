import { $Ecs, callAction, failureOf, REGION, run, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    credentials: [
      { accessKeyId: 'AK-second', accessKeySecret: 'second-secret' },
      { accessKeyId: 'STS.local', accessKeySecret: 'sts-secret', securityToken: 'token-abc' },
    ],
  });
});
afterAll(() => h.emulator.close());
afterEach(() => h.emulator.control.reset());

const describeAll = (ecs: Harness['ecs']) => ecs.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION }));

describe('the ECS gateway', () => {
  it('answers a correctly signed request from the default key local/local-secret', async () => {
    const res = await describeAll(h.ecs);
    expect(res.statusCode).toBe(200);
    expect(res.body?.requestId).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  });

  it('accepts extra AccessKey pairs given as options', async () => {
    await expect(describeAll(h.clientWith({ accessKeyId: 'AK-second', accessKeySecret: 'second-secret' }))).resolves.toBeDefined();
  });

  it('refuses a request signed with the wrong secret with SignatureDoesNotMatch', async () => {
    const e = await failureOf(describeAll(h.clientWith({ accessKeySecret: 'wrong' })));
    expect(e).toMatchObject({ name: 'ClientError', code: 'SignatureDoesNotMatch', statusCode: 400 });
    expect(e.data).toEqual(expect.objectContaining({ Code: 'SignatureDoesNotMatch', RequestId: expect.any(String), HostId: expect.any(String), Message: expect.any(String), Recommend: expect.any(String) }));
  });

  it('refuses an unknown AccessKey with InvalidAccessKeyId.NotFound (404)', async () => {
    const e = await failureOf(describeAll(h.clientWith({ accessKeyId: 'nobody' })));
    expect(e).toMatchObject({ code: 'InvalidAccessKeyId.NotFound', statusCode: 404 });
  });

  it('refuses a request whose date is more than 15 minutes off with InvalidTimeStamp.Expired', async () => {
    h.emulator.control.skewGateway({ ms: 20 * 60_000 });
    const e = await failureOf(describeAll(h.ecs));
    expect(e).toMatchObject({ code: 'InvalidTimeStamp.Expired', statusCode: 400 });
  });

  it('judges freshness by wall time, so advancing the lifecycle clock by hours does not break signatures', async () => {
    h.emulator.control.advanceClock({ seconds: 3 * 3600 });
    await expect(describeAll(h.ecs)).resolves.toBeDefined();
  });

  it('accepts STS credentials carrying their security token, and refuses a wrong token', async () => {
    const sts = h.clientWith({ accessKeyId: 'STS.local', accessKeySecret: 'sts-secret', securityToken: 'token-abc' });
    expect(await run(sts)).toHaveLength(1);
    const forged = h.clientWith({ accessKeyId: 'STS.local', accessKeySecret: 'sts-secret', securityToken: 'token-xyz' });
    expect(await failureOf(describeAll(forged))).toMatchObject({ code: 'InvalidSecurityToken.Mismatch', statusCode: 400 });
  });

  it('answers an unknown action with InvalidAction.NotFound (404)', async () => {
    const e = await failureOf(callAction(h.ecs, 'LaunchRockets', { RegionId: REGION }));
    expect(e).toMatchObject({ code: 'InvalidAction.NotFound', statusCode: 404 });
  });

  it('refuses another API version with InvalidVersion', async () => {
    const e = await failureOf(callAction(h.ecs, 'DescribeInstances', { RegionId: REGION }, '2016-03-14'));
    expect(e).toMatchObject({ code: 'InvalidVersion', statusCode: 400 });
  });

  it('counts calls per action, failed ones included', async () => {
    await describeAll(h.ecs);
    await failureOf(describeAll(h.clientWith({ accessKeySecret: 'wrong' })));
    await run(h.ecs);
    expect(h.emulator.control.calls()).toEqual({ DescribeInstances: 2, RunInstances: 1 });
  });
});
