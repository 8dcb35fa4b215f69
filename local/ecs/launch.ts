import type { ActionContext } from './actions/context';
import { checkRegion } from './actions/common';
import { ecsError } from './errors';
import type { Params } from './params';
import type { Transition } from './store/lifecycle';
import type { InstanceRecord, Tag } from './store/state';
import { stockKey, type World } from './world';

/** The parameters RunInstances and CreateInstance share, checked against the world. */
export interface LaunchSpec {
  regionId: string;
  zoneId: string;
  instanceType: string;
  imageId: string;
  vpcId: string;
  vSwitchId: string;
  securityGroupIds: string[];
  internetMaxBandwidthOut: number;
  internetChargeType: string;
  instanceChargeType: 'PostPaid' | 'PrePaid';
  period?: number;
  periodUnit: 'Month' | 'Week';
  spotStrategy: string;
  spotPriceLimit?: number;
  systemDiskCategory: string;
  description: string;
  tags: Tag[];
  autoReleaseAt?: number;
}

const DISK_CATEGORIES = ['cloud_efficiency', 'cloud_ssd', 'cloud_essd', 'cloud', 'cloud_auto', 'cloud_essd_entry'] as const;
const SPOT_STRATEGIES = ['NoSpot', 'SpotWithPriceLimit', 'SpotAsPriceGo'] as const;
const MONTH_PERIODS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36, 48, 60];
const MINUTE = 60_000;
const AUTO_RELEASE_MIN_MS = 30 * MINUTE;
const AUTO_RELEASE_MAX_MS = 3 * 365 * 24 * 60 * MINUTE;

export function parseLaunchSpec(p: Params, ctx: ActionContext): LaunchSpec {
  const { world } = ctx;
  const regionId = checkRegion(p, ctx);
  if (p.str('LaunchTemplateId') || p.str('LaunchTemplateName')) {
    throw ecsError('InvalidParameter', 'Launch templates are not supported by the local ECS emulator; pass the parameters directly.');
  }
  const imageId = p.required('ImageId');
  const instanceType = p.required('InstanceType');
  const vSwitchId = p.required('VSwitchId');
  const internetMaxBandwidthOut = p.int('InternetMaxBandwidthOut', { min: 0, max: 100 }, 0);
  const internetChargeType = p.oneOf('InternetChargeType', ['PayByTraffic', 'PayByBandwidth'], 'PayByTraffic', 'InvalidInternetChargeType.ValueNotSupported');
  const instanceChargeType = p.oneOf('InstanceChargeType', ['PostPaid', 'PrePaid'], 'PostPaid', 'InvalidInstanceChargeType.NotFound');
  const periodUnit = p.oneOf('PeriodUnit', ['Month', 'Week'], 'Month', 'InvalidPeriod');
  const spotStrategy = p.oneOf('SpotStrategy', SPOT_STRATEGIES, 'NoSpot', 'InvalidSpotStrategy');
  const spotPriceLimit = p.number('SpotPriceLimit');
  const systemDiskCategory = p.oneOf('SystemDisk.Category', DISK_CATEGORIES, 'cloud_essd', 'InvalidSystemDiskCategory.ValueNotSupported');
  const description = p.str('Description') ?? '';
  const tags = parseTags(p);

  let period: number | undefined;
  if (instanceChargeType === 'PrePaid') {
    if (!p.has('Period')) throw ecsError('MissingParamter');
    period = Number(p.str('Period'));
    const allowed = periodUnit === 'Week' ? [1, 2, 3, 4] : MONTH_PERIODS;
    if (!allowed.includes(period)) throw ecsError('InvalidPeriod', `The specified Period "${p.str('Period')}" is not valid for PeriodUnit ${periodUnit}.`);
  }
  if (spotStrategy !== 'NoSpot' && instanceChargeType !== 'PostPaid') {
    throw ecsError('InvalidSpotStrategy', 'SpotStrategy is only valid when InstanceChargeType is PostPaid.');
  }
  if (spotStrategy === 'SpotWithPriceLimit' && spotPriceLimit === undefined) {
    throw ecsError('MissingParameter', 'The input parameter "SpotPriceLimit" that is mandatory when SpotStrategy is SpotWithPriceLimit is not supplied.');
  }

  const autoReleaseAt = parseAutoRelease(p.str('AutoReleaseTime'), ctx.now);

  if (!world.images.includes(imageId)) throw ecsError('InvalidImageId.NotFound', `The specified ImageId "${imageId}" does not exist.`);
  if (!world.instanceTypes.some((t) => t.instanceType === instanceType)) {
    throw ecsError('InvalidInstanceType.ValueNotSupported', `The specified InstanceType "${instanceType}" does not exist or is beyond the permitted range.`);
  }
  const vSwitch = world.vSwitches.find((v) => v.vSwitchId === vSwitchId);
  if (!vSwitch) throw ecsError('InvalidVSwitchId.NotFound', `Specified virtual switch "${vSwitchId}" does not exist.`);
  const zoneId = p.str('ZoneId') ?? vSwitch.zoneId;
  if (!world.zones.includes(zoneId)) throw ecsError('InvalidZoneId.NotFound', `The specified zone "${zoneId}" does not exist.`);
  if (zoneId !== vSwitch.zoneId) throw ecsError('InvalidParameter.Mismatch', `The vSwitch "${vSwitchId}" is in ${vSwitch.zoneId}, not in ZoneId ${zoneId}.`);

  const securityGroupIds = parseSecurityGroups(p, world);
  return {
    regionId, zoneId, instanceType, imageId, vpcId: vSwitch.vpcId, vSwitchId, securityGroupIds, internetMaxBandwidthOut,
    internetChargeType, instanceChargeType, period, periodUnit, spotStrategy, spotPriceLimit, systemDiskCategory,
    description, tags, autoReleaseAt,
  };
}

