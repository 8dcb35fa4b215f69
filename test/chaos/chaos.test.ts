import { chaosRun } from './harness';

/**
 * A small fixed-seed set of chaos runs (the large run is `npm run chaos`, figures in README).
 * Each run mixes cloud faults, overlapping sweepers and processes killed at random points.
 */
describe('chaos', () => {
  it.each([11, 12, 13])('seed %i: nothing doubled, nothing orphaned, nothing stuck, everyone told', async (seed) => {
    const rep = await chaosRun({ seed, batches: 8, maxAmount: 150, crash: 0.04, faults: 1 });
    expect(rep.problems).toEqual([]);
    expect({ duplicates: rep.duplicates, orphans: rep.orphans, stuck: rep.stuck, undelivered: rep.undelivered, inconsistent: rep.inconsistent, unlisted: rep.unlisted }).toEqual({
      duplicates: 0,
      orphans: 0,
      stuck: 0,
      undelivered: 0,
      inconsistent: 0,
      unlisted: 0,
    });
    // The run must have been a real one: batches made, processes killed.
    expect(rep.batches).toBeGreaterThan(3);
    expect(rep.crashes).toBeGreaterThan(0);
    // ECS events took part, with their faults: some lost, some repeated.
    expect(rep.events.handled).toBeGreaterThan(0);
    expect(rep.events.dropped + rep.events.duplicated).toBeGreaterThan(0);
  }, 120_000);
});
