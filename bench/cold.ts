import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildFunctions } from '../scripts/build';
import { median, ms, ratio, ROOT, type Figure } from './lib';

const REPS = 21;
/** Enough configuration for each handler's cold-start checks to pass (nothing is called). */
const ENV = {
  ...process.env,
  TABLESTORE_ENDPOINT: 'http://127.0.0.1:1',
  TABLESTORE_INSTANCE: 'local',
  ECS_ENDPOINT: '127.0.0.1:1',
  API_TOKENS: '[]',
  LAUNCH_PROFILES_FILE: join(ROOT, 'local/profiles/demo.json'),
};

interface Run {
  ms: number;
  rssMb: number;
  cpuMs: number;
}

/**
 * Spawn node, run `code`, and return wall time (ms, from spawn to exit), peak RSS (MB) and CPU time (user +
 * system, ms, up to the end of `code`) from the child. CPU time moves less than wall time when others share
 * the machine, so it is printed beside it.
 */
function once(code: string): Run {
  const started = process.hrtime.bigint();
  const report = `const u = process.resourceUsage(); process.stdout.write(u.maxRSS + ' ' + (u.userCPUTime + u.systemCPUTime))`;
  const r = spawnSync(process.execPath, ['-e', `${code};${report}`], { cwd: ROOT, env: ENV, encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`node -e ${code} failed: ${r.stderr.slice(0, 500)}`);
  // The last line: a loader whose cache is rejected logs a line first.
  const [rss, cpu] = (r.stdout.trim().split('\n').pop() ?? '').split(' ').map(Number);
  return { ms: elapsed, rssMb: rss / 1024, cpuMs: cpu / 1000 };
}

/**
 * A copy of a built function whose code cache this node's V8 rejects, as one made by another Node release
 * would be (the V8 version hash in the cache's header differs): the loader's fallback, compiling from source.
 */
function rejectedCopy(file: string, into: string): string {
  const dir = join(into, `${dirname(file).split('/').pop()}-rejected`);
  cpSync(dirname(file), dir, { recursive: true });
  const cache = readFileSync(join(dir, 'bundle.cache'));
  cache.writeUInt32LE(~cache.readUInt32LE(4) >>> 0, 4);
  writeFileSync(join(dir, 'bundle.cache'), cache);
  return join(dir, 'index.js');
}

export async function coldStart(): Promise<Figure[]> {
  const built = await buildFunctions();
  const tmp = mkdtempSync(join(tmpdir(), 'ecs-batch-cold-'));
  try {
    const subjects = [
      { name: 'node -e 0', code: '0' },
      ...built.flatMap((b) => [
        { name: b.name, code: `require(${JSON.stringify(b.file)})` },
        { name: `${b.name} (cache rejected)`, code: `require(${JSON.stringify(rejectedCopy(b.file, tmp))})` },
      ]),
    ];
    const runs = new Map(subjects.map((s) => [s.name, [] as Run[]]));
    for (const s of subjects) once(s.code); // warm the file cache
    // Interleaved, so a noisy moment hits every subject alike.
    for (let i = 0; i < REPS; i++) for (const s of subjects) runs.get(s.name)!.push(once(s.code));
    const med = (name: string) => ({ ms: median(runs.get(name)!.map((r) => r.ms)), rss: median(runs.get(name)!.map((r) => r.rssMb)), cpu: median(runs.get(name)!.map((r) => r.cpuMs)) });
    const base = med('node -e 0');
    console.log(`cold start: median of ${REPS} spawns each, interleaved`);
    console.log(`  node -e 0: ${ms(base.ms)} (CPU ${ms(base.cpu)}), peak RSS ${base.rss.toFixed(0)} MB`);
    const figures: Figure[] = [];
    const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
    for (const b of built) {
      const ok = med(b.name);
      const rejected = med(`${b.name} (cache rejected)`);
      const total = b.bytes + b.lazyBytes;
      const top = b.byPackage.slice(0, 5).map(([p, n]) => `${p} ${kb(n)}`).join(', ');
      console.log(
        `  ${b.name}: load ${ms(ok.ms)} (${ratio(ok.ms, base.ms)} node -e 0; CPU ${ratio(ok.cpu, base.cpu)}), cache rejected ${ms(rejected.ms)} (${ratio(rejected.ms, base.ms)}; CPU ${ratio(rejected.cpu, base.cpu)}), peak RSS ${ok.rss.toFixed(0)} MB (${ratio(ok.rss, base.rss)}), ` +
          `bundle ${kb(b.bytes)} + ${kb(b.lazyBytes)} in lazy/ (loaded on demand) + code cache ${kb(b.cacheBytes)}; largest: ${top}`,
      );
      figures.push(
        { name: `${b.name}: load time`, value: ms(ok.ms), baseline: `${ms(base.ms)} (node -e 0)`, ratio: ratio(ok.ms, base.ms), target: '<= 2.5x', met: ok.ms / base.ms <= 2.5 },
        { name: `${b.name}: load, cache rejected`, value: ms(rejected.ms), baseline: `${ms(base.ms)} (node -e 0)`, ratio: ratio(rejected.ms, base.ms), target: '<= 2.5x', met: rejected.ms / base.ms <= 2.5 },
        { name: `${b.name}: peak RSS`, value: `${ok.rss.toFixed(0)} MB`, baseline: `${base.rss.toFixed(0)} MB`, ratio: ratio(ok.rss, base.rss), target: '<= 100 MB', met: ok.rss <= 100 },
        { name: `${b.name}: bundle + lazy/ (+ cache)`, value: `${kb(b.bytes)} + ${kb(b.lazyBytes)} (+ ${kb(b.cacheBytes)})`, baseline: '2048 KB (target)', ratio: ratio(total, 2 * 1024 * 1024), target: '<= 2 MB', met: total <= 2 * 1024 * 1024 },
      );
    }
    return figures;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
