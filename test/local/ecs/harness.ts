import Ecs, * as $Ecs from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { Config } from '@alicloud/openapi-core/dist/utils';
import { RuntimeOptions } from '@darabonba/typescript';
import { startEcsEmulator, type EcsEmulator, type EcsEmulatorOptions } from '../../../local/ecs';

export { $Ecs };

/** The default world's names, so tests read like the launch profiles they stand for. */
export const IMAGE = 'aliyun_3_x64_20G_alibase_20240819.vhd';
export const REGION = 'cn-hangzhou';
export const MINUTE = 60_000;

export interface Harness {
  emulator: EcsEmulator;
  ecs: Ecs;
  clientWith(config: Partial<ConstructorParameters<typeof Config>[0]>): Ecs;
}

/** Start an emulator on 127.0.0.1:0 and a real SDK client for it; call in beforeAll. */
export async function startHarness(options: EcsEmulatorOptions = {}): Promise<Harness> {
  const emulator = await startEcsEmulator({ seed: 7, ...options });
  const clientWith = (config: Partial<ConstructorParameters<typeof Config>[0]>) =>
    new Ecs(
      new Config({
        accessKeyId: 'local',
        accessKeySecret: 'local-secret',
        endpoint: emulator.endpoint,
        protocol: 'HTTP',
        regionId: REGION,
        readTimeout: 3000,
        ...config,
      }),
    );
  return { emulator, ecs: clientWith({}), clientWith };
}

/** A RunInstances request that succeeds in the default world; override what the test is about. */
export function runRequest(overrides: Partial<$Ecs.RunInstancesRequest> = {}): $Ecs.RunInstancesRequest {
  return new $Ecs.RunInstancesRequest({
    regionId: REGION,
    imageId: IMAGE,
    instanceType: 'ecs.g7.large',
    vSwitchId: 'vsw-local-h',
    securityGroupId: 'sg-local',
    amount: 1,
    ...overrides,
  });
}

export async function run(ecs: Ecs, overrides: Partial<$Ecs.RunInstancesRequest> = {}): Promise<string[]> {
  const res = await ecs.runInstances(runRequest(overrides));
  return res.body?.instanceIdSets?.instanceIdSet ?? [];
}

export async function describe1(ecs: Ecs, instanceId: string) {
  const res = await ecs.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify([instanceId]) }));
  return res.body?.instances?.instance?.[0];
}

export async function statusOf(ecs: Ecs, instanceId: string): Promise<string | undefined> {
  return (await describe1(ecs, instanceId))?.status;
}

/** The SDK error a call failed with (name, code, statusCode, data...), or a failure if it succeeded. */
export async function failureOf(call: Promise<unknown>): Promise<any> {
  try {
    await call;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Call an action by name through the SDK's generic callApi (for actions the SDK has no method for). */
export async function callAction(ecs: Ecs, action: string, query: Record<string, string>, version = '2014-05-26') {
  const params = new $OpenApiUtil.Params({
    action,
    version,
    protocol: 'HTTP',
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  return ecs.callApi(params, new $OpenApiUtil.OpenApiRequest({ query }), new RuntimeOptions({}));
}
