import { StoreError, type StoreErrorKind } from '../core/errors';
import type { Credentials } from './credentials';
import type { Sleep } from '../core/time';
import { withRetry, realSleep, type RetryPolicy } from './retry';

// The SDK ships no types; we use a handful of its calls and describe them where we use them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const TS: TablestoreModule = require('tablestore');

export interface TablestoreModule {
  Client: new (config: Record<string, unknown>) => TablestoreClient;
  Long: { fromNumber(n: number): unknown };
  Condition: new (existence: number, columnCondition?: unknown) => unknown;
  SingleColumnCondition: new (name: string, value: unknown, comparator: number, passIfMissing?: boolean, latestVersionOnly?: boolean) => unknown;
  CompositeCondition: new (op: number) => { addSubCondition(c: unknown): void };
  RowExistenceExpectation: { IGNORE: number; EXPECT_EXIST: number; EXPECT_NOT_EXIST: number };
  ComparatorType: { EQUAL: number; NOT_EQUAL: number; GREATER_THAN: number; GREATER_EQUAL: number; LESS_THAN: number; LESS_EQUAL: number };
  LogicalOperator: { AND: number; OR: number; NOT: number };
  Direction: { FORWARD: string; BACKWARD: string };
  ReturnType: { NONE: number; Primarykey: number; AfterModify: number };
  INF_MIN: unknown;
  INF_MAX: unknown;
}

type Op = (params: Record<string, unknown>) => Promise<any>;
export interface TablestoreClient {
  createTable: Op;
  listTable: Op;
  describeTable: Op;
  putRow: Op;
  getRow: Op;
  updateRow: Op;
  deleteRow: Op;
  getRange: Op;
  batchGetRow: Op;
  batchWriteRow: Op;
}

export interface TablestoreOptions {
  endpoint: string;
  instanceName: string;
  timeoutMs?: number;
  retry?: RetryPolicy;
  sleep?: Sleep;
}

/**
 * The SDK does not decode error bodies: `err.code` is the numeric HTTP status and the OTS code is inside
 * `err.message`. Network failures carry string codes (ECONNRESET, ...) or no code at all.
 */
export function classifyStoreError(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const e = (err ?? {}) as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const code = /\bOTS\w+/.exec(message)?.[0];
  const status = typeof e.code === 'number' ? e.code : undefined;
  let kind: StoreErrorKind;
  if (code === 'OTSConditionCheckFail') kind = 'conflict';
  else if (code === 'OTSObjectAlreadyExist') kind = 'exists';
  // OTSQuotaExhausted is also a hard limit: 64 tables an instance. Waiting does not free one.
  else if (code === 'OTSQuotaExhausted' && /Number of tables exceeded the quota/i.test(message)) kind = 'invalid';
  else if (
    status === undefined ||
    status >= 500 ||
    code === 'OTSRowOperationConflict' ||
    code === 'OTSNotEnoughCapacityUnit' ||
    code === 'OTSQuotaExhausted' ||
    code === 'OTSServerBusy' ||
    code === 'OTSTimeout'
  )
    kind = 'unavailable';
  else kind = 'invalid';
  // Never echo raw protobuf bytes: keep the code and a printable excerpt.
  const printable = message.replace(/[^\x20-\x7e]+/g, ' ').slice(0, 300);
  return new StoreError(kind, code ?? (status === undefined ? 'NoResponse' : `HTTP${status}`), printable, { cause: err });
}

const DEFAULT_RETRY: RetryPolicy = { name: 'tablestore-transient', attempts: 5, baseMs: 100, maxMs: 3_000 };

/**
 * A client plus our own retry: the SDK never retries writes and its read retries are process-global,
 * so we turn them off and retry here on 'unavailable' only. Callers make every write safe to repeat.
 */
export class Tablestore {
  readonly client: TablestoreClient;
  private readonly retry: RetryPolicy;
  private readonly sleep: Sleep;

  constructor(credentials: Credentials, options: TablestoreOptions) {
    this.client = new TS.Client({
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.accessKeySecret,
      stsToken: credentials.securityToken,
      endpoint: options.endpoint,
      instancename: options.instanceName,
      maxRetries: 0,
      httpOptions: { timeout: options.timeoutMs ?? 10_000 },
    });
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.sleep = options.sleep ?? realSleep;
  }

