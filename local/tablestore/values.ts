import { sdk, type SdkColumnValue, type SdkPkValue } from './sdk';

/**
 * Cell and key values the way Tablestore types them. INTEGER is a bigint so that int64 version
 * counters and timestamps survive exactly; a JS number is a DOUBLE, as the SDK encodes it.
 */
export type PkValue = string | bigint | Buffer;
export type ColumnValue = string | bigint | Buffer | number | boolean;
export type PkType = 'INTEGER' | 'STRING' | 'BINARY';
export type ColumnType = PkType | 'DOUBLE' | 'BOOLEAN';

/** Range bounds may use the two infinities; real rows never carry them. */
export const INF_MIN = Symbol('INF_MIN');
export const INF_MAX = Symbol('INF_MAX');
export type BoundValue = PkValue | typeof INF_MIN | typeof INF_MAX;

export interface PkColumn<V = PkValue> {
  name: string;
  value: V;
}

export function typeOf(v: ColumnValue): ColumnType {
  if (typeof v === 'string') return 'STRING';
  if (typeof v === 'bigint') return 'INTEGER';
  if (typeof v === 'number') return 'DOUBLE';
  if (typeof v === 'boolean') return 'BOOLEAN';
  return 'BINARY';
}

/**
 * Order-preserving key encoding, as hex: comparing two encoded keys as strings orders them the way
 * Tablestore orders primary keys (column by column; INTEGER signed, STRING and BINARY by bytes).
 * Integers are 8 bytes big-endian with the sign bit flipped; byte strings escape 0x00 as 00 ff and
 * end with 00 00, so a shorter string sorts before any longer one it prefixes.
 */
export function encodeKeyPart(v: PkValue): string {
  if (typeof v === 'bigint') {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt.asUintN(64, v) ^ (1n << 63n));
    return b.toString('hex');
  }
  const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
  return bytes.toString('hex').replace(/../g, (h) => (h === '00' ? '00ff' : h)) + '0000';
}

export function encodeKey(pk: readonly PkValue[]): string {
  return pk.map(encodeKeyPart).join('');
}

/**
 * A range bound's position among encoded keys. Everything after the first infinity is irrelevant:
 * INF_MIN sorts before every continuation of the prefix, INF_MAX ('g' > any hex digit) after.
 */
export function encodeBound(bound: readonly BoundValue[]): string {
  let out = '';
  for (const v of bound) {
    if (v === INF_MIN) return out;
    if (v === INF_MAX) return out + 'g';
    out += encodeKeyPart(v);
  }
  return out;
}

/** Compare two values of one type the way a column condition does; undefined when types differ. */
export function compareValues(a: ColumnValue, b: ColumnValue): number | undefined {
  if (typeOf(a) !== typeOf(b)) return undefined;
  if (Buffer.isBuffer(a)) return Buffer.compare(a, b as Buffer);
  if (typeof a === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b as string));
  if (typeof a === 'boolean') return Number(a) - Number(b as boolean);
  const x = a as bigint | number;
  const y = b as bigint | number;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function valueSize(v: ColumnValue): number {
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (Buffer.isBuffer(v)) return v.length;
  return typeof v === 'boolean' ? 1 : 8;
}

// ---- to the SDK's shapes (for PlainBufferBuilder) ----

export function toSdkValue(v: ColumnValue): SdkColumnValue {
  return typeof v === 'bigint' ? sdk.Long.fromString(v.toString()) : v;
}

export function toSdkPk(pk: readonly PkColumn[]): Array<Record<string, SdkPkValue>> {
  return pk.map((c) => ({ [c.name]: toSdkValue(c.value) as SdkPkValue }));
}

// ---- JSON: a tagged form for the write-ahead log, a friendly one for dumps ----

export type TaggedValue = { s: string } | { i: string } | { b: string } | { d: number | string } | { o: boolean };

export function toTagged(v: ColumnValue): TaggedValue {
  if (typeof v === 'string') return { s: v };
  if (typeof v === 'bigint') return { i: v.toString() };
  if (Buffer.isBuffer(v)) return { b: v.toString('base64') };
  if (typeof v === 'number') return { d: Number.isFinite(v) ? v : String(v) };
  return { o: v };
}

export function fromTagged(t: TaggedValue): ColumnValue {
  if ('s' in t) return t.s;
  if ('i' in t) return BigInt(t.i);
  if ('b' in t) return Buffer.from(t.b, 'base64');
  if ('d' in t) return Number(t.d);
  return t.o;
}

export type JsonValue = string | number | boolean | { int: string } | { base64: string };

/** Friendly JSON for dumps: INTEGER as a number when it is safe, BINARY as base64. */
export function toJson(v: ColumnValue): JsonValue {
  if (typeof v === 'bigint') {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : { int: v.toString() };
  }
  if (Buffer.isBuffer(v)) return { base64: v.toString('base64') };
  return v;
}
