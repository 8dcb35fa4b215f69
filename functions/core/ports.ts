import type { Batch, BatchStatus, Offering } from './batch';
import type { LaunchSpec, Tag } from './profile';
import type { Clock } from './time';

/** What the core needs from ECS, and nothing more. Errors are EcsError. */
export interface EcsPort {
  runInstances(call: RunCall): Promise<string[]>;
  /** DryRun: resolves when every check passed, rejects with the EcsError that would have happened. */
  dryRunInstances(call: RunCall): Promise<void>;
  /** Instances ECS knows among `ids` (any count; the adapter pages by 100). Missing ids are absent. */
  describeInstances(region: string, ids: readonly string[]): Promise<Map<string, InstanceView>>;
  startInstances(region: string, ids: readonly string[]): Promise<Array<{ instanceId: string; ok: boolean; code?: string }>>;
  deleteInstances(region: string, ids: readonly string[]): Promise<void>;
  /**
   * Move each instance's automatic release time (undefined: no automatic release). Per instance: ok, or
   * the code ECS refused it with (`notFound`: it no longer exists). A refusal of the time itself (or of the
   * billing method) is thrown as an EcsError before any other instance is touched.
   */
  setAutoReleaseTime(region: string, ids: readonly string[], releaseAt: number | undefined): Promise<Array<{ instanceId: string; ok: boolean; code?: string; gone?: boolean }>>;
}

export interface RunCall {
  batchId: string;
  spec: LaunchSpec;
  offering: Offering;
  amount: number;
  clientToken: string;
  namePattern?: string;
  tags: Tag[];
  releaseAt?: number;
}

export interface InstanceView {
  instanceId: string;
  status: string;
  zoneId?: string;
  instanceType?: string;
  privateIp?: string;
  publicIp?: string;
  /** OperationLocks contain Recycling: a spot instance being reclaimed. */
  recycling: boolean;
}

export interface ListQuery {
  status?: BatchStatus;
  limit: number;
  cursor?: string;
}

export interface DueEntry {
  shard: number;
  dueAt: number;
  batchId: string;
  /** Put by an ECS event ("look now"), not by a reschedule: the batch is due now whatever its own dueAt says. */
  nudge?: boolean;
}

/** Batches and their due-queue in Tablestore. Every write that changes a batch is conditional on version. */
export interface BatchStore {
  /**
   * Insert a new batch (and its due-queue and listing entries). If a batch with the same id exists,
   * nothing is written and the existing one is returned.
   */
  createBatch(batch: Batch): Promise<{ created: true; batch: Batch } | { created: false; existing: Batch }>;
  getBatch(id: string): Promise<Batch | undefined>;
  /** Write `batch` iff the stored version is still `batch.version`; returns it with version + 1. Throws VersionConflict. */
  saveBatch(batch: Batch): Promise<Batch>;
  /** Newest first; `owner` undefined lists the batches of every owner (admins). */
  listBatches(owner: string | undefined, query: ListQuery): Promise<{ batches: Batch[]; cursor?: string }>;
  /** Due-queue entries with dueAt <= now, across shards. */
  dueEntries(now: number, limit: number): Promise<DueEntry[]>;
  /** Make the queue say "look at this batch at batch.dueAt"; remove the entry it replaces. */
  moveDue(batchId: string, from: number | undefined, to: number | undefined): Promise<void>;
  /**
   * Count `amount` against the owner's rolling 24 h allowance, once per batch id.
   * Returns false (and records nothing) when it would exceed `limit`.
   */
  reserveDaily(owner: string, batchId: string, amount: number, limit: number, now: number): Promise<boolean>;
  /** Take or renew the named lease (e.g. the one watcher) until now + ms; false if someone else holds it. */
  tryLease(name: string, owner: string, now: number, ms: number): Promise<boolean>;
  /** Give the lease up, if `owner` still holds it. */
  dropLease(name: string, owner: string): Promise<void>;
  /**
   * Remember which batch these instances belong to (the instance -> batch index ECS events are mapped with).
   * Written after RunInstances answers and before the batch records the ids, so an event for one of our
   * instances always finds its batch. Safe to repeat.
   */
  indexInstances(batchId: string, instanceIds: readonly string[]): Promise<void>;
}

/** What handling ECS events needs besides the batches. */
export interface EventStore {
  /** The batch an instance belongs to; undefined for an instance that is not ours (one read). */
  batchOf(instanceId: string): Promise<string | undefined>;
  /** Record an event key (source + id) for a day; false if it was already recorded (a repeated delivery). */
  firstDelivery(key: string, now: number): Promise<boolean>;
  /** Forget a recorded key, so a redelivery of an event we failed to handle is handled. */
  forgetDelivery(key: string): Promise<void>;
  /** Put a "look now" entry in the due-queue for the batch; returns it. */
  nudge(batchId: string, at: number): Promise<DueEntry>;
  /** Note that events from `region` arrive; written at most every `everyMs` per process. */
  noteEvents(region: string, now: number): Promise<void>;
  /** When an event from `region` last arrived, as far as noteEvents recorded it. */
  lastEventAt(region: string): Promise<number | undefined>;
}

/** Structured log lines. A field named `error` may hold whatever was thrown: the logger renders it safely. */
export interface Log {
  /** Routine and uneventful (a sweep with nothing due): written only at LOG_LEVEL=debug. */
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Asynchronous self-invocation of a function (the fast-path watch). */
export interface Invoker {
  /** Best effort: a failure costs latency (the timer still sweeps), never the batch. */
  invokeAsync(functionName: string, payload: unknown, taskId: string): Promise<void>;
}

/** Outbound POST of JSON (callbacks, chat replies) with a hard timeout; rejects on any non-2xx answer. */
export type Poster = (url: string, body: string, headers: Record<string, string>, opts?: PostOptions) => Promise<void>;

export interface PostOptions {
  /**
   * Chat platforms answer some failures with HTTP 200 and an error code in the JSON body (DingTalk
   * `errcode`, Feishu `code`): with this set, a non-zero one is a failed delivery too.
   */
  platformCodes?: boolean;
}

export interface Deps {
  ecs: EcsPort;
  store: BatchStore;
  clock: Clock;
  log: Log;
}
