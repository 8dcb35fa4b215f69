import { OtsError, parameterInvalid, tableAlreadyExist } from '../errors';
import { decodeMessage, encodeMessage, type Operation } from '../protocol';
import type { TableMeta } from '../store';
import { applyOptions, checkPkSchema, checkTableName, TABLE_LIMITS, type TableOptionsMsg } from '../tables';

interface CreateTableRequest {
  tableMeta: { tableName: string; primaryKey: Array<{ name: string; type: number; option?: number }>; definedColumn: Array<{ name: string; type: number }> };
  reservedThroughput: { capacityUnit: { read?: number; write?: number } };
  tableOptions?: TableOptionsMsg;
  indexMetas: unknown[];
}

/** CreateTable: schema, TTL, max versions and reserved throughput (accepted, never enforced). */
export const CreateTable: Operation = {
  decode(body) {
    const req = decodeMessage<CreateTableRequest>('CreateTableRequest', body);
    const name = req.tableMeta.tableName;
    return {
      tables: [name],
      run(ctx) {
        checkTableName(name);
        if (req.indexMetas.length) throw new OtsError(400, 'OTSUnsupportOperation', 'Secondary indexes are not supported by the local emulator.');
        if (ctx.store.table(name)) throw tableAlreadyExist();
        if (ctx.store.tables.size >= TABLE_LIMITS.tables) {
          throw new OtsError(403, 'OTSQuotaExhausted', `Number of tables exceeded the quota: ${TABLE_LIMITS.tables}.`);
        }
        const cu = req.reservedThroughput.capacityUnit;
        if ((cu.read ?? 0) < 0 || (cu.write ?? 0) < 0) throw parameterInvalid('Reserved throughput cannot be negative.');
        const now = ctx.now();
        const base: TableMeta = {
          name,
          primaryKey: checkPkSchema(req.tableMeta.primaryKey),
          definedColumns: req.tableMeta.definedColumn.map((c) => ({ name: c.name, type: c.type })),
          timeToLive: -1,
          maxVersions: 1,
          maxTimeDeviation: 86400,
          allowUpdate: true,
          reservedRead: cu.read ?? 0,
          reservedWrite: cu.write ?? 0,
          createdAt: now,
          lastIncreaseTime: now,
        };
        const opts = req.tableOptions;
        const meta = applyOptions(base, opts, (f) => !!opts && Object.prototype.hasOwnProperty.call(opts, f));
        ctx.commit([{ t: 'createTable', meta }]);
        return encodeMessage('CreateTableResponse', {});
      },
    };
  },
};
