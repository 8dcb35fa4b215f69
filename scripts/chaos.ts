// `npm run chaos -- --runs N --seed S`: chaos runs against the stand-ins; see README "Proof".
import { parseArgs } from 'node:util';
import { chaosRun } from '../test/chaos/harness';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '10' },
      seed: { type: 'string', default: '1' },
      batches: { type: 'string', default: '12' },
      'max-amount': { type: 'string', default: '250' },
      crash: { type: 'string', default: '0.03' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const runs = Number(values.runs);
  const first = Number(values.seed);
  const totals = { duplicates: 0, orphans: 0, stuck: 0, undelivered: 0, inconsistent: 0, unlisted: 0, batches: 0, instances: 0, crashes: 0 };
  const events = { published: 0, dropped: 0, duplicated: 0, handled: 0 };
  const started = Date.now();
  for (let k = 0; k < runs; k++) {
    // A fresh stack per run, seeded like the run, so a failing seed replays on its own.
    const seed = first + k;
    const rep = await chaosRun({ seed, batches: Number(values.batches), maxAmount: Number(values['max-amount']), crash: Number(values.crash), faults: 1 });
    for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += rep[key] as number;
    for (const key of Object.keys(events) as Array<keyof typeof events>) events[key] += rep.events[key];
    const bad = rep.duplicates + rep.orphans + rep.stuck + rep.undelivered + rep.inconsistent + rep.unlisted;
    if (bad > 0) {
      console.log(`FAIL seed=${seed}: ${rep.duplicates} duplicates, ${rep.orphans} orphans, ${rep.stuck} stuck, ${rep.undelivered} undelivered, ${rep.inconsistent} inconsistent, ${rep.unlisted} unlisted`);
      for (const p of rep.problems.slice(0, 10)) console.log(`  ${p}`);
    } else if (values.verbose) {
      console.log(`ok   seed=${seed}: ${rep.batches} batches, ${rep.instances} instances, ${rep.crashes} crashes, ${JSON.stringify(rep.outcomes)}`);
    }
  }
  console.log(`(${totals.batches} batches, ${totals.instances} instances, ${totals.crashes} simulated crashes, ${totals.inconsistent} inconsistent, ${totals.unlisted} unlisted, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  console.log(`(ECS events: ${events.published} published, ${events.dropped} dropped, ${events.duplicated} duplicated, ${events.handled} deliveries handled)`);
  console.log(`chaos: ${runs} runs, ${totals.duplicates} duplicates, ${totals.orphans} orphans, ${totals.stuck} stuck, ${totals.undelivered} undelivered`);
  if (totals.duplicates + totals.orphans + totals.stuck + totals.undelivered + totals.inconsistent + totals.unlisted > 0) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
