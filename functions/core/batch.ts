import { createHash, randomBytes } from 'node:crypto';
import type { LaunchSpec, Tag } from './profile';

export const TERMINAL = ['RUNNING', 'PARTIAL', 'FAILED', 'TIMED_OUT', 'CANCELLED'] as const;
export type TerminalStatus = (typeof TERMINAL)[number];
/** Every status a batch can be in: the one list the API, chat and the store read. */
export const BATCH_STATUSES = ['SUBMITTING', 'PENDING', ...TERMINAL] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export const isTerminal = (s: BatchStatus): s is TerminalStatus => (TERMINAL as readonly string[]).includes(s);

/** One (instance type, vSwitch) pair ECS may have stock for; tried in the profile's order. */
export interface Offering {
  instanceType: string;
  vSwitchId: string;
  zoneId: string;
}

export interface EcsFailure {
  code: string;
  message: string;
  requestId?: string;
}

/**
 * At most 100 instances, one RunInstances call. The ClientToken is recorded BEFORE the call that uses it
 * and changes only when the offering changes (a new attempt), so a re-drive after a crash repeats the exact
 * same call and ECS answers with the ids it already created.
 */
export interface Chunk {
  index: number;
  amount: number;
  attempt: number;
  offering: number;
  clientToken: string;
  state: 'pending' | 'submitted' | 'failed';
  instanceIds: string[];
  error?: EcsFailure;
}

export type InstanceState =
  | 'Pending'
  | 'Starting'
  | 'Running'
  | 'Stopping'
  | 'Stopped'
  /** DescribeInstances no longer knows it (stock shortfall, SystemFailure.Delete, released). */
  | 'Lost'
  /** A spot instance being reclaimed (OperationLocks: Recycling). */
  | 'Reclaimed'
  /** We deleted it (cancel with release, or a release): its fate, instead of its last seen state. */
  | 'Released';

/** States after which an instance no longer exists for us: nothing to describe, start or delete. */
export const GONE_STATES: ReadonlySet<InstanceState> = new Set(['Lost', 'Released']);

export interface InstanceRecord {
  instanceId: string;
  chunk: number;
  state: InstanceState;
  zoneId?: string;
  instanceType?: string;
  privateIp?: string;
  publicIp?: string;
  startRequestedAt?: number;
  /** First time DescribeInstances did not know it; Lost only after a grace period (Describe lags creation). */
  missingSince?: number;
  // The instance's way to Running, for the status page's timeline (epoch ms; absent on batches stored
  // before they were recorded, and for a step nobody saw: a look may find it Running straight away).
  /** RunInstances answered with its id. */
  createdAt?: number;
  /** The first DescribeInstances that knew it. */
  firstSeenAt?: number;
  /** First seen Starting (booting). */
  startedAt?: number;
  /** First seen Running. */
  runningAt?: number;
  /** Its end as far as the batch knows: first missed by the look that made it Lost, seen Reclaimed, or released. */
  endedAt?: number;
  /** A spot interruption notice came for it (the event's time): ECS releases it a few minutes later. */
  interruptedAt?: number;
}

/** A final-outcome delivery's state, the same for the callback and the chat reply (core/delivery.ts). */
export interface Delivery {
  url: string;
  state: 'waiting' | 'pending' | 'delivered' | 'failed';
  deliveryId: string;
  attempts: number;
  nextAttemptAt?: number;
  lastError?: string;
  /** The destination stops accepting posts after this (epoch ms); a later delivery is given up. */
  expiresAt?: number;
}

/** The HTTP callback of a batch that asked for one (`callbackUrl`). */
export type CallbackState = Delivery;

/**
 * The chat reply that tells the person who asked how their batch ended: delivered by the sweeper at least
 * once, like `callback`, to the URL the platform gave us (DingTalk sessionWebhook, Slack response_url) or
 * to the Feishu group's bot webhook. Never shown in the public view: these URLs are bearer capabilities.
 */