  /**
   * Run one SDK call, retrying 'unavailable'. A retried conditional write may fail its condition because
   * the first attempt was applied and only its answer lost: callers check for that with a write id.
   */
  async call<T>(op: keyof TablestoreClient, params: Record<string, unknown>): Promise<T> {
    return withRetry(
      this.retry,
      () => this.client[op](params) as Promise<T>,
      (raw) => {
        const error = classifyStoreError(raw);
        return { retryable: error.kind === 'unavailable', error };
      },
      this.sleep,
    );
  }

  /**
   * BatchGetRow that returns every row or fails. Tablestore answers HTTP 200 even when single rows
   * failed (`isOk: false` with their own error code): those rows are read again under the same retry
   * policy, so a caller never mistakes a row that could not be read for a row that does not exist.
   * Rows come back in no particular order; a missing row is one without a primary key.
   */
  async batchGet(tableName: string, keys: unknown[][]): Promise<unknown[]> {
    const got: unknown[] = [];
    let pending = keys;
    if (pending.length === 0) return got;
    await withRetry(
      this.retry,
      async () => {
        const res = (await this.client.batchGetRow({ tables: [{ tableName, primaryKey: pending, maxVersions: 1 }] })) as {
          tables: Array<Array<{ isOk: boolean; errorCode?: string | null; errorMessage?: string | null }>>;
        };
        const items = res.tables.flat();
        const failed: unknown[][] = [];
        let first: { errorCode?: string | null; errorMessage?: string | null } | undefined;
        items.forEach((item, k) => {
          if (item.isOk) got.push(item);
          else {
            failed.push(pending[k]);
            first ??= item;
          }
        });
        pending = failed;
        if (first) throw new RowError(first.errorCode ?? 'OTSUnknownRowError', first.errorMessage ?? '');
      },
      (raw) => {
        const error = raw instanceof RowError ? raw.toStoreError() : classifyStoreError(raw);
        return { retryable: error.kind === 'unavailable', error };
      },
      this.sleep,
    );
    return got;
  }
}

/** One row of a batch operation failed on its own. Row errors carry a code but no HTTP status. */
class RowError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  toStoreError(): StoreError {
    // The same transient codes the SDK's own retry rules name (lib/retry/retry_util.js).
    const transient = /^OTS(ServerBusy|PartitionUnavailable|RowOperationConflict|NotEnoughCapacityUnit|TableNotReady|OperationThrottled|Timeout|InternalServerError|ServerUnavailable)$/;
    const printable = this.message.replace(/[^\x20-\x7e]+/g, ' ').slice(0, 300);
    return new StoreError(transient.test(this.code) ? 'unavailable' : 'invalid', this.code, `a row failed: ${printable}`, { cause: this });
  }
}

export const long = (n: number) => TS.Long.fromNumber(n);

/** Int64 values come back as SDK Long objects; numbers we wrote as INTEGER come back that way. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof (v as { toNumber?: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return NaN;
}

export interface RowData {
  primaryKey: Record<string, unknown>;
  columns: Record<string, unknown>;
}

/** The SDK's row shape (`{primaryKey:[{name,value}], attributes:[{columnName,columnValue}]}`) as plain maps. */
export function readRow(row: unknown): RowData | undefined {
  const r = row as { primaryKey?: Array<{ name: string; value: unknown }>; attributes?: Array<{ columnName: string; columnValue: unknown }> } | undefined;
  if (!r || !r.primaryKey || r.primaryKey.length === 0) return undefined;
  const primaryKey: Record<string, unknown> = {};
  for (const k of r.primaryKey) primaryKey[k.name] = k.value;
  const columns: Record<string, unknown> = {};
  for (const a of r.attributes ?? []) columns[a.columnName] = a.columnValue;
  return { primaryKey, columns };
}

export function condition(existence: 'IGNORE' | 'EXPECT_EXIST' | 'EXPECT_NOT_EXIST', column?: unknown): unknown {
  return new TS.Condition(TS.RowExistenceExpectation[existence], column ?? null);
}

/** `name == value`, failing when the column is missing (the SDK's default would pass). */
export function columnEquals(name: string, value: unknown): unknown {
  return new TS.SingleColumnCondition(name, value, TS.ComparatorType.EQUAL, false, true);
}


/**
 * `name` is absent: Tablestore has no "column missing" comparator, so compare with a value the column
 * never holds (we only write positive amounts) and let passIfMissing decide.
 */
export function columnAbsent(name: string): unknown {
  return new TS.SingleColumnCondition(name, long(-1), TS.ComparatorType.EQUAL, true, true);
}
