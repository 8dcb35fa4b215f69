// Bundle each FC function into dist/<name>/index.js (one file, minified, node20, CommonJS; plus
// dist/<name>/lazy/*.js, packages loaded only on demand, see LAZY_RULES), and write what went into it to
// dist/<name>.meta.json (esbuild metafile; outside the code folder FC uploads).
import { build, type Plugin } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const root = join(__dirname, '..');
export const FUNCTIONS = ['api', 'sweeper'];

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
 * CommonJS requires that the SDKs make at load time though the calls we make never reach them: websockets,
 * XML bodies, moment dates, lodash's merge, openapi-core's websocket helpers. Each rule defers one
 * `require(request)` made by a module matching `importer`, in one or both of two ways:
 * - `getters`: the require returns a stand-in with the module's export names (read from the real module
 *   at build time) whose getters load the real module the first time one is read. For modules that are
 *   only ever used through their properties (`__exportStar`, `_.merge`), never called or constructed.
 * - `file`: the package is bundled on its own into `<function>/lazy/<request>.js` beside index.js, and
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

export interface BuiltFunction {
  name: string;
  file: string;
  bytes: number;
  /** Bytes in the bundle per npm package (or per folder of ours), largest first. */
  byPackage: Array<[string, number]>;
  /** Bytes in `lazy/` beside the bundle: packages loaded only if something needs them. */
  lazyBytes: number;
}

export async function buildFunctions({ quiet = true, outdir = 'dist' } = {}): Promise<BuiltFunction[]> {
  const built: BuiltFunction[] = [];
  for (const name of FUNCTIONS) {
    const outfile = resolve(root, outdir, name, 'index.js');
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
      plugins: [zodEnglishOnly, lazyRequires(lazyFiles)],
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
    writeFileSync(resolve(root, outdir, `${name}.meta.json`), JSON.stringify(result.metafile));
    const output = Object.values(result.metafile.outputs)[0];
    const byPackage = new Map<string, number>();
    for (const [path, input] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 2).join('/');
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + input.bytesInOutput);
    }
    built.push({ name, file: outfile, bytes: output.bytes, byPackage: [...byPackage].sort((a, b) => b[1] - a[1]), lazyBytes });
    if (!quiet) console.log(`built ${outdir}/${name}/index.js (${(output.bytes / 1024).toFixed(0)} KB; lazy/: ${(lazyBytes / 1024).toFixed(0)} KB)`);
  }
  return built;
}

if (require.main === module) {
  buildFunctions({ quiet: false }).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
