// npm run bench [-- cold|first|sweep|running|submit ...]: each benchmark prints its figures next to a baseline
// measured in the same run, and the ratio between them.
import { coldStart } from './cold';
import { firstRequest } from './first';
import { printTable, type Figure } from './lib';
import { sweepCost } from './sweep';
import { timeToRunning } from './running';
import { submitLatency } from './submit';

const BENCHES: Record<string, { title: string; run: () => Promise<Figure[]> }> = {
  cold: { title: '1. cold start', run: coldStart },
  first: { title: '1b. first request', run: firstRequest },
  sweep: { title: '2. sweep cost', run: sweepCost },
  running: { title: '3. time to Running', run: timeToRunning },
  submit: { title: '4. submit', run: submitLatency },
};

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((a) => !(a in BENCHES));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}`);
  const names = asked.length > 0 ? asked : Object.keys(BENCHES);
  const results: Array<[string, Figure[]]> = [];
  for (const name of names) {
    console.log(`\n== ${BENCHES[name].title} ==`);
    const started = Date.now();
    results.push([BENCHES[name].title, await BENCHES[name].run()]);
    console.log(`  (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  for (const [title, figures] of results) printTable(title, figures);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  },
);