function parseSecurityGroups(p: Params, world: World): string[] {
  const single = p.str('SecurityGroupId');
  const many = p.list('SecurityGroupIds');
  if (single && many.length) throw ecsError('InvalidParameter', 'SecurityGroupId and SecurityGroupIds.N cannot be specified together.');
  const ids = single ? [single] : many;
  if (ids.length === 0) throw ecsError('MissingParameter', 'The input parameter "SecurityGroupId" that is mandatory for processing this request is not supplied.');
  for (const id of ids) {
    if (!world.securityGroups.includes(id)) throw ecsError('InvalidSecurityGroupId.NotFound', `The specified SecurityGroupId "${id}" does not exist.`);
  }
  return ids;
}

function parseTags(p: Params): Tag[] {
  const raw = p.objectList('Tag');
  if (raw.length > 20) throw ecsError('InvalidTagCount');
  return raw.map((t) => {
    const key = t.Key ?? '';
    if (!key || key.length > 128 || /^(aliyun|acs:)/i.test(key) || /https?:\/\//.test(key)) {
      throw ecsError('InvalidTagKey.Malformed', `The specified Tag.n.Key "${key}" is not valid.`);
    }
    return { key, value: t.Value ?? '' };
  });
}

/** UTC `yyyy-MM-ddTHH:mm[:ss]Z`, seconds dropped, between 30 minutes and 3 years from now. */
export function parseAutoRelease(raw: string | undefined, now: number): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:\d{2})?Z$/.exec(raw);
  const at = m ? Date.parse(`${m[1]}:00Z`) : NaN;
  if (!Number.isFinite(at) || at < now + AUTO_RELEASE_MIN_MS || at > now + AUTO_RELEASE_MAX_MS) {
    throw ecsError('InvalidAutoReleaseTime.Malformed', `The specified AutoReleaseTime "${raw}" is not valid: it must be UTC, at least 30 minutes and at most 3 years ahead.`);
  }
  return at;
}

/**
 * How many of `amount` the account and the zone can take now. Without MinAmount a batch is
 * all-or-nothing; with it, anything from MinAmount up is a success.
 */
