import { decodeCondition } from '../conditions';
import { requireTable } from '../context';
import { decodeRow } from '../plainbuffer';
import { decodeMessage, encodeMessage, type Operation } from '../protocol';
import { checkRowWriteSize } from '../rows';
import { decodeReturnContent, encodeReturned, planUpdate } from '../writes';

interface UpdateRowRequest {
  tableName: string;
  rowChange: Buffer;
  condition: { rowExistence: number; columnCondition?: Uint8Array };
  returnContent?: { returnType?: number; returnColumnNames?: string[] };
}

/** UpdateRow: PUT, DELETE (one version), DELETE_ALL and INCREMENT on columns of one row. */
export const UpdateRow: Operation = {
  decode(body) {
    const req = decodeMessage<UpdateRowRequest>('UpdateRowRequest', body);
    return {
      tables: [req.tableName],
      run(ctx) {
        const table = requireTable(ctx, req.tableName);
        checkRowWriteSize(req.rowChange);
        const plan = planUpdate(ctx, table, decodeRow(req.rowChange), decodeCondition(req.condition), decodeReturnContent(req.returnContent));
        ctx.commit([plan.mutation]);
        return encodeMessage('UpdateRowResponse', { consumed: plan.consumed, row: encodeReturned(plan) });
      },
    };
  },
};
