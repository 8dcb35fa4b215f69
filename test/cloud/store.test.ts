import { condition, long, Tablestore } from '../../functions/cloud/tablestore';
import { CREDS, startStack, type Stack } from '../support/stack';
import { nextLook } from '../../functions/core/reconcile';
import { planBatch } from '../../functions/core/plan';
import type { Batch } from '../../functions/core/batch';
import { demoSpec } from '../support/profiles';

function makeBatch(id: string, createdAt: number): Batch {
  const plan = planBatch({ request: { profile: 'demo', amount: 1 }, owner: 'alice', spec: demoSpec, deadlineSeconds: 600, now: createdAt, lease: { owner: 'test', ms: 0 } });
  if (!plan.ok) throw new Error('fixture does not plan');
  return { ...plan.batch, id, createdAt };
}

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.close());
beforeEach(() => s.reset());

const queue = (id: string) => (s.tsEmu.control.dumpTable(s.tables.queue) ?? []).filter((r) => r.primaryKey.batchId === id).map((r) => r.primaryKey.dueAt);

describe('the due-queue', () => {
  it('moves an entry by putting the new one before deleting the old one', async () => {
    await s.store.moveDue('b-1', undefined, 1_000);
    await s.store.moveDue('b-1', 1_000, 2_000);
    expect(queue('b-1')).toEqual([2_000]);
    await s.store.moveDue('b-1', 2_000, undefined);
    expect(queue('b-1')).toEqual([]);
  });

  it('never deletes the entry it just put when a time has a fraction (found by the chaos run)', async () => {
    await s.store.moveDue('b-2', undefined, 1_000.9);
    await s.store.moveDue('b-2', 1_000, 1_000.9);
    expect(queue('b-2')).toEqual([1_000]);
  });

  it('lists due entries across shards, oldest first, and only those due', async () => {
    for (let k = 0; k < 20; k++) await s.store.moveDue(`b-x${k}`, undefined, 1_000 + k);
    const due = await s.store.dueEntries(1_009, 100);
    expect(due.map((d) => d.dueAt)).toEqual(Array.from({ length: 10 }, (_, k) => 1_000 + k));
    expect(new Set(due.map((d) => d.shard)).size).toBeGreaterThan(1);
  });
});

describe('nextLook', () => {
  it('answers whole milliseconds, as the queue key needs', () => {
    const b = { status: 'PENDING', createdAt: 0, deadlineAt: 10_000_000, failures: 0 } as Parameters<typeof nextLook>[0];
    for (const now of [1, 33_333, 77_777, 123_457]) expect(Number.isInteger(nextLook(b, now))).toBe(true);
  });
});

/**
 * Every write the store makes, with its answer lost after Tablestore applied it (the emulator's
 * lostAnswer fault): the retry must recognise its own earlier success, never count twice or not at all.
 */
describe('writes whose answer was lost after they were applied', () => {
  const usage = () => s.tsEmu.control.dumpTable(s.tables.usage) ?? [];
  const counted = () => usage().filter((r) => String(r.primaryKey.key).startsWith('m:')).reduce((n, r) => n + Number(r.columns.n), 0);

  // The k-th call to the usage table is lost (k = 0: the first write of a reservation, and so on).
  it.each([0, 1, 2, 3])('reserveDaily counts each reservation exactly once with usage call %i lost', async (skip) => {
    const now = s.clock.now();
    s.tsEmu.control.addFault({ kind: 'lostAnswer', operation: '*', table: s.tables.usage, skip, times: 1 });
    expect(await s.store.reserveDaily('alice', 'b-1', 900, 1000, now)).toBe(true);
    expect(counted()).toBe(900);
    s.tsEmu.control.addFault({ kind: 'lostAnswer', operation: '*', table: s.tables.usage, skip, times: 1 });
    // The audit's case: a second 900 against 1000 must be refused, and its undo must not undo twice.
    expect(await s.store.reserveDaily('alice', 'b-2', 900, 1000, now)).toBe(false);
    expect(counted()).toBe(900);
    expect(await s.store.reserveDaily('alice', 'b-3', 100, 1000, now)).toBe(true);
    expect(counted()).toBe(1000);
  });

  it('reserveDaily answers a repeat for the same batch without counting it again', async () => {
    const now = s.clock.now();
    expect(await s.store.reserveDaily('alice', 'b-1', 600, 1000, now)).toBe(true);
    expect(await s.store.reserveDaily('alice', 'b-1', 600, 1000, now)).toBe(true);
    expect(counted()).toBe(600);
  });

  it('tryLease reports a first take whose answer was lost as held', async () => {
    const now = s.clock.now();
    s.tsEmu.control.addFault({ kind: 'lostAnswer', operation: 'PutRow', table: s.tables.usage, times: 1 });
    expect(await s.store.tryLease('watch', 'me', now, 10_000)).toBe(true);
    expect(await s.store.tryLease('watch', 'other', now, 10_000)).toBe(false);
  });

  it('tryLease reports a renewal whose answer was lost as held', async () => {
    const now = s.clock.now();
    expect(await s.store.tryLease('watch', 'me', now, 10_000)).toBe(true);
    s.tsEmu.control.addFault({ kind: 'lostAnswer', operation: 'PutRow', table: s.tables.usage, times: 1 });
    expect(await s.store.tryLease('watch', 'me', now + 1_000, 10_000)).toBe(true);
    expect(await s.store.tryLease('watch', 'other', now + 10_500, 10_000)).toBe(false);
  });

  it('tryLease still loses to a holder that is not us', async () => {
    const now = s.clock.now();
    expect(await s.store.tryLease('watch', 'other', now, 10_000)).toBe(true);
    expect(await s.store.tryLease('watch', 'me', now + 1, 10_000)).toBe(false);
  });

  it('dropLease and the batch writes survive a lost answer', async () => {
    const now = s.clock.now();
    expect(await s.store.tryLease('watch', 'me', now, 10_000)).toBe(true);
    s.tsEmu.control.addFault({ kind: 'lostAnswer', operation: 'UpdateRow', table: s.tables.usage, times: 1 });
    await s.store.dropLease('watch', 'me');
    expect(await s.store.tryLease('watch', 'other', now + 1, 10_000)).toBe(true);
  });
});

