// Bundle each FC function into dist/<name>/index.js (one file, minified, node20, CommonJS), and write
// what went into it to dist/<name>.meta.json (esbuild metafile; outside the code folder FC uploads).
import { build, type Plugin } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
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

export const PLUGINS = [zodEnglishOnly];

export interface BuiltFunction {
  name: string;
  file: string;
  bytes: number;
  /** Bytes in the bundle per npm package (or per folder of ours), largest first. */
  byPackage: Array<[string, number]>;
}

export async function buildFunctions({ quiet = true, plugins = PLUGINS, outdir = 'dist' } = {}): Promise<BuiltFunction[]> {
  const built: BuiltFunction[] = [];
  for (const name of FUNCTIONS) {
    const outfile = resolve(root, outdir, name, 'index.js');
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
      plugins,
    });
    writeFileSync(resolve(root, outdir, `${name}.meta.json`), JSON.stringify(result.metafile));
    const output = Object.values(result.metafile.outputs)[0];
    const byPackage = new Map<string, number>();
    for (const [path, input] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 2).join('/');
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + input.bytesInOutput);
    }
    built.push({ name, file: outfile, bytes: output.bytes, byPackage: [...byPackage].sort((a, b) => b[1] - a[1]) });
    if (!quiet) console.log(`built ${outdir}/${name}/index.js (${(output.bytes / 1024).toFixed(0)} KB)`);
  }
  return built;
}

if (require.main === module) {
  buildFunctions({ quiet: false }).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
