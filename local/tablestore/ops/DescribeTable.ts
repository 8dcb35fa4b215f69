import { requireTable } from '../context';
import { decodeMessage, encodeMessage, type Operation } from '../protocol';
import { describeParts } from '../tables';

/** DescribeTable: schema, options and reserved throughput; emulated tables are always ACTIVE. */
export const DescribeTable: Operation = {
  decode(body) {
    const { tableName } = decodeMessage<{ tableName: string }>('DescribeTableRequest', body);
    return {
      tables: [tableName],
      run(ctx) {
        const table = requireTable(ctx, tableName);
        return encodeMessage('DescribeTableResponse', { ...describeParts(table.meta), tableStatus: 1, shardSplits: [], indexMetas: [] });
      },
    };
  },
};
