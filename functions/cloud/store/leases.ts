import { StoreError } from '../../core/errors';
import { columnEquals, condition, long, readRow, toNumber, type Tablestore } from '../tablestore';
import { newWriteId } from './batches';

/** Named leases live in the usage table under this pseudo-owner (token names cannot contain '#'). */
const LEASES = '#leases';

/** Condition clauses of a lease row, named for the race each one closes. */
/** Two takers of a lease nobody held yet: the first write creates the row, the other fails. */
const leaseNeverTaken = () => condition('EXPECT_NOT_EXIST');
/** Two takers that read the same lease version: only the first write of version + 1 applies. */
const leaseVersionStillIs = (version: number) => condition('EXPECT_EXIST', columnEquals('version', long(version)));
/** Letting go after someone else took the lease over must not take it from them. */
const stillHeldBy = (owner: string) => condition('EXPECT_EXIST', columnEquals('holder', owner));

/** Named leases (the one watcher, DingTalk signatures, Feishu events), in the usage table. */
export function leases(ts: Tablestore, table: string) {
  const read = async (key: unknown[]) => readRow((await ts.call<{ row?: unknown }>('getRow', { tableName: table, primaryKey: key, maxVersions: 1 })).row);
  return {
    async tryLease(name: string, owner: string, now: number, ms: number): Promise<boolean> {
      const key = [{ owner: LEASES }, { key: name }];
      const row = await read(key);
      const holder = row ? String(row.columns.holder) : undefined;
      if (row && holder !== owner && toNumber(row.columns.until) > now) return false;
      const version = row ? toNumber(row.columns.version) : 0;
      const writeId = newWriteId();
      try {
        await ts.call('putRow', {
          tableName: table,
          condition: row ? leaseVersionStillIs(version) : leaseNeverTaken(),
          primaryKey: key,
          attributeColumns: [{ holder: owner }, { until: long(now + ms) }, { version: long(version + 1) }, { writeId }],
        });
        return true;
      } catch (e) {
        if (!(e instanceof StoreError && e.kind === 'conflict')) throw e;
        // Lost the race, or won it and lost the answer (the retry then meets its own write): read back.
        return (await read(key))?.columns.writeId === writeId;
      }
    },

    async dropLease(name: string, owner: string): Promise<void> {
      try {
        await ts.call('updateRow', { tableName: table, condition: stillHeldBy(owner), primaryKey: [{ owner: LEASES }, { key: name }], updateOfAttributeColumns: [{ PUT: [{ until: long(0) }] }] });
      } catch (e) {
        if (!(e instanceof StoreError && e.kind === 'conflict')) throw e; // someone else holds it now
      }
    },
  };
}
