import { parameterInvalid } from './errors';
import { INF_MAX, INF_MIN, type BoundValue, type ColumnValue, type PkColumn } from './values';

/**
 * PlainBuffer decoder for what the SDK sends: primary keys (with INF_MIN / INF_MAX for ranges),
 * put rows, update rows whose cells carry an operation type, delete markers, and the bare
 * SQLVariant inside filters. The SDK's own reader throws on the infinities and on cell types.
 */

const HEADER = 0x75;
const TAG = { ROW_PK: 1, ROW_DATA: 2, CELL: 3, NAME: 4, VALUE: 5, TYPE: 6, TIMESTAMP: 7, DELETE_MARKER: 8, ROW_CHECKSUM: 9, CELL_CHECKSUM: 10 };
const VT = { INTEGER: 0, DOUBLE: 1, BOOLEAN: 2, STRING: 3, BLOB: 7, INF_MIN: 9, INF_MAX: 10, AUTO_INCREMENT: 11 };
const OP = { 1: 'DELETE_ALL', 3: 'DELETE', 4: 'INCREMENT' } as const;

/** An auto-increment key column asks the server to choose the value. */
export const PK_AUTO_INCR = Symbol('PK_AUTO_INCR');
export type RequestPkValue = BoundValue | typeof PK_AUTO_INCR;

export type CellOp = 'PUT' | 'DELETE' | 'DELETE_ALL' | 'INCREMENT';
export interface DecodedCell {
  name: string;
  op: CellOp;
  value?: ColumnValue;
  timestamp?: number;
}
export interface DecodedRow {
  primaryKey: PkColumn<RequestPkValue>[];
  cells: DecodedCell[];
  deleteMarker: boolean;
}

const CRC8 = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
    t[i] = c;
  }
  return t;
})();
const crcBytes = (crc: number, bytes: Uint8Array) => {
  for (const b of bytes) crc = CRC8[(crc ^ b) & 0xff];
  return crc;
};
const crcByte = (crc: number, b: number) => CRC8[(crc ^ b) & 0xff];
const le32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
};

