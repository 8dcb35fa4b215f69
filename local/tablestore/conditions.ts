import { conditionCheckFail, parameterInvalid } from './errors';
import { decodeFilter, matches, type ColumnFilter } from './filters';
import type { Row } from './store';

/**
 * Write conditions: the row existence expectation is checked first, then the column condition,
 * against the row as a reader would see it at that instant. Either failing is 403
 * OTSConditionCheckFail and nothing is written.
 */

export type RowExistence = 'IGNORE' | 'EXPECT_EXIST' | 'EXPECT_NOT_EXIST';
export interface WriteCondition {
  rowExistence: RowExistence;
  columnCondition?: ColumnFilter;
}

const EXISTENCE: Record<number, RowExistence> = { 0: 'IGNORE', 1: 'EXPECT_EXIST', 2: 'EXPECT_NOT_EXIST' };

export function decodeCondition(msg: { rowExistence: number; columnCondition?: Uint8Array } | undefined): WriteCondition {
  if (!msg) return { rowExistence: 'IGNORE' };
  const rowExistence = EXISTENCE[msg.rowExistence];
  if (!rowExistence) throw parameterInvalid(`Invalid row existence expectation: ${msg.rowExistence}.`);
  const cc = msg.columnCondition;
  const columnCondition = cc && cc.length > 0 ? decodeFilter(cc) : undefined;
  if (columnCondition?.kind === 'pagination') throw parameterInvalid('Column pagination is not a condition.');
  return { rowExistence, columnCondition };
}

export function checkCondition(condition: WriteCondition, current: Row | undefined): void {
  const exists = current !== undefined;
  const existenceOk =
    condition.rowExistence === 'IGNORE' || (condition.rowExistence === 'EXPECT_EXIST' ? exists : !exists);
  if (!existenceOk) throw conditionCheckFail();
  if (condition.columnCondition && !matches(condition.columnCondition, current)) throw conditionCheckFail();
}
