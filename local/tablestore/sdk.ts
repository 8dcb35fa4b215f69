/**
 * The parts of the `tablestore` npm SDK the emulator reuses, behind a narrow typed surface.
 * The package ships no type declarations; a typed `require` keeps ours local instead of declaring
 * `module 'tablestore'` for the whole project (the store adapter may want its own view of it).
 */

/** An int64 as the SDK hands it out (int64-buffer's Int64LE). */
export interface SdkInt64 {
  toString(radix?: number): string;
  toNumber(): number;
  toBuffer(): Buffer;
}

/** Primary key values as the SDK writes them: STRING, INTEGER (Int64LE) or BINARY. */
export type SdkPkValue = string | SdkInt64 | Buffer;
/** Attribute values as the SDK writes them: a JS number is a DOUBLE. */
export type SdkColumnValue = string | SdkInt64 | Buffer | number | boolean;

interface PlainBufferBuilder {
  /** `[{ name: value }, ...]` in key order, then `[{ column: value, timestamp }]`. */
  serializeForPutRow(primaryKey: Array<Record<string, SdkPkValue>>, columns: Array<Record<string, unknown>>): Buffer;
  serializePrimaryKey(primaryKey: Array<Record<string, unknown>>): Buffer;
}

export interface TablestoreSdk {
  PlainBufferBuilder: PlainBufferBuilder;
  Long: { fromNumber(n: number): SdkInt64; fromString(s: string): SdkInt64 };
  INF_MIN: object;
  INF_MAX: object;
  // The rest is what tests and callers use; its shapes are the SDK's own (untyped JS objects).
  [name: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const sdk: TablestoreSdk = require('tablestore');

/** protobufjs message classes generated from tablestore.proto / tablestore_filter.proto. */
export interface ProtoType {
  decode(buf: Uint8Array): unknown;
  encode(msg: object): { finish(): Uint8Array };
  create(props: object): object;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const compiled = require('tablestore/lib/protocol/tablestore_compiled_proto.js') as {
  main: { proto: Record<string, ProtoType> };
  filter: { proto: Record<string, ProtoType> };
};
export const mainProto = compiled.main.proto;
export const filterProto = compiled.filter.proto;
