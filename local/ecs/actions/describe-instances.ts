import { ecsError } from '../errors';
import type { Params } from '../params';
import { lastStartAt } from '../store/lifecycle';
import { isLive, statusOf, type InstanceRecord } from '../store/state';
import type { World } from '../world';
import { apiMinute, checkRegion } from './common';
import type { ActionContext, EcsAction } from './context';
import { pageOf } from './paging';

const STATUSES = ['Pending', 'Running', 'Starting', 'Stopping', 'Stopped'] as const;

export const describeInstances: EcsAction = {
  name: 'DescribeInstances',
  mutates: false,
  run(p: Params, ctx: ActionContext) {
    checkRegion(p, ctx);
    const ids = p.jsonList('InstanceIds');
    if (ids && ids.length > 100) throw ecsError('InvalidParameter', 'InstanceIds may name at most 100 instances.');
    const status = p.oneOf('Status', [...STATUSES, ''], '');
    const zoneId = p.str('ZoneId');
    const vSwitchId = p.str('VSwitchId');
    const instanceType = p.str('InstanceType');
    const instanceName = p.str('InstanceName');
    const tagFilters = p.objectList('Tag').map((t) => ({ key: t.Key, value: t.Value }));
    const wanted = ids && new Set(ids);

    const matches = (inst: InstanceRecord) =>
      isLive(inst, ctx.now) &&
      (!wanted || wanted.has(inst.instanceId)) &&
      (!status || statusOf(inst, ctx.now) === status) &&
      (!zoneId || inst.zoneId === zoneId) &&
      (!vSwitchId || inst.vSwitchId === vSwitchId) &&
      (!instanceType || inst.instanceType === instanceType) &&
      (!instanceName || inst.instanceName === instanceName) &&
      tagFilters.every((f) => inst.tags.some((t) => t.key === f.key && (f.value === undefined || t.value === f.value)));

    const page = pageOf(p, [...ctx.state.instances.values()], matches, { defaultSize: 10, maxSize: 100, clampMaxResults: { min: 10, max: 100 } });
    return { ...page.meta, Instances: { Instance: page.items.map((i) => render(i, ctx.now, ctx.world)) } };
  },
};

/** The fields of one instance as DescribeInstances shows them (times to the minute, as the real one). */
export function render(inst: InstanceRecord, now: number, world: World) {
  const type = world.instanceTypes.find((t) => t.instanceType === inst.instanceType);
  const started = lastStartAt(inst.timeline, now);
  const recycling = inst.recyclingAt !== undefined && inst.recyclingAt <= now;
  return {
    InstanceId: inst.instanceId,
    InstanceName: inst.instanceName,
    HostName: inst.hostName,
    Description: inst.description,
    RegionId: inst.regionId,
    ZoneId: inst.zoneId,
    InstanceType: inst.instanceType,
    InstanceTypeFamily: inst.instanceType.split('.').slice(0, 2).join('.'),
    Cpu: type?.cpu ?? 2,
    Memory: Math.round((type?.memoryGiB ?? 4) * 1024),
    ImageId: inst.imageId,
    OSType: 'linux',
    OSName: 'Alibaba Cloud Linux 3.2104 LTS 64 bit',
    Status: statusOf(inst, now),
    InstanceNetworkType: 'vpc',
    IoOptimized: true,
    InstanceChargeType: inst.instanceChargeType,
    SpotStrategy: inst.spotStrategy,
    SpotPriceLimit: inst.spotPriceLimit ?? 0,
    InternetChargeType: inst.internetChargeType,
    InternetMaxBandwidthOut: inst.internetMaxBandwidthOut,
    InternetMaxBandwidthIn: inst.internetMaxBandwidthOut > 0 ? 100 : 0,
    CreationTime: apiMinute(inst.createdAt),
    StartTime: started === undefined ? '' : apiMinute(started),
    AutoReleaseTime: inst.autoReleaseAt === undefined ? '' : apiMinute(inst.autoReleaseAt),
    ExpiredTime: '2099-12-31T15:59Z',
    DeletionProtection: false,
    VpcAttributes: {
      VpcId: inst.vpcId,
      VSwitchId: inst.vSwitchId,
      NatIpAddress: '',
      PrivateIpAddress: { IpAddress: [inst.privateIp] },
    },
    PublicIpAddress: { IpAddress: inst.publicIp ? [inst.publicIp] : [] },
    InnerIpAddress: { IpAddress: [] },
    SecurityGroupIds: { SecurityGroupId: inst.securityGroupIds },
    Tags: { Tag: inst.tags.map((t) => ({ TagKey: t.key, TagValue: t.value })) },
    OperationLocks: { LockReason: recycling ? [{ LockReason: inst.recyclingLock ?? 'Recycling' }] : [] },
  };
}
