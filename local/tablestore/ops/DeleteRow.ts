import { decodeCondition } from '../conditions';
import { requireTable } from '../context';
import { decodeRow } from '../plainbuffer';
import { decodeMessage, encodeMessage, type Operation } from '../protocol';
import { decodeReturnContent, encodeReturned, planDelete } from '../writes';

interface DeleteRowRequest {
  tableName: string;
  primaryKey: Buffer;
  condition: { rowExistence: number; columnCondition?: Uint8Array };
  returnContent?: { returnType?: number };
}

/** DeleteRow: remove a row (every column, every version) if its condition holds. */
export const DeleteRow: Operation = {
  decode(body) {
    const req = decodeMessage<DeleteRowRequest>('DeleteRowRequest', body);
    return {
      tables: [req.tableName],
      run(ctx) {
        const table = requireTable(ctx, req.tableName);
        const plan = planDelete(ctx, table, decodeRow(req.primaryKey), decodeCondition(req.condition), decodeReturnContent(req.returnContent));
        ctx.commit([plan.mutation]);
        return encodeMessage('DeleteRowResponse', { consumed: plan.consumed, row: encodeReturned(plan) });
      },
    };
  },
};
