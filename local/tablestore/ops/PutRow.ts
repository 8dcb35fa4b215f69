import { decodeCondition } from '../conditions';
import { requireTable } from '../context';
import { decodeRow } from '../plainbuffer';
import { decodeMessage, encodeMessage, type Operation } from '../protocol';
import { checkRowWriteSize } from '../rows';
import { decodeReturnContent, encodeReturned, planPut } from '../writes';

interface PutRowRequest {
  tableName: string;
  row: Buffer;
  condition: { rowExistence: number; columnCondition?: Uint8Array };
  returnContent?: { returnType?: number; returnColumnNames?: string[] };
}

/** PutRow: write a whole row (replacing any previous one) if its condition holds. */
export const PutRow: Operation = {
  decode(body) {
    const req = decodeMessage<PutRowRequest>('PutRowRequest', body);
    return {
      tables: [req.tableName],
      run(ctx) {
        const table = requireTable(ctx, req.tableName);
        checkRowWriteSize(req.row);
        const plan = planPut(ctx, table, decodeRow(req.row), decodeCondition(req.condition), decodeReturnContent(req.returnContent));
        ctx.commit([plan.mutation]);
        return encodeMessage('PutRowResponse', { consumed: plan.consumed, row: encodeReturned(plan) });
      },
    };
  },
};