export function capacityFor(ctx: ActionContext, spec: LaunchSpec, amount: number, minAmount: number): number {
  const { state, now } = ctx;
  const cpu = ctx.world.instanceTypes.find((t) => t.instanceType === spec.instanceType)?.cpu ?? 1;
  const cpuOf = (i: { instanceType: string }) => ctx.world.instanceTypes.find((t) => t.instanceType === i.instanceType)?.cpu ?? 1;
  const typeLimit = state.typeQuota[spec.instanceType];
  const zoneVcpus = state.zoneVcpuQuota[spec.zoneId];
  let zoneVcpusUsed = 0;
  if (zoneVcpus !== undefined) state.liveCount(now, (i) => (i.zoneId === spec.zoneId ? ((zoneVcpusUsed += cpuOf(i)), true) : false));
  const quotaLeft = Math.max(
    0,
    Math.min(
      state.quota - state.liveCount(now),
      typeLimit === undefined ? Infinity : typeLimit - state.liveCount(now, (i) => i.instanceType === spec.instanceType),
      zoneVcpus === undefined ? Infinity : Math.floor((zoneVcpus - zoneVcpusUsed) / cpu),
    ),
  );
  const stockLeft = ctx.state.stock[stockKey(spec.zoneId, spec.instanceType)] ?? 0;
  if (quotaLeft < minAmount) {
    throw ecsError(
      'QuotaExceed.ElasticQuota',
      `The quota of ${spec.instanceType} instances in the region or of vCPUs in ${spec.zoneId} is exceeded: ${quotaLeft} left, ${minAmount} requested.`,
    );
  }
  if (stockLeft < minAmount) {
    throw ecsError('OperationDenied.NoStock', `${spec.instanceType} is sold out in ${spec.zoneId}: ${stockLeft} left, ${minAmount} requested.`);
  }
  return Math.min(amount, quotaLeft, stockLeft);
}

export function priceOf(world: World, spec: LaunchSpec, count: number): number {
  const hourly = world.instanceTypes.find((t) => t.instanceType === spec.instanceType)?.hourlyPrice ?? 0;
  const hours = spec.instanceChargeType === 'PrePaid' ? (spec.periodUnit === 'Week' ? 168 : 730) * (spec.period ?? 1) : 1;
  const spotFactor = spec.spotStrategy === 'NoSpot' ? 1 : 0.2;
  return Math.round(hourly * hours * spotFactor * count * 1000) / 1000;
}

function nextPrivateIp(ctx: ActionContext, spec: LaunchSpec): string {
  const cidr = ctx.world.vSwitches.find((v) => v.vSwitchId === spec.vSwitchId)!.cidrBlock;
  const base = cidr.split('/')[0].split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const seq = (ctx.state.ipSeq[spec.vSwitchId] ?? 0) + 1;
  ctx.state.ipSeq[spec.vSwitchId] = seq;
  const n = base + 1 + seq;
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function nextPublicIp(ctx: ActionContext): string {
  const n = ++ctx.state.publicIpSeq;
  return `47.96.${Math.floor(n / 250) % 256}.${(n % 250) + 1}`;
}

/** Create the records, take them from stock, and mark them to vanish if a test asked for that. */
export function createInstances(
  ctx: ActionContext,
  spec: LaunchSpec,
  names: { instanceName?: string; hostName?: string }[],
  timeline: (now: number) => Transition[],
  origin: { action: string; clientToken?: string },
): InstanceRecord[] {
  const created: InstanceRecord[] = [];
  for (const name of names) {
    // A seeded sequence restarts with the process; with --data the old ids are still taken.
    let instanceId = ctx.ids.instanceId();
    while (ctx.state.instances.has(instanceId)) instanceId = ctx.ids.instanceId();
    const vanish = ctx.state.vanishNext;
    const record: InstanceRecord = {
      instanceId,
      regionId: spec.regionId,
      zoneId: spec.zoneId,
      instanceType: spec.instanceType,
      imageId: spec.imageId,
      vpcId: spec.vpcId,
      vSwitchId: spec.vSwitchId,
      securityGroupIds: spec.securityGroupIds,
      instanceName: name.instanceName ?? instanceId,
      hostName: name.hostName ?? `iZ${instanceId.slice(2)}Z`,
      description: spec.description,
      privateIp: nextPrivateIp(ctx, spec),
      internetMaxBandwidthOut: spec.internetMaxBandwidthOut,
      internetChargeType: spec.internetChargeType,
      instanceChargeType: spec.instanceChargeType,
      spotStrategy: spec.spotStrategy,
      spotPriceLimit: spec.spotPriceLimit,
      systemDiskCategory: spec.systemDiskCategory,
      tags: spec.tags,
      createdAt: ctx.now,
      timeline: timeline(ctx.now),
      autoReleaseAt: spec.autoReleaseAt,
      origin: { ...origin, requestId: ctx.requestId, accessKeyId: ctx.accessKeyId },
    };
    if (vanish.remaining > 0) {
      vanish.remaining--;
      record.vanishAt = ctx.now + vanish.afterMs;
    }
    ctx.state.instances.set(instanceId, record);
    created.push(record);
  }
  const key = stockKey(spec.zoneId, spec.instanceType);
  ctx.state.stock[key] = (ctx.state.stock[key] ?? 0) - created.length;
  return created;
}
