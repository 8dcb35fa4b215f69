import { Config } from '@alicloud/openapi-core/dist/utils';
import { z } from 'zod';
import type { EcsPort, InstanceView, RunCall } from '../core/ports';
import { EcsError } from '../core/errors';
import { toEcsTime } from '../core/time';
import { classifyEcsError } from './ecs-errors';
import * as $Ecs from './ecs-client';
import { EcsRpcClient } from './ecs-client';
import { credentialsKey, type Credentials } from './credentials';
import { mapLimited } from '../core/limited';
import type { Clock, Sleep } from '../core/time';
import { TokenBucket, type RateOptions } from './rate';
import { withRetry, realSleep, type RetryPolicy } from './retry';
import { takeRetryAfter, watchRetryAfter } from './retry-after';

export interface EcsAdapterOptions {
  /** `host:port` for a local emulator; unset = the public endpoint of each region. */
  endpoint?: string;
  protocol?: 'HTTP' | 'HTTPS';
  readTimeoutMs?: number;
  connectTimeoutMs?: number;
  /**
   * Throttling, 5xx and no answer are retried (every call we make is safe to repeat: RunInstances carries
   * its ClientToken, Start/Describe/Delete are idempotent in effect). Anything else is an answer.
   */
  retry?: RetryPolicy;
  sleep?: Sleep;
  /**
   * The pace of all our ECS calls in a region with these credentials, shared by every adapter of this
   * process (a sweep's concurrent batches, and warm invocations after it).
   */
  rate?: RateOptions;
  /** Pages (100 ids each) of one Describe/Start/Delete in flight at once. */
  pageConcurrency?: number;
  /** What the rate bucket reads the time from (the system clock unless a test moves it). */
  clock?: Clock;
}

const DEFAULT_RETRY: RetryPolicy = { name: 'ecs-transient', attempts: 4, baseMs: 500, maxMs: 8_000 };
/**
 * A conservative share of an account's ECS API rate. Going over it is not fatal: ECS answers
 * Throttling with `x-acs-retry-after` and the bucket then holds every call of ours until that time.
 */
export const DEFAULT_RATE: RateOptions = { perSecond: 20, burst: 10 };
const DEFAULT_PAGE_CONCURRENCY = 4;
/** The tag that ties every instance to its batch, so an operator can always find who created it. */
export const BATCH_TAG = 'ecs-batch:batch';

type EcsClient = EcsRpcClient;

// Clients survive warm invocations; keyed by credentials because STS credentials rotate.
const clients = new Map<string, EcsClient>();
// Buckets too, keyed by the account (access key id), not the rotating secret: the quota is the account's.
const buckets = new Map<string, TokenBucket>();

function bucketFor(key: string, rate: RateOptions, clock?: Clock): TokenBucket {
  const k = `${key}|${rate.perSecond}|${rate.burst ?? ''}`;
  let b = buckets.get(k);
  if (!b) {
    if (buckets.size > 32) buckets.clear();
    b = new TokenBucket(rate, clock);
    buckets.set(k, b);
  }
  return b;
}