class Reader {
  pos = 0;
  tag = 0;
  constructor(private readonly buf: Buffer) {}
  byte(): number {
    if (this.pos >= this.buf.length) throw parameterInvalid('Invalid PlainBuffer: unexpected end of data.');
    return this.buf[this.pos++];
  }
  bytes(n: number): Buffer {
    if (n < 0 || this.pos + n > this.buf.length) throw parameterInvalid('Invalid PlainBuffer: length out of range.');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  int32(): number {
    return this.bytes(4).readInt32LE();
  }
  nextTag(): number {
    this.tag = this.pos >= this.buf.length ? 0 : this.byte();
    return this.tag;
  }
  expect(tag: number, what: string): void {
    if (this.tag !== tag) throw parameterInvalid(`Invalid PlainBuffer: expected ${what}.`);
  }
}

/** Reads one typed value (type byte + payload) and folds it into the cell checksum. */
function readVariant(r: Reader, crc: number): { value: RequestPkValue | ColumnValue; crc: number } {
  const type = r.byte();
  crc = crcByte(crc, type);
  switch (type) {
    case VT.INTEGER: {
      const raw = r.bytes(8);
      return { value: raw.readBigInt64LE(), crc: crcBytes(crc, raw) };
    }
    case VT.DOUBLE: {
      const raw = r.bytes(8);
      return { value: raw.readDoubleLE(), crc: crcBytes(crc, raw) };
    }
    case VT.BOOLEAN: {
      const b = r.byte();
      return { value: b !== 0, crc: crcByte(crc, b ? 1 : 0) };
    }
    case VT.STRING:
    case VT.BLOB: {
      const len = r.int32();
      const data = r.bytes(len);
      crc = crcBytes(crcBytes(crc, le32(len)), data);
      return { value: type === VT.STRING ? data.toString('utf8') : Buffer.from(data), crc };
    }
    case VT.INF_MIN:
      return { value: INF_MIN, crc };
    case VT.INF_MAX:
      return { value: INF_MAX, crc };
    case VT.AUTO_INCREMENT:
      return { value: PK_AUTO_INCR, crc };
    default:
      throw parameterInvalid(`Invalid PlainBuffer: unsupported value type ${type}.`);
  }
}

function readCell(r: Reader, rowCrc: number, isPk: boolean): { cell: DecodedCell & { raw?: RequestPkValue }; rowCrc: number } {
  r.expect(TAG.CELL, 'TAG_CELL');
  r.nextTag();
  r.expect(TAG.NAME, 'TAG_CELL_NAME');
  const name = r.bytes(r.int32());
  let crc = crcBytes(0, name);
  const cell: DecodedCell & { raw?: RequestPkValue } = { name: name.toString('utf8'), op: 'PUT' };
  r.nextTag();
  if (r.tag === TAG.VALUE) {
    r.int32(); // the value's total length; the type byte says how much follows
    const v = readVariant(r, crc);
    crc = v.crc;
    if (isPk) cell.raw = v.value as RequestPkValue;
    else if (typeof v.value === 'symbol') throw parameterInvalid('Invalid PlainBuffer: infinite value in a column.');
    else cell.value = v.value;
    r.nextTag();
  } else if (isPk) {
    throw parameterInvalid('Invalid PlainBuffer: primary key column without value.');
  }
  let opByte: number | undefined;
  if (r.tag === TAG.TYPE) {
    opByte = r.byte();
    const op = OP[opByte as keyof typeof OP];
    if (!op) throw parameterInvalid(`Invalid PlainBuffer: unknown cell type ${opByte}.`);
    cell.op = op;
    r.nextTag();
  }
  if (r.tag === TAG.TIMESTAMP) {
    const raw = r.bytes(8);
    cell.timestamp = Number(raw.readBigInt64LE());
    crc = crcBytes(crc, raw);
    r.nextTag();
  }
  // The operation type is folded into the cell checksum after the timestamp.
  if (opByte !== undefined) crc = crcByte(crc, opByte);
  r.expect(TAG.CELL_CHECKSUM, 'TAG_CELL_CHECKSUM');
  if (r.byte() !== crc) throw parameterInvalid('Checksum mismatch in PlainBuffer cell.');
  r.nextTag();
  return { cell, rowCrc: crcByte(rowCrc, crc) };
}

/** Decode a whole PlainBuffer row change (header, primary key, optional cells, delete marker). */
export function decodeRow(buf: Buffer): DecodedRow {
  const r = new Reader(buf);
  if (buf.length < 4 || r.int32() !== HEADER) throw parameterInvalid('Invalid PlainBuffer header.');
  r.nextTag();
  const row: DecodedRow = { primaryKey: [], cells: [], deleteMarker: false };
  let rowCrc = 0;
  r.expect(TAG.ROW_PK, 'TAG_ROW_PK');
  r.nextTag();
  while (r.tag === TAG.CELL) {
    const c = readCell(r, rowCrc, true);
    row.primaryKey.push({ name: c.cell.name, value: c.cell.raw as RequestPkValue });
    rowCrc = c.rowCrc;
  }
  if (r.tag === TAG.ROW_DATA) {
    r.nextTag();
    while (r.tag === TAG.CELL) {
      const c = readCell(r, rowCrc, false);
      row.cells.push({ name: c.cell.name, op: c.cell.op, value: c.cell.value, timestamp: c.cell.timestamp });
      rowCrc = c.rowCrc;
    }
  }
  if (r.tag === TAG.DELETE_MARKER) {
    row.deleteMarker = true;
    r.nextTag();
  }
  rowCrc = crcByte(rowCrc, row.deleteMarker ? 1 : 0);
  r.expect(TAG.ROW_CHECKSUM, 'TAG_ROW_CHECKSUM');
  if (r.byte() !== rowCrc) throw parameterInvalid('Checksum mismatch in PlainBuffer row.');
  return row;
}

/** A filter's column value: a bare SQLVariant (type byte + payload, no tag or length). */
export function decodeVariant(buf: Buffer): ColumnValue {
  const v = readVariant(new Reader(buf), 0).value;
  if (typeof v === 'symbol') throw parameterInvalid('Invalid column value in filter.');
  return v;
}
