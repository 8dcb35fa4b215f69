import { z } from 'zod';
import { BATCH_STATUSES, type Batch } from '../../core/batch';
import { StoreError } from '../../core/errors';
import { formatIssues } from '../../core/validation';
import { long, toNumber, type RowData } from '../tablestore';

/**
 * What a stored batch document must hold for the code that reads it to be safe: the fields every sweep,
 * view and listing reaches for. A row that fails is reported as a corrupt row (one batch's problem: the
 * sweep goes on with the others) instead of failing later, somewhere, on an undefined. Fields beyond these
 * pass through as stored.
 */
const StoredBatchSchema = z.looseObject({
  id: z.string(),
  owner: z.string(),
  requestHash: z.string(),
  status: z.enum(BATCH_STATUSES),
  spec: z.looseObject({ region: z.string() }),
  offerings: z.array(z.looseObject({ instanceType: z.string(), vSwitchId: z.string(), zoneId: z.string() })),
  failedOfferings: z.array(z.looseObject({ offering: z.number(), code: z.string(), at: z.number() })),
  amount: z.number().int(),
  tags: z.array(z.looseObject({ key: z.string(), value: z.string() })),
  replaceLost: z.boolean(),
  chunks: z.array(
    z.looseObject({
      index: z.number().int(),
      amount: z.number().int(),
      attempt: z.number().int(),
      offering: z.number().int(),
      clientToken: z.string(),
      state: z.enum(['pending', 'submitted', 'failed']),
      instanceIds: z.array(z.string()),
    }),
  ),
  instances: z.array(z.looseObject({ instanceId: z.string(), chunk: z.number().int(), state: z.string() })),
  createdAt: z.number(),
  updatedAt: z.number(),
  deadlineAt: z.number(),
  dueAt: z.number(),
});

const corrupt = (id: string, why: string, cause?: unknown) => new StoreError('invalid', 'CorruptRow', `batch ${id}: ${why}`, cause === undefined ? undefined : { cause });

/** The batch in a row of the batches table, checked; its version is the row's `version` column. */
export function batchOfRow(row: RowData, id: string): Batch {
  const doc = row.columns.doc;
  if (typeof doc !== 'string') throw corrupt(id, 'the row has no document');
  let json: unknown;
  try {
    json = JSON.parse(doc);
  } catch (e) {
    throw corrupt(id, 'the document is not JSON', e);
  }
  // Documents stored before the chat reply had its own name called it `notify` (issue 13: one word, one idea).
  if (json && typeof json === 'object' && 'notify' in json && !('chatReply' in json)) {
    const { notify, ...rest } = json as Record<string, unknown>;
    json = { ...rest, chatReply: notify };
  }
  const checked = StoredBatchSchema.safeParse(json);
  if (!checked.success) throw corrupt(id, `the document does not hold a batch (${formatIssues(checked.error.issues, { max: 3 })})`);
  const batch = checked.data as unknown as Batch;
  batch.version = toNumber(row.columns.version);
  return batch;
}

/** The columns of a batch row. `status` and `owner` are copies of the document's, for reading a row at a glance. */
export function batchColumns(batch: Batch, writeId: string) {
  const { version, ...rest } = batch;
  return [{ version: long(version) }, { status: batch.status }, { owner: batch.owner }, { writeId }, { doc: JSON.stringify(rest) }];
}
