import type { Operation } from '../protocol';
import { BatchGetRow } from './BatchGetRow';
import { BatchWriteRow } from './BatchWriteRow';
import { CreateTable } from './CreateTable';
import { DeleteRow } from './DeleteRow';
import { DeleteTable } from './DeleteTable';
import { DescribeTable } from './DescribeTable';
import { GetRange } from './GetRange';
import { GetRow } from './GetRow';
import { ListTable } from './ListTable';
import { PutRow } from './PutRow';
import { UpdateRow } from './UpdateRow';
import { UpdateTable } from './UpdateTable';

/** The operations the emulator speaks, by the path the SDK posts to (`/PutRow`, ...). */
export const operations: Record<string, Operation> = {
  CreateTable,
  DescribeTable,
  ListTable,
  DeleteTable,
  UpdateTable,
  GetRow,
  PutRow,
  UpdateRow,
  DeleteRow,
  GetRange,
  BatchGetRow,
  BatchWriteRow,
};

