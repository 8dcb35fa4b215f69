// Bundle each FC function into dist/<name>/index.js (one file, minified, node20, CommonJS).
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const functions = ['api', 'sweeper'];
for (const name of functions) {
  const entry = `functions/${name}/index.ts`;
  if (!existsSync(entry)) continue;
  await build({
    entryPoints: [entry],
    outfile: `dist/${name}/index.js`,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  console.log(`built dist/${name}/index.js`);
}
