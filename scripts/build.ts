// Bundle each FC function into dist/<name>/bundle.js (one file, minified, node20, CommonJS; plus
// dist/<name>/lazy/*.js, packages loaded only on demand, see LAZY_RULES), with V8's code cache for it in
// bundle.cache and the handler FC loads, index.js, a loader that uses the cache (see codeCache); and write
// what went into the bundle to dist/<name>.meta.json (esbuild metafile; outside the code folder FC uploads).
// A relative LAUNCH_PROFILES_FILE is copied into each code folder at the same path (see copyProfiles).
import { build, type Plugin } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';

const root = join(__dirname, '..');
export const FUNCTIONS = ['api', 'sweeper'];
/** Files a function reads from its code folder at request time, copied beside its bundle (the api's status page). */
const ASSETS: Record<string, { from: string; to: string }> = { api: { from: 'functions/api/ui', to: 'ui' } };

/**
 * zod's classic entry re-exports every locale as the `locales` namespace (`z.locales.fr()`), which keeps
 * all of them in the bundle (264 KB) though zod itself only ever uses `en` (imported directly by
 * `classic/schemas.js`). We never call `z.config(z.locales.xx())`: the namespace keeps its names, `en` is
 * the real one, and any other throws saying why.
 */
export const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /node_modules\/zod\/v4\/(classic|core)$/.test(args.resolveDir) ? { path: join(args.resolveDir, '../locales/index.js'), namespace: 'zod-locales' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => {
      const names = [...readFileSync(args.path, 'utf8').matchAll(/export \{ default as (\w+) \}/g)].map((m) => m[1]);
      if (!names.includes('en')) throw new Error(`zod-english-only: no "en" in ${args.path}; has zod changed how it exports locales?`);
      const others = names
        .filter((n) => n !== 'en')
        .map((n) => `export const ${n} = () => { throw new Error('zod locale "${n}" is not in this bundle (scripts/build.ts keeps only "en")'); };`);
      return { contents: [`export { default as en } from "./en.js";`, ...others].join('\n'), resolveDir: dirname(args.path), loader: 'js' };
    });
  },
};

/**
 * tablestore 5.6.x and two of its dependencies call `new Buffer(...)`: tablestore's lib/util.js,
 * protocol/plain_buffer_*.js, event_listeners.js and http/*.js; int64-buffer 0.1.9's toBuffer; protobufjs
 * 6.11's Reader#bytes for an empty field. Node warns about that (DEP0005) only for callers outside
 * node_modules, and bundled they are no longer in node_modules, so every function instance printed the
 * warning on its first Tablestore call. Rewrite those calls to what `new Buffer` did (a number: zero-filled
 * `Buffer.alloc`; anything else: `Buffer.from`) rather than filter warnings at run time, which could not tell
 * the SDK's calls from ours (in a bundle every frame is bundle.js): nothing is hidden, and a `Buffer()` of
 * our own or of any other dependency still warns (test/build-deprecation.test.ts).
 */
const EXACT_BUFFER_CALLS: Array<{ file: RegExp; replace: Array<[string, string]> }> = [
  {
    // int64-buffer names Buffer `BUFFER` and, once toBuffer() has run, `_storage`.
    file: /[\\/]node_modules[\\/]int64-buffer[\\/]int64-buffer\.js$/,
    replace: [
      ['new BUFFER(8)', 'BUFFER.alloc(8)'],
      ['new _storage(8)', '(_storage === BUFFER ? BUFFER.alloc(8) : new _storage(8))'],
    ],
  },
  {
    file: /[\\/]node_modules[\\/]protobufjs[\\/]src[\\/]reader\.js$/,
    replace: [['new this.buf.constructor(0)', '(typeof this.buf.constructor.alloc === "function" ? this.buf.constructor.alloc(0) : new this.buf.constructor(0))']],
  },
];

