import type { World } from '../world';
import { stockFromWorld } from '../world';
import type { InstanceStatus, Transition } from './lifecycle';
import { statusAt } from './lifecycle';

export interface Tag {
  key: string;
  value: string;
}

export interface InstanceRecord {
  instanceId: string;
  regionId: string;
  zoneId: string;
  instanceType: string;
  imageId: string;
  vpcId: string;
  vSwitchId: string;
  securityGroupIds: string[];
  instanceName: string;
  hostName: string;
  description: string;
  privateIp: string;
  publicIp?: string;
  internetMaxBandwidthOut: number;
  internetChargeType: string;
  instanceChargeType: 'PostPaid' | 'PrePaid';
  spotStrategy: string;
  spotPriceLimit?: number;
  systemDiskCategory: string;
  tags: Tag[];
  createdAt: number;
  timeline: Transition[];
  /** Set while a test holds the instance in its boot state. */
  held?: boolean;
  autoReleaseAt?: number;
  deletedAt?: number;
  /** A SystemFailure.Delete: the cloud took the instance back after handing out its id. */
  vanishAt?: number;
  /** Spot reclaim notice: the instance carries a Recycling lock from here and vanishes at `vanishAt`. */
  recyclingAt?: number;
  /** The lock's spelling when not the current `Recycling`. */
  recyclingLock?: string;
  origin: { action: string; requestId: string; clientToken?: string; accessKeyId: string };
}

export type Fate = 'live' | 'deleted' | 'released' | 'vanished' | 'reclaimed';

/** When the instance stops existing for the API, whichever way comes first. */
export function goneAt(inst: InstanceRecord): number | undefined {
  const times = [inst.deletedAt, inst.vanishAt, inst.autoReleaseAt].filter((t): t is number => t !== undefined);
  return times.length ? Math.min(...times) : undefined;
}

export function isLive(inst: InstanceRecord, now: number): boolean {
  const gone = goneAt(inst);
  return gone === undefined || now < gone;
}

export function fateOf(inst: InstanceRecord, now: number): Fate {
  if (isLive(inst, now)) return 'live';
  const gone = goneAt(inst);
  if (gone === inst.deletedAt) return 'deleted';
  if (gone === inst.autoReleaseAt) return 'released';
  return inst.recyclingAt !== undefined ? 'reclaimed' : 'vanished';
}

export const statusOf = (inst: InstanceRecord, now: number): InstanceStatus => statusAt(inst.timeline, now);

/** What a ClientToken remembers: the parameters it was first used with and the answer given. */
export interface TokenRecord {
  fingerprint: string;
  response: Record<string, unknown>;
}

/** Everything that survives a restart with `--data`. */
export interface Snapshot {
  instances: InstanceRecord[];
  tokens: [string, TokenRecord][];
  stock: Record<string, number>;
  quota: number;
  /** Absent in snapshots written before these quotas existed. */
  typeQuota?: Record<string, number>;
  zoneVcpuQuota?: Record<string, number>;
  holdNew: boolean;
  vanishNext: { remaining: number; afterMs: number };
  ipSeq: Record<string, number>;
  publicIpSeq: number;
}

export class EcsState {
  /** Insertion order is creation order, which DescribeInstances pages through. */
  instances = new Map<string, InstanceRecord>();
  tokens = new Map<string, TokenRecord>();
  stock: Record<string, number>;
  quota: number;
  /** Live instances per type in the region, and vCPUs per zone (see World). */
  typeQuota: Record<string, number>;
  zoneVcpuQuota: Record<string, number>;
  /** New RunInstances instances stay Pending until released. */
  holdNew = false;
  /** The next `remaining` created instances vanish `afterMs` after their creation. */
  vanishNext = { remaining: 0, afterMs: 0 };
  ipSeq: Record<string, number> = {};
  publicIpSeq = 0;

  constructor(readonly world: World) {
    this.stock = stockFromWorld(world);
    this.quota = world.quota;
    this.typeQuota = { ...world.typeQuota };
    this.zoneVcpuQuota = { ...world.zoneVcpuQuota };
  }

  liveCount(now: number, match: (i: InstanceRecord) => boolean = () => true): number {
    let n = 0;
    for (const inst of this.instances.values()) if (isLive(inst, now) && match(inst)) n++;
    return n;
  }

  /** The instance as the API sees it: gone ones do not exist. */
  find(instanceId: string, now: number): InstanceRecord | undefined {
    const inst = this.instances.get(instanceId);
    return inst && isLive(inst, now) ? inst : undefined;
  }

  snapshot(): Snapshot {
    return {
      instances: [...this.instances.values()],
      tokens: [...this.tokens.entries()],
      stock: this.stock,
      quota: this.quota,
      typeQuota: this.typeQuota,
      zoneVcpuQuota: this.zoneVcpuQuota,
      holdNew: this.holdNew,
      vanishNext: this.vanishNext,
      ipSeq: this.ipSeq,
      publicIpSeq: this.publicIpSeq,
    };
  }

  restore(s: Snapshot): void {
    this.instances = new Map(s.instances.map((i) => [i.instanceId, i]));
    this.tokens = new Map(s.tokens);
    this.stock = s.stock;
    this.quota = s.quota;
    this.typeQuota = s.typeQuota ?? {};
    this.zoneVcpuQuota = s.zoneVcpuQuota ?? {};
    this.holdNew = s.holdNew;
    this.vanishNext = s.vanishNext;
    this.ipSeq = s.ipSeq;
    this.publicIpSeq = s.publicIpSeq;
  }
}
