// Bundle each FC function into dist/<name>/index.js (one file, minified, node20, CommonJS), and write
// what went into it to dist/<name>.meta.json (esbuild metafile; outside the code folder FC uploads).
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
export const FUNCTIONS = ['api', 'sweeper'];

export interface BuiltFunction {
  name: string;
  file: string;
  bytes: number;
  /** Bytes in the bundle per npm package (or per folder of ours), largest first. */
  byPackage: Array<[string, number]>;
}

export async function buildFunctions({ quiet = true } = {}): Promise<BuiltFunction[]> {
  const built: BuiltFunction[] = [];
  for (const name of FUNCTIONS) {
    const outfile = join(root, `dist/${name}/index.js`);
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
    });
    writeFileSync(join(root, `dist/${name}.meta.json`), JSON.stringify(result.metafile));
    const output = Object.values(result.metafile.outputs)[0];
    const byPackage = new Map<string, number>();
    for (const [path, input] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 2).join('/');
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + input.bytesInOutput);
    }
    built.push({ name, file: outfile, bytes: output.bytes, byPackage: [...byPackage].sort((a, b) => b[1] - a[1]) });
    if (!quiet) console.log(`built dist/${name}/index.js (${(output.bytes / 1024).toFixed(0)} KB)`);
  }
  return built;
}

if (require.main === module) {
  buildFunctions({ quiet: false }).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