export const tablestoreBufferCalls: Plugin = {
  name: 'tablestore-buffer-calls',
  setup(b) {
    const call = /\bnew\s+(?:\w+\.)*Buffer\s*\(/g;
    b.onLoad({ filter: /[\\/]node_modules[\\/]tablestore[\\/]lib[\\/].*\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (source.search(call) < 0) return undefined;
      const shim = 'function __newBuffer(a, b, c) { return typeof a === "number" ? Buffer.alloc(a) : Buffer.from(a, b, c); }';
      return { contents: `${shim}\n${source.replace(call, '__newBuffer(')}`, loader: 'js' };
    });
    for (const { file, replace } of EXACT_BUFFER_CALLS) {
      b.onLoad({ filter: file }, (args) => {
        let source = readFileSync(args.path, 'utf8');
        for (const [from, to] of replace) {
          if (!source.includes(from)) throw new Error(`tablestore-buffer-calls: no "${from}" in ${args.path}; has the package changed?`);
          source = source.split(from).join(to);
        }
        return { contents: source, loader: 'js' };
      });
    }
  },
};

/**
 * CommonJS requires that the SDKs make at load time though the calls we make never reach them: websockets,
 * XML bodies, moment dates, lodash's merge, openapi-core's websocket helpers. Each rule defers one
 * `require(request)` made by a module matching `importer`, in one or both of two ways:
 * - `getters`: the require returns a stand-in with the module's export names (read from the real module
 *   at build time) whose getters load the real module the first time one is read. For modules that are
 *   only ever used through their properties (`__exportStar`, `_.merge`), never called or constructed.
 * - `file`: the package is bundled on its own into `<function>/lazy/<request>.js` beside bundle.js, and
 *   required from there: its code is not even parsed until something needs it. Only for leaf packages
 *   (no state shared with the main bundle).
 * Either way the real code ships and behaves the same if ever used; it just no longer runs (or compiles)
 * on every cold start. The rules were checked by running test/e2e with a build that logged every deferred
 * load: none happened on the RPC (ECS) and ROA (FC InvokeFunction) paths with JSON bodies.
 */
interface LazyRule {
  importer: RegExp;
  request: string;
  getters?: boolean;
  file?: boolean;
}
const DARA = 'node_modules/@darabonba/typescript/dist/';
const dara = (file: string) => new RegExp(`${DARA}${file}\\.js$`);
const LAZY_RULES: LazyRule[] = [
  // The index re-exports all of its parts; openapi-core and our clients use core, func, retry, error,
  // url, stream and form. websocket.js pulls ws and three proxy agents, date.js moment, file.js date.js,
  // xml.js xml2js (read only for XML bodies; ECS and FC answer JSON).
  ...['./websocket', './date', './file', './xml'].map((request) => ({ importer: dara('index'), request, getters: true })),
  // func.js uses lodash for merge() only; isNull and sleep, which we do use, are its own.
  { importer: dara('func'), request: 'lodash', getters: true, file: true },
  ...['ws', 'https-proxy-agent', 'http-proxy-agent', 'socks-proxy-agent'].map((request) => ({ importer: dara('websocket'), request, file: true })),
  { importer: dara('date'), request: 'moment', file: true },
  { importer: dara('xml'), request: 'xml2js', file: true },
  // openapi-core's websocket helpers extend darabonba's websocket classes at load time.
  { importer: /node_modules\/@alicloud\/openapi-core\/dist\/client\.js$/, request: './websocketUtils', getters: true },
];

/** The plugin for one build; `files` collects the packages to bundle into `lazy/` (name -> entry file). */
export function lazyRequires(files: Map<string, string>): Plugin {
  const requests = new Set(LAZY_RULES.map((r) => r.request));
  return {
    name: 'lazy-requires',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind !== 'require-call' || !requests.has(args.path)) return undefined;
        const rule = LAZY_RULES.find((r) => r.request === args.path && r.importer.test(args.importer));
        if (!rule) return undefined;
        const real = createRequire(args.importer).resolve(args.path);
        if (rule.file) {
          if (files.has(rule.request) && files.get(rule.request) !== real) throw new Error(`lazy-requires: two different ${rule.request} (${files.get(rule.request)}, ${real})`);
          files.set(rule.request, real);
        }
        if (rule.getters) return { path: real, namespace: 'lazy-require', pluginData: rule };
        return { path: `./lazy/${rule.request}.js`, external: true };
      });
      b.onResolve({ filter: /^lazy-file:/ }, (args) => ({ path: `./lazy/${args.path.slice('lazy-file:'.length)}.js`, external: true }));
      b.onLoad({ filter: /.*/, namespace: 'lazy-require' }, (args) => {
        const rule = args.pluginData as LazyRule;
        const mod = require(args.path) as Record<string, unknown>;
        const names = Object.keys(mod).filter((n) => n !== '__esModule');
        if (names.length === 0) throw new Error(`lazy-requires: ${args.path} exports nothing by name`);
        const target = rule.file ? `lazy-file:${rule.request}` : args.path;
        return {
          contents: [
            `let real;`,
            `const load = () => real || (real = require(${JSON.stringify(target)}));`,
            ...(mod.__esModule ? [`Object.defineProperty(exports, "__esModule", { value: true });`] : []),
            `for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`,
          ].join('\n'),
          resolveDir: dirname(args.path),
          loader: 'js',
        };
      });
    },
  };
}

