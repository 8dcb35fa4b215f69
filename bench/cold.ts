import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildFunctions } from '../scripts/build';
import { median, ms, ratio, ROOT, type Figure } from './lib';

const REPS = 9;
/** Enough configuration for each handler's cold-start checks to pass (nothing is called). */
const ENV = {
  ...process.env,
  TABLESTORE_ENDPOINT: 'http://127.0.0.1:1',
  TABLESTORE_INSTANCE: 'local',
  ECS_ENDPOINT: '127.0.0.1:1',
  API_TOKENS: '[]',
  LAUNCH_PROFILES_FILE: join(ROOT, 'local/profiles/demo.json'),
};

/** Spawn node, run `code`, and return wall time (ms, from spawn to exit) and peak RSS (MB, from the child). */
function once(code: string): { ms: number; rssMb: number } {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-e', `${code};process.stdout.write(String(process.resourceUsage().maxRSS))`], { cwd: ROOT, env: ENV, encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`node -e ${code} failed: ${r.stderr.slice(0, 500)}`);
  return { ms: elapsed, rssMb: Number(r.stdout) / 1024 };
}

export async function coldStart(): Promise<Figure[]> {
  const built = await buildFunctions();
  const subjects = [{ name: 'node -e 0', code: '0' }, ...built.map((b) => ({ name: b.name, code: `require(${JSON.stringify(b.file)})` }))];
  const runs = new Map(subjects.map((s) => [s.name, [] as Array<{ ms: number; rssMb: number }>]));
  once('0'); // warm the file cache
  // Interleaved, so a noisy moment hits every subject alike.
  for (let i = 0; i < REPS; i++) for (const s of subjects) runs.get(s.name)!.push(once(s.code));
  const base = runs.get('node -e 0')!;
  const baseMs = median(base.map((r) => r.ms));
  const baseRss = median(base.map((r) => r.rssMb));
  console.log(`cold start: median of ${REPS} spawns each, interleaved`);
  console.log(`  node -e 0: ${ms(baseMs)}, peak RSS ${baseRss.toFixed(0)} MB`);
  const figures: Figure[] = [];
  for (const b of built) {
    const r = runs.get(b.name)!;
    const t = median(r.map((x) => x.ms));
    const rss = median(r.map((x) => x.rssMb));
    const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
    const total = b.bytes + b.lazyBytes;
    const top = b.byPackage.slice(0, 5).map(([p, n]) => `${p} ${(n / 1024).toFixed(0)} KB`).join(', ');
    console.log(`  ${b.name}: load ${ms(t)} (${ratio(t, baseMs)} node -e 0), peak RSS ${rss.toFixed(0)} MB (${ratio(rss, baseRss)}), bundle ${kb(b.bytes)} (+ ${kb(b.lazyBytes)} in lazy/, loaded on demand); largest: ${top}`);
    figures.push(
      { name: `${b.name}: load time`, value: ms(t), baseline: `${ms(baseMs)} (node -e 0)`, ratio: ratio(t, baseMs), target: '<= 2.5x', met: t / baseMs <= 2.5 },
      { name: `${b.name}: peak RSS`, value: `${rss.toFixed(0)} MB`, baseline: `${baseRss.toFixed(0)} MB`, ratio: ratio(rss, baseRss), target: '<= 100 MB', met: rss <= 100 },
      { name: `${b.name}: bundle (+ lazy/)`, value: `${kb(b.bytes)} + ${kb(b.lazyBytes)}`, baseline: '2048 KB (target)', ratio: ratio(total, 2 * 1024 * 1024), target: '<= 2 MB', met: total <= 2 * 1024 * 1024 },
    );
  }
  return figures;
}
