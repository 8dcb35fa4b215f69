import { startStack, type Stack } from '../support/stack';
import { nextLook } from '../../functions/core/reconcile';

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