/**
 * V8's code cache. Node 20's `require` compiles a file from source on every cold start (a compile cache
 * came with Node 22's `module.enableCompileCache`), about 40 ms for one of our bundles. So the build loads
 * the bundle once, in a child process of the same `node`, runs its top level as a cold start does (with
 * CACHE_ENV, calling nothing), and saves V8's code for every function compiled by then
 * (`vm.Script#createCachedData`, https://nodejs.org/docs/latest-v20.x/api/vm.html#scriptcreatecacheddata)
 * in bundle.cache. index.js, the handler module FC loads, compiles bundle.js with that cache through
 * `vm.Script` and runs it as CommonJS. V8 checks the cache against its own version and flags and the source
 * (SerializedCodeData::SanityCheck) and, on any mismatch - FC's nodejs20 may be another Node patch release,
 * another V8 build - rejects it and compiles from source, as `require` would have.
 * The wrapper is the CommonJS one on a line of its own (lineOffset -1), so stack traces keep bundle.js's
 * lines and columns.
 */
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) {\n';
const WRAP_TAIL = '\n})';
const compileLines = (cached: string) => [
  `const { readFileSync } = require('node:fs');`,
  `const { join } = require('node:path');`,
  `const { Script } = require('node:vm');`,
  `const file = join(__dirname, 'bundle.js');`,
  `const script = new Script(${JSON.stringify(WRAP_HEAD)} + readFileSync(file, 'utf8') + ${JSON.stringify(WRAP_TAIL)}, { filename: file, lineOffset: -1, cachedData: ${cached} });`,
];
/**
 * index.js for function `name`. A rejected cache still works (compiled from source) but costs the cold start
 * what it saved, so it says so once per instance, in the functions' log format, with both node versions.
 */
export const REJECTED = "code cache rejected by this node; compiled from source (build with the runtime's node release to use it)";
const loader = (name: string) =>
  [
    `'use strict';`,
    `// Written by scripts/build.ts (see codeCache there): runs bundle.js, the function's code, compiled with V8's`,
    `// code cache in bundle.cache when this node's V8 accepts it, and from source (as require would) when not.`,
    `function cache() {`,
    `  try {`,
    `    return require('node:fs').readFileSync(require('node:path').join(__dirname, 'bundle.cache'));`,
    `  } catch {`,
    `    return undefined;`,
    `  }`,
    `}`,
    `const cachedData = cache();`,
    ...compileLines('cachedData'),
    `if (cachedData && script.cachedDataRejected) {`,
    `  const line = { time: new Date().toISOString(), level: 'warn', msg: ${JSON.stringify(REJECTED)}, fn: ${JSON.stringify(name)}, builtWith: ${JSON.stringify(process.version)}, runningOn: process.version };`,
    `  process.stdout.write(JSON.stringify(line) + '\\n');`,
    `}`,
    `script.runInThisContext()(exports, require, module, file, __dirname);`,
    '',
  ].join('\n');
/** Run in a child with the function's folder as argv[1]: load the bundle as index.js does, then save the cache. */
const PRODUCER = [
  `const __dirname = process.argv[1];`,
  `const { writeFileSync } = require('node:fs');`,
  `const { createRequire } = require('node:module');`,
  ...compileLines('undefined'),
  `const mod = { exports: {} };`,
  `script.runInThisContext()(mod.exports, createRequire(join(__dirname, 'index.js')), mod, file, __dirname);`,
  `writeFileSync(join(__dirname, 'bundle.cache'), script.createCachedData());`,
].join('\n');
/** Run in another child: does this node's V8 accept the cache? */
const CHECKER = [`const __dirname = process.argv[1];`, ...compileLines(`readFileSync(join(__dirname, 'bundle.cache'))`), `process.stdout.write(String(script.cachedDataRejected));`].join('\n');

/**
 * What a function's top level needs to load: its cold-start checks pass, nothing is called. The launch
 * profile is parsed too, so the code that checks a request's launch settings is in the cache as well.
 */
const CACHE_ENV = {
  TABLESTORE_ENDPOINT: 'http://127.0.0.1:1',
  TABLESTORE_INSTANCE: 'build',
  API_TOKENS: '[]',
  LAUNCH_PROFILES_FILE: join(root, 'local/profiles/demo.json'),
};

function node(code: string, dir: string): string {
  // A bare environment: no NODE_OPTIONS, whose V8 flags would be part of the cache's flag check.
  const r = spawnSync(process.execPath, ['-e', code, dir], { env: { PATH: process.env.PATH, ...CACHE_ENV }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`code cache for ${dir}: ${r.stderr.slice(0, 1000)}`);
  return r.stdout;
}

/** Write index.js and bundle.cache beside dir/bundle.js; returns the cache's size. */
function codeCache(dir: string): number {
  writeFileSync(join(dir, 'index.js'), loader(basename(dir)));
  node(PRODUCER, dir);
  if (node(CHECKER, dir) !== 'false') throw new Error(`code cache for ${dir}: the node that made it rejects it`);
  return statSync(join(dir, 'bundle.cache')).size;
}

export interface BuiltFunction {
  name: string;
  /** index.js, the handler module. */
  file: string;
  /** bundle.js's size. */
  bytes: number;
  /** bundle.cache's size (V8's code cache for bundle.js). */
  cacheBytes: number;
  /** Bytes in the bundle per npm package (or per folder of ours), largest first. */
  byPackage: Array<[string, number]>;
  /** Bytes in `lazy/` beside the bundle: packages loaded only if something needs them. */
  lazyBytes: number;
}

/**
 * FC uploads only each function's `code` folder, so a profiles file named relative to the project
 * (`LAUNCH_PROFILES_FILE=launch-profiles.json`, read from the environment or the `.env` that `s` loads
 * before its pre-deploy build) is copied into `<outdir>/<function>/` at that same relative path, where the
 * function looks for it (functions/core/profile-config.ts). An absolute path is a local-only setting
 * (`npm start`): nothing is copied. Returns the copies made.
 */
export function copyProfiles(file: string | undefined, outdir = 'dist', projectRoot = root): string[] {
  if (!file || isAbsolute(file)) return [];
  const rel = normalize(file);
  if (rel.startsWith('..' + sep) || rel === '..') throw new Error(`LAUNCH_PROFILES_FILE: ${file} is outside the project folder; name a file inside it`);
  const source = resolve(projectRoot, rel);
  if (!existsSync(source)) throw new Error(`LAUNCH_PROFILES_FILE: ${file} does not exist (relative to ${projectRoot})`);
  return FUNCTIONS.map((name) => {
    const target = resolve(projectRoot, outdir, name, rel);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
    return relative(projectRoot, target);
  });
}

/** `profilesFile`: a relative LAUNCH_PROFILES_FILE to copy into each code folder (the command line passes it). */
export async function buildFunctions({ quiet = true, outdir = 'dist', profilesFile = undefined as string | undefined } = {}): Promise<BuiltFunction[]> {
  const built: BuiltFunction[] = [];
  for (const name of FUNCTIONS) {
    const outfile = resolve(root, outdir, name, 'bundle.js');
    const lazyDir = resolve(root, outdir, name, 'lazy');
    rmSync(lazyDir, { recursive: true, force: true });
    const lazyFiles = new Map<string, string>();
    const result = await build({
      entryPoints: [join(root, `functions/${name}/index.ts`)],
      outfile,
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'warning',
      metafile: true,
      // Nothing is external: the FC nodejs20 runtime gives us node's built-ins and nothing else we use.
      // The bundle is strict mode, and tablestore 5.6.x's PlainBuffer builder assigns an undeclared
      // `key` (`for (key in primaryKeys[i])`), which only works as a sloppy-mode global. Declare it.
      banner: { js: 'var key;' },
      plugins: [zodEnglishOnly, tablestoreBufferCalls, lazyRequires(lazyFiles)],
    });
    let lazyBytes = 0;
    for (const [request, entry] of lazyFiles) {
      const lazy = await build({
        entryPoints: [entry],
        outfile: join(lazyDir, `${request}.js`),
        bundle: true,
        minify: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        legalComments: 'none',
        logLevel: 'warning',
        metafile: true,
      });
      lazyBytes += Object.values(lazy.metafile.outputs)[0].bytes;
    }
    const cacheBytes = codeCache(dirname(outfile));
    writeFileSync(resolve(root, outdir, `${name}.meta.json`), JSON.stringify(result.metafile));
    const assets = ASSETS[name];
    if (assets) {
      rmSync(resolve(root, outdir, name, assets.to), { recursive: true, force: true });
      cpSync(join(root, assets.from), resolve(root, outdir, name, assets.to), { recursive: true });
    }
    const output = Object.values(result.metafile.outputs)[0];
    const byPackage = new Map<string, number>();
    for (const [path, input] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 2).join('/');
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + input.bytesInOutput);
    }
    built.push({ name, file: join(dirname(outfile), 'index.js'), bytes: output.bytes, cacheBytes, byPackage: [...byPackage].sort((a, b) => b[1] - a[1]), lazyBytes });
    const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
    if (!quiet) console.log(`built ${outdir}/${name}/bundle.js (${kb(output.bytes)}; code cache ${kb(cacheBytes)}; lazy/: ${kb(lazyBytes)})`);
  }
  for (const copy of copyProfiles(profilesFile || undefined, outdir)) if (!quiet) console.log(`copied LAUNCH_PROFILES_FILE to ${copy}`);
  return built;
}

if (require.main === module) {
  // `npm run build`, also as s.yaml's pre-deploy action: LAUNCH_PROFILES_FILE from the shell or the `.env`
  // beside s.yaml (which `s` has loaded by then anyway).
  const { withDotEnv } = require('./dotenv') as typeof import('./dotenv');
  buildFunctions({ quiet: false, profilesFile: withDotEnv(root).LAUNCH_PROFILES_FILE || undefined }).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
