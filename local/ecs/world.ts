import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** What exists in the emulated account before any call: region, zones, network, images, types, quota. */
const VSwitch = z.object({
  vSwitchId: z.string().min(1),
  zoneId: z.string().min(1),
  vpcId: z.string().min(1).default('vpc-local'),
  /** Private IPs are handed out from here in order. */
  cidrBlock: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/).default('172.16.0.0/16'),
});

const InstanceType = z.object({
  instanceType: z.string().min(1),
  cpu: z.number().int().positive().default(2),
  memoryGiB: z.number().positive().default(8),
  /** Price per hour (PostPaid) quoted as TradePrice. */
  hourlyPrice: z.number().nonnegative().default(0.5),
});

export const WorldSchema = z.object({
  regionId: z.string().min(1),
  zones: z.array(z.string().min(1)).min(1),
  vSwitches: z.array(VSwitch).min(1),
  securityGroups: z.array(z.string().min(1)).min(1),
  images: z.array(z.string().min(1)).min(1),
  instanceTypes: z.array(InstanceType).min(1),
  /** Instances that can still be created per zone and type, unless `stock` says otherwise. */
  defaultStock: z.number().int().nonnegative().default(1000),
  /** Overrides as `{ "<zone>": { "<type>": n } }`. */
  stock: z.record(z.string(), z.record(z.string(), z.number().int().nonnegative())).default({}),
  /** Live instances the account may hold at once. */
  quota: z.number().int().nonnegative().default(500),
  /**
   * QuotaExceed.ElasticQuota as ECS counts it (CreateInstance docs, doc-detail/25499): live instances of
   * one type in the region, `{ "<type>": n }`, and vCPUs of all types in one zone, `{ "<zone>": n }`.
   * Absent = no limit.
   */
  typeQuota: z.record(z.string(), z.number().int().nonnegative()).default({}),
  zoneVcpuQuota: z.record(z.string(), z.number().int().nonnegative()).default({}),
});

export type World = z.infer<typeof WorldSchema>;
export type WorldInput = z.input<typeof WorldSchema>;

export const DEFAULT_WORLD: WorldInput = {
  regionId: 'cn-hangzhou',
  zones: ['cn-hangzhou-h', 'cn-hangzhou-i', 'cn-hangzhou-j'],
  vSwitches: [
    { vSwitchId: 'vsw-local-h', zoneId: 'cn-hangzhou-h', cidrBlock: '172.16.0.0/20' },
    { vSwitchId: 'vsw-local-i', zoneId: 'cn-hangzhou-i', cidrBlock: '172.16.16.0/20' },
    { vSwitchId: 'vsw-local-j', zoneId: 'cn-hangzhou-j', cidrBlock: '172.16.32.0/20' },
  ],
  securityGroups: ['sg-local'],
  images: ['aliyun_3_x64_20G_alibase_20240819.vhd'],
  instanceTypes: [
    { instanceType: 'ecs.g7.large', cpu: 2, memoryGiB: 8, hourlyPrice: 0.52 },
    { instanceType: 'ecs.c7.large', cpu: 2, memoryGiB: 4, hourlyPrice: 0.43 },
    { instanceType: 'ecs.t6-c1m1.large', cpu: 2, memoryGiB: 2, hourlyPrice: 0.09 },
  ],
  defaultStock: 1000,
  quota: 500,
};

/** Accepts a world object or the path of a JSON file; throws a readable error when it does not validate. */
export function loadWorld(source?: WorldInput | string): World {
  const raw: unknown =
    source === undefined ? DEFAULT_WORLD : typeof source === 'string' ? JSON.parse(readFileSync(source, 'utf8')) : source;
  const parsed = WorldSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`invalid ECS emulator world: ${z.prettifyError(parsed.error)}`);
  const world = parsed.data;
  for (const vsw of world.vSwitches) {
    if (!world.zones.includes(vsw.zoneId)) throw new Error(`invalid ECS emulator world: ${vsw.vSwitchId} is in unknown zone ${vsw.zoneId}`);
  }
  return world;
}

export function stockFromWorld(world: World): Record<string, number> {
  const stock: Record<string, number> = {};
  for (const zone of world.zones) {
    for (const t of world.instanceTypes) {
      stock[stockKey(zone, t.instanceType)] = world.stock[zone]?.[t.instanceType] ?? world.defaultStock;
    }
  }
  return stock;
}

export const stockKey = (zoneId: string, instanceType: string) => `${zoneId}/${instanceType}`;
