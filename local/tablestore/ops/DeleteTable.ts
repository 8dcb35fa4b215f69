import { requireTable } from '../context';
import { decodeMessage, encodeMessage, type Operation } from '../protocol';

/** DeleteTable: the table and all its rows go at once. */
export const DeleteTable: Operation = {
  decode(body) {
    const { tableName } = decodeMessage<{ tableName: string }>('DeleteTableRequest', body);
    return {
      tables: [tableName],
      run(ctx) {
        requireTable(ctx, tableName);
        ctx.commit([{ t: 'deleteTable', name: tableName }]);
        return encodeMessage('DeleteTableResponse', {});
      },
    };
  },
};