export function ecsAdapter(credentials: Credentials, options: EcsAdapterOptions = {}): EcsPort {
  watchRetryAfter();
  const retry = options.retry ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? realSleep;

  function client(region: string): EcsClient {
    const key = `${region}|${options.endpoint ?? ''}|${credentialsKey(credentials)}`;
    let c = clients.get(key);
    if (!c) {
      if (clients.size > 32) clients.clear();
      c = new EcsRpcClient(
        new Config({
          accessKeyId: credentials.accessKeyId,
          accessKeySecret: credentials.accessKeySecret,
          securityToken: credentials.securityToken,
          regionId: region,
          endpoint: options.endpoint ?? `ecs.${region}.aliyuncs.com`,
          protocol: options.protocol ?? (options.endpoint ? 'HTTP' : 'HTTPS'),
          readTimeout: options.readTimeoutMs ?? 10_000,
          connectTimeout: options.connectTimeoutMs ?? 5_000,
        }),
      );
      clients.set(key, c);
    }
    return c;
  }

  const pages = options.pageConcurrency ?? DEFAULT_PAGE_CONCURRENCY;
  const rate = options.rate ?? DEFAULT_RATE;

  /**
   * One ECS call: paced by the region's bucket, retried on transient errors. An answer carrying
   * `x-acs-retry-after` is retried after that delay whatever its code (as newer Alibaba clients do, see
   * retry-after.ts) and pauses the bucket; if it persists, the last answer keeps its own kind.
   */
  const call = <T>(region: string, f: (c: EcsClient) => Promise<T>) => {
    const bucket = bucketFor(`${region}|${options.endpoint ?? ''}|${credentials.accessKeyId}`, rate, options.clock);
    return withRetry(
      retry,
      async () => {
        await bucket.take();
        return f(client(region));
      },
      (raw) => {
        const error = classifyEcsError(raw);
        const retryAfterMs = error.retryAfterMs ?? takeRetryAfter(error.requestId);
        if (error.kind === 'throttled' || retryAfterMs !== undefined) bucket.pause(retryAfterMs ?? 1_000);
        return { retryable: error.transient || retryAfterMs !== undefined, retryAfterMs, error };
      },
      sleep,
    );
  };

  const pagesOf = (ids: readonly string[]) => Array.from({ length: Math.ceil(ids.length / 100) }, (_, i) => [...ids.slice(i * 100, i * 100 + 100)]);

  function runRequest(c: RunCall, dryRun: boolean): $Ecs.RunInstancesRequest {
    const { spec, offering } = c;
    const billing = spec.billing;
    const tags = [...spec.tags, ...c.tags, { key: BATCH_TAG, value: c.batchId }];
    return new $Ecs.RunInstancesRequest({
      regionId: spec.region,
      zoneId: offering.zoneId,
      vSwitchId: offering.vSwitchId,
      instanceType: offering.instanceType,
      imageId: spec.imageId,
      securityGroupId: spec.securityGroupId,
      amount: c.amount,
      clientToken: c.clientToken,
      dryRun,
      instanceName: c.namePattern ?? spec.namePattern,
      keyPairName: spec.keyPairName,
      systemDisk: new $Ecs.RunInstancesRequestSystemDisk({ category: spec.systemDisk.category, size: String(spec.systemDisk.size) }),
      internetMaxBandwidthOut: spec.internetMaxBandwidthOut,
      internetChargeType: spec.internetMaxBandwidthOut > 0 ? spec.internetChargeType : undefined,
      instanceChargeType: billing.chargeType,
      ...(billing.chargeType === 'PrePaid'
        ? { period: billing.period, periodUnit: billing.periodUnit, autoRenew: billing.autoRenew }
        : {
            spotStrategy: billing.spotStrategy,
            spotPriceLimit: billing.spotPriceLimit,
            spotDuration: billing.spotDuration,
          }),
      autoReleaseTime: c.releaseAt === undefined ? undefined : toEcsTime(c.releaseAt),
      tag: tags.map((t) => new $Ecs.RunInstancesRequestTag({ key: t.key, value: t.value })),
    });
  }

  return {
    async runInstances(c) {
      const res = await call(c.spec.region, (e) => e.runInstances(runRequest(c, false)));
      const ids = RunAnswer.safeParse(res.body);
      if (!ids.success) throw new EcsError('unavailable', 'MalformedAnswer', 'RunInstances answered without instance ids', res.body?.requestId);
      return ids.data.instanceIdSets.instanceIdSet;
    },

    async dryRunInstances(c) {
      try {
        await call(c.spec.region, (e) => e.runInstances(runRequest(c, true)));
      } catch (e) {
        if (e instanceof EcsError && e.code === 'DryRunOperation') return;
        throw e;
      }
      throw new EcsError('unavailable', 'MalformedAnswer', 'DryRun created instances or answered without DryRunOperation');
    },

    async describeInstances(region, ids) {
      const found = new Map<string, InstanceView>();
      // Pages go out concurrently (bounded, and paced by the bucket); any failed page fails the whole look.
      await mapLimited(pagesOf(ids), pages, async (page) => {
        const res = await call(region, (e) => e.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: region, instanceIds: JSON.stringify(page), pageSize: 100 })));
        const parsed = DescribeAnswer.safeParse(res.body);
        if (!parsed.success) throw new EcsError('unavailable', 'MalformedAnswer', 'DescribeInstances answer did not parse');
        const asked = new Set(page);
        for (const inst of parsed.data.instances?.instance ?? []) {
          if (!asked.has(inst.instanceId)) continue; // never trust an answer about ids we did not ask for
          found.set(inst.instanceId, {
            instanceId: inst.instanceId,
            status: inst.status,
            zoneId: inst.zoneId,
            instanceType: inst.instanceType,
            privateIp: inst.vpcAttributes?.privateIpAddress?.ipAddress?.[0] ?? inst.innerIpAddress?.ipAddress?.[0],
            publicIp: inst.publicIpAddress?.ipAddress?.[0] ?? (inst.eipAddress?.ipAddress || undefined),
            // Current docs spell the spot reclaim lock `Recycling`, older ones `recycling`.
            recycling: (inst.operationLocks?.lockReason ?? []).some((l) => l.lockReason?.toLowerCase() === 'recycling'),
          });
        }
      });
      return found;
    },

    async startInstances(region, ids) {
      const answered = await mapLimited(pagesOf(ids), pages, async (page) => {
        const res = await call(region, (e) => e.startInstances(new $Ecs.StartInstancesRequest({ regionId: region, instanceId: page, batchOptimization: 'SuccessFirst' })));
        const parsed = StartAnswer.safeParse(res.body);
        const answers = new Map((parsed.success ? (parsed.data.instanceResponses?.instanceResponse ?? []) : []).map((r) => [r.instanceId, r]));
        return page.map((id) => {
          const a = answers.get(id);
          // No per-instance answer: treat as not started; the next look will tell.
          return { instanceId: id, ok: a !== undefined && (a.code === undefined || a.code === '200'), ...(a?.code && a.code !== '200' ? { code: a.code } : {}) };
        });
      });
      return answered.flat();
    },

    async deleteInstances(region, ids) {
      await mapLimited(pagesOf(ids), pages, (page) =>
        call(region, (e) => e.deleteInstances(new $Ecs.DeleteInstancesRequest({ regionId: region, instanceId: page, force: true }))),
      );
    },

    async setAutoReleaseTime(region, ids, releaseAt) {
      // One instance per call (the API has no list form). The first goes alone: if ECS refuses the time
      // (InvalidAutoReleaseTime.Malformed) or the billing method (ChargeTypeViolation), it refuses them all,
      // and one call says so.
      const autoReleaseTime = releaseAt === undefined ? undefined : toEcsTime(releaseAt);
      const one = async (instanceId: string) => {
        try {
          await call(region, (e) => e.modifyInstanceAutoReleaseTime(new $Ecs.ModifyInstanceAutoReleaseTimeRequest({ regionId: region, instanceId, autoReleaseTime })));
          return { instanceId, ok: true };
        } catch (e) {
          if (e instanceof EcsError && e.kind === 'notFound') return { instanceId, ok: false, code: e.code, gone: true };
          throw e;
        }
      };
      if (ids.length === 0) return [];
      const first = await one(ids[0]);
      const rest = await mapLimited(ids.slice(1), pages, async (id) => {
        try {
          return await one(id);
        } catch (e) {
          if (e instanceof EcsError && e.kind === 'rejected') return { instanceId: id, ok: false, code: e.code };
          throw e;
        }
      });
      return [first, ...rest];
    },
  };
}

// What the cloud answers is untrusted too: parse the parts we use.
const RunAnswer = z.object({
  instanceIdSets: z.object({ instanceIdSet: z.array(z.string().regex(/^i-[a-z0-9]{1,40}$/)).min(1) }),
});
const IpList = z.object({ ipAddress: z.array(z.string()).optional() }).optional();
const DescribeAnswer = z.object({
  instances: z
    .object({
      instance: z
        .array(
          z.object({
            instanceId: z.string(),
            status: z.string(),
            zoneId: z.string().optional(),
            instanceType: z.string().optional(),
            publicIpAddress: IpList,
            innerIpAddress: IpList,
            eipAddress: z.object({ ipAddress: z.string().optional() }).optional(),
            vpcAttributes: z.object({ privateIpAddress: IpList }).optional(),
            operationLocks: z.object({ lockReason: z.array(z.object({ lockReason: z.string().optional() })).optional() }).optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});
const StartAnswer = z.object({
  instanceResponses: z
    .object({ instanceResponse: z.array(z.object({ instanceId: z.string(), code: z.string().optional() })).optional() })
    .optional(),
});
