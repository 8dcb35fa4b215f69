import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFunctions, FUNCTIONS, REJECTED } from '../scripts/build';

/**
 * scripts/build.ts defers SDK requires by matching file paths inside node_modules: a dependency bump that
 * moves a file would silently put the code back on the cold-start path. Build for real and prove that the
 * deferred packages are in lazy/ and not in the bundle, that the in-bundle ones are behind getters, and
 * that loading a function and answering a request loads none of them.
 */
const LAZY_FILES = ['http-proxy-agent', 'https-proxy-agent', 'lodash', 'moment', 'socks-proxy-agent', 'ws', 'xml2js'];
const GETTERS = [
  '@darabonba/typescript/dist/websocket.js',
  '@darabonba/typescript/dist/date.js',
  '@darabonba/typescript/dist/file.js',
  '@darabonba/typescript/dist/xml.js',
  'lodash/lodash.js',
  '@alicloud/openapi-core/dist/websocketUtils/index.js',
];

const ROOT = join(__dirname, '..');
/** Enough configuration for the api to start and answer GET /healthz. */
const ENV = {
  PATH: process.env.PATH,
  TABLESTORE_ENDPOINT: 'http://127.0.0.1:1',
  TABLESTORE_INSTANCE: 'test',
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'test',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'test-secret',
  API_TOKENS: '[]',
  LAUNCH_PROFILES_FILE: join(ROOT, 'local/profiles/demo.json'),
};

/**
 * Load the api's index.js in a fresh node and ask GET /healthz; and, in another (a second compile of the same
 * source in one process would be answered from V8's in-memory cache), whether V8 takes bundle.cache.
 */
function healthz(dir: string): { out: string; warnings: unknown[]; err: string } {
  const check = [
    `const vm = require('node:vm'), fs = require('node:fs'), path = require('node:path');`,
    `const file = path.join(${JSON.stringify(dir)}, 'bundle.js');`,
    `let cachedData; try { cachedData = fs.readFileSync(path.join(${JSON.stringify(dir)}, 'bundle.cache')); } catch {}`,
    `const s = new vm.Script('(function (exports, require, module, __filename, __dirname) {\\n' + fs.readFileSync(file, 'utf8') + '\\n})', { filename: file, lineOffset: -1, cachedData });`,
    `process.stdout.write(String(cachedData !== undefined && !s.cachedDataRejected));`,
  ].join('\n');
  const accepted = spawnSync(process.execPath, ['-e', check], { encoding: 'utf8' }).stdout === 'true';
  const load = [
    `require(${JSON.stringify(join(dir, 'index.js'))}).handler({ rawPath: '/healthz', requestContext: { http: { method: 'GET' } } }, { requestId: 't' })`,
    `  .then((r) => console.log(JSON.stringify({ accepted: ${accepted}, statusCode: r.statusCode, body: r.body })));`,
  ].join('\n');
  const r = spawnSync(process.execPath, ['-e', load], { env: ENV, encoding: 'utf8' });
  // The function logs JSON lines too; ours is the last.
  const lines = r.stdout.trim().split('\n');
  const warnings = lines.map((l) => JSON.parse(l) as { level?: string }).filter((l) => l.level === 'warn');
  return { out: lines.pop() ?? '', warnings, err: r.stderr };
}

