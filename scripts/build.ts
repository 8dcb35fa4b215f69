// Bundle each FC function into dist/<name>/index.js (one file, minified, node20, CommonJS).
import { build } from 'esbuild';
import { join } from 'node:path';

const root = join(__dirname, '..');
export const FUNCTIONS = ['api', 'sweeper'];

export async function buildFunctions({ quiet = true } = {}): Promise<void> {
  for (const name of FUNCTIONS) {
    await build({
      entryPoints: [join(root, `functions/${name}/index.ts`)],
      outfile: join(root, `dist/${name}/index.js`),
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'warning',
      // The bundle is strict mode, and tablestore 5.6.x's PlainBuffer builder assigns an undeclared
      // `key` (`for (key in primaryKeys[i])`), which only works as a sloppy-mode global. Declare it.
      banner: { js: 'var key;' },
    });
    if (!quiet) console.log(`built dist/${name}/index.js`);
  }
}

if (require.main === module) {
  buildFunctions({ quiet: false }).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