describe('listing when BatchGetRow fails single rows (HTTP 200, per-row errors)', () => {
  async function make(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let k = 0; k < n; k++) {
      const id = `b-${String(k).padStart(24, '0')}`;
      const batch = { ...makeBatch(id, 1_000 + k) };
      const r = await s.store.createBatch(batch);
      expect(r.created).toBe(true);
      ids.push(id);
    }
    return ids.reverse();
  }

  it('re-reads a row that failed on its own instead of skipping it', async () => {
    const ids = await make(5);
    s.tsEmu.control.addFault({ kind: 'rowError', operation: 'BatchGetRow', table: s.tables.batches, skip: 2, times: 1 });
    const page = await s.store.listBatches('alice', { limit: 10 });
    expect(page.batches.map((b) => b.id)).toEqual(ids);
  });

  it('fails the page rather than move the cursor past a row it could not read', async () => {
    await make(3);
    s.tsEmu.control.addFault({ kind: 'rowError', operation: 'BatchGetRow', table: s.tables.batches, skip: 1, probability: 1 });
    await expect(s.store.listBatches('alice', { limit: 10 })).rejects.toMatchObject({ name: 'StoreError', kind: 'unavailable' });
  });
});

describe('stored batch documents', () => {
  const putDoc = (id: string, doc: string) =>
    new Tablestore(CREDS, { endpoint: s.tsEmu.url, instanceName: 'local' }).call('putRow', {
      tableName: s.tables.batches,
      condition: condition('IGNORE'),
      primaryKey: [{ id }],
      attributeColumns: [{ version: long(1) }, { doc }],
    });

  it('are checked when read: a document that does not hold a batch is a corrupt row, not a batch', async () => {
    const good = makeBatch('b-00000000000000000000000a', 1_000);
    const { version: _v, ...doc } = good;
    await putDoc(good.id, JSON.stringify(doc));
    expect(await s.store.getBatch(good.id)).toMatchObject({ id: good.id, version: 1, status: 'SUBMITTING' });

    const { chunks: _c, ...noChunks } = doc;
    await putDoc('b-00000000000000000000000b', JSON.stringify({ ...noChunks, id: 'b-00000000000000000000000b' }));
    await expect(s.store.getBatch('b-00000000000000000000000b')).rejects.toMatchObject({ name: 'StoreError', code: 'CorruptRow', message: expect.stringContaining('chunks') });

    // A document stored before the chat reply had its own name reads as one.
    const chatReply = { kind: 'slack', url: 'https://hooks.slack.com/x', state: 'waiting', deliveryId: 'd', attempts: 0 };
    await putDoc('b-00000000000000000000000d', JSON.stringify({ ...doc, id: 'b-00000000000000000000000d', notify: chatReply }));
    const legacy = (await s.store.getBatch('b-00000000000000000000000d'))!;
    expect(legacy.chatReply).toEqual(chatReply);
    expect(legacy).not.toHaveProperty('notify');

    await putDoc('b-00000000000000000000000c', '{not json');
    await expect(s.store.getBatch('b-00000000000000000000000c')).rejects.toMatchObject({ name: 'StoreError', code: 'CorruptRow' });
  });
});
