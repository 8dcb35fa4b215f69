import { decodeMessage, encodeMessage, type Operation } from '../protocol';

/** ListTable: every table name of the instance, in name order. */
export const ListTable: Operation = {
  decode(body) {
    decodeMessage('ListTableRequest', body);
    return {
      tables: [],
      run(ctx) {
        return encodeMessage('ListTableResponse', { tableNames: [...ctx.store.tables.keys()].sort() });
      },
    };
  },
};
