import { AdjustableClock } from '../../../local/common/clock';
import { startTablestoreEmulator, type TablestoreEmulator, type TablestoreEmulatorOptions } from '../../../local/tablestore/index';
import { sdk as TableStore } from '../../../local/tablestore/sdk';

/** The real SDK against a fresh emulator on 127.0.0.1, port 0. */

export { TableStore };
// The SDK is untyped JS; its results are what the decoder builds.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Client = Record<string, (params?: any) => Promise<any>>;

export interface Harness {
  emulator: TablestoreEmulator;
  clock: AdjustableClock;
  client(overrides?: Record<string, unknown>): Client;
}

export async function startHarness(options: TablestoreEmulatorOptions = {}): Promise<Harness> {
  const clock = new AdjustableClock();
  const emulator = await startTablestoreEmulator({ clock, ...options });
  return {
    emulator,
    clock,
    client: (overrides = {}) =>
      new TableStore.Client({
        accessKeyId: 'local',
        secretAccessKey: 'local-secret',
        endpoint: emulator.url,
        instancename: 'local',
        maxRetries: 0,
        ...overrides,
      }) as Client,
  };
}

/** The Tablestore error code inside an SDK error (the SDK leaves the protobuf bytes in the message). */
export function otsCode(err: unknown): string | undefined {
  return /\bOTS\w+/.exec(String((err as Error)?.message))?.[0];
}

/** Resolve to `{ status, code }` of a failed SDK call; fail the test if it succeeded. */
export async function failure(call: Promise<unknown>): Promise<{ status: unknown; code: string | undefined }> {
  try {
    await call;
  } catch (e) {
    return { status: (e as { code?: unknown }).code, code: otsCode(e) };
  }
  throw new Error('expected the call to fail');
}

export const int = (n: number | bigint) => TableStore.Long.fromString(String(n));
export const condition = (existence: 'IGNORE' | 'EXPECT_EXIST' | 'EXPECT_NOT_EXIST', column?: unknown) =>
  new TableStore.Condition(TableStore.RowExistenceExpectation[existence], column ?? null);

export async function createTable(
  client: Client,
  tableName: string,
  primaryKey: Array<{ name: string; type: 'STRING' | 'INTEGER' | 'BINARY' }> = [{ name: 'id', type: 'STRING' }],
  tableOptions: { timeToLive?: number; maxVersions?: number } = {},
): Promise<void> {
  await client.createTable({
    tableMeta: { tableName, primaryKey },
    reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
    tableOptions: { timeToLive: -1, maxVersions: 1, ...tableOptions },
  });
}

/** Attributes of an SDK row as `{ name: value }` (latest version first wins). */
export function attrs(row: { attributes?: Array<{ columnName: string; columnValue: unknown }> }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of row.attributes ?? []) {
    if (!(a.columnName in out)) out[a.columnName] = a.columnValue && typeof a.columnValue === 'object' && 'toNumber' in (a.columnValue as object) ? (a.columnValue as { toNumber(): number }).toNumber() : a.columnValue;
  }
  return out;
}
