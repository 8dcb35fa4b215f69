import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFunctions, FUNCTIONS } from '../scripts/build';

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
});