export interface ChatReplyState extends Delivery {
  kind: 'dingtalk' | 'slack' | 'feishu';
}

export interface Batch {
  id: string;
  /** Name of the API token (or chat user / schedule) that owns the batch. */
  owner: string;
  idempotencyKey?: string;
  requestHash: string;
  version: number;
  status: BatchStatus;
  profile?: string;
  spec: LaunchSpec;
  offerings: Offering[];
  failedOfferings: Array<{ offering: number; code: string; at: number }>;
  amount: number;
  namePattern?: string;
  tags: Tag[];
  releaseAt?: number;
  replaceLost: boolean;
  chunks: Chunk[];
  instances: InstanceRecord[];
  error?: EcsFailure;
  createdAt: number;
  updatedAt: number;
  deadlineAt: number;
  endedAt?: number;
  /** When the sweeper should look at it next (mirrors the due-queue row). */
  dueAt: number;
  lease?: { owner: string; until: number };
  callback?: CallbackState;
  /** Final outcome reply for a batch started from chat. */
  chatReply?: ChatReplyState;
  cancel?: { requestedAt: number; release: boolean; released?: boolean };
  /**
   * `POST /batches/{id}/release` (or chat `release`) on an ended batch: delete whatever instances still
   * exist. The sweeper carries it to the end; `releasedAt` says it is done.
   */
  release?: { requestedAt: number; by: string; releasedAt?: number };
  /** Replacement chunks added for lost instances (bounded). */
  replacements?: number;
  /** Consecutive sweeps that failed on this batch: drives its backoff. */
  failures?: number;
}

export const CHUNK_SIZE = 100;

export function chunkAmounts(amount: number): number[] {
  const out: number[] = [];
  for (let left = amount; left > 0; left -= CHUNK_SIZE) out.push(Math.min(CHUNK_SIZE, left));
  return out;
}

/** ClientToken: ASCII, <= 64 chars, unique per (batch, chunk, attempt). */
export function clientToken(batchId: string, chunk: number, attempt: number): string {
  return `${batchId}-c${chunk}-a${attempt}`;
}

/**
 * Batch ids are random (no time order: a time-ordered key makes a hot partition). With an
 * Idempotency-Key the id is derived from (owner, key), so two concurrent repeats race for one row.
 */
/** What newBatchId makes; anything else is not a batch of ours. */
export const BATCH_ID = /^b-[0-9a-f]{24}$/;

export function newBatchId(owner: string, idempotencyKey?: string): string {
  const bytes = idempotencyKey === undefined ? randomBytes(12) : createHash('sha256').update(`${owner}\n${idempotencyKey}`).digest();
  return 'b-' + bytes.subarray(0, 12).toString('hex');
}

/** Offerings in fallback order: the preferred instance type in every vSwitch before the next type. */
export function offerings(spec: LaunchSpec, only?: { instanceType?: string; zoneId?: string }): Offering[] {
  const out: Offering[] = [];
  for (const instanceType of spec.instanceTypes) {
    if (only?.instanceType && instanceType !== only.instanceType) continue;
    for (const vsw of spec.vSwitches) {
      if (only?.zoneId && vsw.zoneId !== only.zoneId) continue;
      out.push({ instanceType, vSwitchId: vsw.id, zoneId: vsw.zoneId });
    }
  }
  return out;
}

/**
 * A batch's release is done (cancel-and-release, or a release): recorded as such, and each instance that
 * was still there ends now.
 */
export function markReleased(batch: Batch, now: number): Batch {
  return {
    ...batch,
    updatedAt: now,
    ...(batch.cancel?.release ? { cancel: { ...batch.cancel, released: true } } : {}),
    ...(batch.release ? { release: { ...batch.release, releasedAt: now } } : {}),
    instances: batch.instances.map((i) => (i.endedAt === undefined ? { ...i, endedAt: now } : i)),
  };
}

export function countByState(batch: Batch): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const i of batch.instances) counts[i.state] = (counts[i.state] ?? 0) + 1;
  return counts;
}
