import { createHash } from 'node:crypto';
import { chunkAmounts, clientToken, newBatchId, offerings, type Batch } from './batch';
import type { LaunchSpec } from './profile';
import type { BatchRequest } from './request';
import { parseIsoDuration, releaseWindowProblem } from './time';
import type { FieldIssue } from './validation';

export interface PlanInput {
  request: BatchRequest;
  owner: string;
  idempotencyKey?: string;
  profileName?: string;
  spec: LaunchSpec;
  /** The profile's default; the request may override it. */
  deadlineSeconds: number;
  now: number;
  /** Who holds the batch while it is first submitted, and for how long (the sweeper waits that long). */
  lease: { owner: string; ms: number };
}

/** One tag is ours (the batch id), so requests keep one fewer than ECS's 20. */
const MAX_TAGS = 19;

/** Turn a validated request into a new batch, or name every field that makes it impossible. */
export function planBatch(input: PlanInput): { ok: true; batch: Batch } | { ok: false; issues: FieldIssue[] } {
  const { request: r, spec, now } = input;
  const issues: FieldIssue[] = [];

  if (r.instanceType !== undefined && !spec.instanceTypes.includes(r.instanceType)) {
    issues.push({ field: 'instanceType', message: `must be one of the profile's instance types: ${spec.instanceTypes.join(', ')}` });
  }
  if (r.zoneId !== undefined && !spec.vSwitches.some((v) => v.zoneId === r.zoneId)) {
    issues.push({ field: 'zoneId', message: `must be one of the profile's zones: ${[...new Set(spec.vSwitches.map((v) => v.zoneId))].join(', ')}` });
  }
  let releaseAt: number | undefined;
  if (r.releaseAt !== undefined) releaseAt = Date.parse(r.releaseAt);
  if (r.releaseAfter !== undefined) releaseAt = now + (parseIsoDuration(r.releaseAfter) ?? 0);
  if (releaseAt !== undefined) {
    const problem = releaseWindowProblem(releaseAt, now);
    if (problem) issues.push({ field: r.releaseAt !== undefined ? 'releaseAt' : 'releaseAfter', message: problem });
  }
  const tags = r.tags ?? [];
  if (spec.tags.length + tags.length > MAX_TAGS) {
    issues.push({ field: 'tags', message: `at most ${MAX_TAGS - spec.tags.length} tags with this profile (ECS allows 20 per instance, one is the batch id)` });
  }
  const offered = offerings(spec, { instanceType: r.instanceType, zoneId: r.zoneId });
  if (offered.length === 0 && issues.length === 0) {
    issues.push({ field: 'zoneId', message: 'no vSwitch of the profile offers this instance type in this zone' });
  }
  if (issues.length > 0) return { ok: false, issues };

  const id = newBatchId(input.owner, input.idempotencyKey);
  const deadlineSeconds = r.deadlineSeconds ?? input.deadlineSeconds;
  const batch: Batch = {
    id,
    owner: input.owner,
    ...(input.idempotencyKey !== undefined ? { idempotencyKey: input.idempotencyKey } : {}),
    requestHash: requestHash(r),
    version: 0,
    status: 'SUBMITTING',
    ...(input.profileName !== undefined ? { profile: input.profileName } : {}),
    spec,
    offerings: offered,
    failedOfferings: [],
    amount: r.amount,
    ...(r.name !== undefined ? { namePattern: r.name } : {}),
    tags,
    ...(releaseAt !== undefined ? { releaseAt } : {}),
    replaceLost: r.replaceLost ?? false,
    chunks: chunkAmounts(r.amount).map((amount, index) => ({
      index,
      amount,
      attempt: 0,
      offering: 0,
      clientToken: clientToken(id, index, 0),
      state: 'pending' as const,
      instanceIds: [],
    })),
    instances: [],
    createdAt: now,
    updatedAt: now,
    deadlineAt: now + deadlineSeconds * 1000,
    dueAt: now + input.lease.ms,
    lease: { owner: input.lease.owner, until: now + input.lease.ms },
    ...(r.callbackUrl !== undefined
      ? { callback: { url: r.callbackUrl, state: 'waiting' as const, deliveryId: `${id}-final`, attempts: 0 } }
      : {}),
  };
  return { ok: true, batch };
}

/** A fingerprint of what was asked, to tell a repeat (same key, same body) from a conflict. */
export function requestHash(request: BatchRequest): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