describe('build', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'ecs-batch-build-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  let built: Awaited<ReturnType<typeof buildFunctions>> = [];
  beforeAll(async () => {
    built = await buildFunctions({ outdir });
  }, 120_000);

  it('builds every function', () => {
    expect(built.map((b) => b.name)).toEqual(FUNCTIONS);
  });

  it.each(FUNCTIONS)('keeps the deferred packages of %s out of its bundle, in lazy/ beside it', (name) => {
    const meta = JSON.parse(readFileSync(join(outdir, `${name}.meta.json`), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
    const inputs = Object.keys(Object.values(meta.outputs)[0].inputs);
    const bundled = inputs.filter((path) => LAZY_FILES.some((p) => path.startsWith(`node_modules/${p}/`)));
    expect(bundled).toEqual([]);
    for (const p of LAZY_FILES) expect(existsSync(join(outdir, name, 'lazy', `${p}.js`))).toBe(true);
    const behindGetters = inputs.filter((path) => path.startsWith('lazy-require:')).map((path) => path.replace(/^.*node_modules\//, ''));
    expect(behindGetters.sort()).toEqual([...GETTERS].sort());
  });

  it.each(FUNCTIONS)('loads %s and answers a request without loading anything from lazy/', (name) => {
    // A child process: the bundle reads its configuration at load, as on FC.
    const script = `
      const fn = require(${JSON.stringify(join(outdir, name, 'index.js'))});
      const event = ${name === 'api' ? `{ rawPath: '/healthz', requestContext: { http: { method: 'GET' } } }` : `{ action: 'nope' }`};
      Promise.resolve(fn.handler(Buffer.from(JSON.stringify(event)), { requestId: 'build-test' })).then((answer) => {
        const lazy = Object.keys(require.cache).filter((f) => f.includes('/lazy/'));
        process.stdout.write(JSON.stringify({ answer, lazy }));
      });`;
    const run = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, TABLESTORE_ENDPOINT: 'http://127.0.0.1:9', TABLESTORE_INSTANCE: 'build-test', ALIBABA_CLOUD_ACCESS_KEY_ID: 'id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret' },
    });
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout.slice(run.stdout.indexOf('{"answer"'))) as { answer: { statusCode?: number; ok?: boolean }; lazy: string[] };
    if (name === 'api') expect(out.answer.statusCode).toBe(200);
    else expect(out.answer.ok).toBe(false);
    expect(out.lazy).toEqual([]);
  });

  describe('V8 code cache', () => {
    it('writes a loader, the bundle and a cache this node accepts, for every function', () => {
      expect(built.map((b) => b.name).sort()).toEqual(['api', 'sweeper']);
      for (const b of built) {
        expect(b.file).toBe(join(outdir, b.name, 'index.js'));
        expect(b.cacheBytes).toBeGreaterThan(0);
      }
      const r = healthz(join(outdir, 'api'));
      expect(r.err).toBe('');
      expect(JSON.parse(r.out)).toEqual({ accepted: true, statusCode: 200, body: '{"ok":true}' });
      expect(r.warnings).toEqual([]);
    });

    it('falls back to compiling from source when V8 rejects the cache (another V8 version) or it is missing', () => {
      const dir = join(outdir, 'api');
      const cache = join(dir, 'bundle.cache');
      const good = readFileSync(cache);
      try {
        // SerializedCodeData's header: magic number, then the V8 version hash (bytes 4-7). Another node
        // release has another hash; flipping ours makes V8 reject the cache the same way.
        const other = Buffer.from(good);
        other.writeUInt32LE(~other.readUInt32LE(4) >>> 0, 4);
        writeFileSync(cache, other);
        let r = healthz(dir);
        expect(r.err).toBe('');
        expect(JSON.parse(r.out)).toEqual({ accepted: false, statusCode: 200, body: '{"ok":true}' });
        // Said once, so an operator on another node release knows to build with the runtime's.
        expect(r.warnings).toEqual([expect.objectContaining({ msg: REJECTED, fn: 'api', builtWith: process.version, runningOn: process.version })]);

        writeFileSync(cache, good.subarray(0, 100)); // truncated
        r = healthz(dir);
        expect(JSON.parse(r.out)).toEqual({ accepted: false, statusCode: 200, body: '{"ok":true}' });

        rmSync(cache);
        r = healthz(dir);
        expect(JSON.parse(r.out)).toEqual({ accepted: false, statusCode: 200, body: '{"ok":true}' });
        expect(r.warnings).toEqual([]); // nothing to reject
      } finally {
        writeFileSync(cache, good);
      }
    });

    it('keeps bundle.js line numbers in stack traces', () => {
      const dir = join(outdir, 'sweeper');
      const copy = mkdtempSync(join(tmpdir(), 'ecs-batch-lines-'));
      try {
        // A bundle whose third line throws, loaded by the same loader.
        copyFileSync(join(dir, 'index.js'), join(copy, 'index.js'));
        writeFileSync(join(copy, 'bundle.js'), '"use strict";\nconst x = 1;\n  throw new Error("line 3");\n');
        const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(copy, 'index.js'))})`], { encoding: 'utf8' });
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain(`${join(copy, 'bundle.js')}:3:9`);
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    });
  });
});
