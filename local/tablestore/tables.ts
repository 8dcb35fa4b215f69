import { parameterInvalid } from './errors';
import type { PkSchema, TableMeta } from './store';

/** Table-level rules shared by CreateTable, UpdateTable and DescribeTable. */

export const TABLE_LIMITS = { tables: 64, pkColumns: 4, minTtlSeconds: 86400 };

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const PK_TYPES: Record<number, PkSchema['type']> = { 1: 'INTEGER', 2: 'STRING', 3: 'BINARY' };
export const PK_TYPE_CODES = { INTEGER: 1, STRING: 2, BINARY: 3 } as const;

export function checkTableName(name: string): void {
  if (!TABLE_NAME.test(name ?? '')) throw parameterInvalid(`Invalid table name: '${name}'.`);
}

export function checkPkSchema(schema: Array<{ name: string; type: number; option?: number }>): PkSchema[] {
  if (schema.length < 1 || schema.length > TABLE_LIMITS.pkColumns) {
    throw parameterInvalid(`The number of primary key columns must be in range: [1, ${TABLE_LIMITS.pkColumns}].`);
  }
  const seen = new Set<string>();
  return schema.map((c) => {
    if (!TABLE_NAME.test(c.name)) throw parameterInvalid(`Invalid primary key name: '${c.name}'.`);
    if (seen.has(c.name)) throw parameterInvalid(`Duplicated primary key name: '${c.name}'.`);
    seen.add(c.name);
    const type = PK_TYPES[c.type];
    if (!type) throw parameterInvalid(`Invalid primary key type: ${c.type}.`);
    // Unset optional enums read as their first value (AUTO_INCREMENT) in protobufjs: check presence.
    const autoIncrement = Object.prototype.hasOwnProperty.call(c, 'option') && c.option === 1;
    if (autoIncrement && type !== 'INTEGER') throw parameterInvalid('An auto-increment primary key must be INTEGER.');
    return autoIncrement ? { name: c.name, type, autoIncrement } : { name: c.name, type };
  });
}

export interface TableOptionsMsg {
  timeToLive?: number;
  maxVersions?: number;
  deviationCellVersionInSec?: unknown;
  allowUpdate?: boolean;
}

/** TTL is -1 (forever) or at least one day; max versions at least 1. */
export function applyOptions(meta: TableMeta, opts: TableOptionsMsg | undefined, has: (field: string) => boolean): TableMeta {
  const next = { ...meta };
  if (opts && has('timeToLive')) {
    const ttl = opts.timeToLive!;
    if (ttl !== -1 && ttl < TABLE_LIMITS.minTtlSeconds) {
      throw parameterInvalid(`Invalid time to live: ${ttl}. It must be -1 or at least ${TABLE_LIMITS.minTtlSeconds} seconds.`);
    }
    next.timeToLive = ttl;
  }
  if (opts && has('maxVersions')) {
    if (opts.maxVersions! < 1) throw parameterInvalid(`Invalid max versions: ${opts.maxVersions}. It must be at least 1.`);
    next.maxVersions = opts.maxVersions!;
  }
  if (opts && has('deviationCellVersionInSec')) {
    const dev = Number(String(opts.deviationCellVersionInSec));
    if (!(dev > 0)) throw parameterInvalid(`Invalid max time deviation: ${dev}.`);
    next.maxTimeDeviation = dev;
  }
  if (opts && has('allowUpdate')) next.allowUpdate = opts.allowUpdate!;
  return next;
}

/** The TableMeta / ReservedThroughputDetails / TableOptions shapes DescribeTable and UpdateTable return. */
export function describeParts(meta: TableMeta) {
  return {
    tableMeta: {
      tableName: meta.name,
      primaryKey: meta.primaryKey.map((p) => ({ name: p.name, type: PK_TYPE_CODES[p.type], ...(p.autoIncrement ? { option: 1 } : {}) })),
      definedColumn: meta.definedColumns,
    },
    reservedThroughputDetails: {
      capacityUnit: { read: meta.reservedRead, write: meta.reservedWrite },
      lastIncreaseTime: Math.floor(meta.lastIncreaseTime / 1000),
      ...(meta.lastDecreaseTime !== undefined ? { lastDecreaseTime: Math.floor(meta.lastDecreaseTime / 1000) } : {}),
    },
    tableOptions: {
      timeToLive: meta.timeToLive,
      maxVersions: meta.maxVersions,
      deviationCellVersionInSec: meta.maxTimeDeviation,
      allowUpdate: meta.allowUpdate,
    },
  };
}
