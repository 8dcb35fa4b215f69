import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The layering rules of README "Layout", checked by dependency-cruiser (.dependency-cruiser.cjs) over the
 * code as it is.
 */
const root = join(__dirname, '..');
const cli = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const config = join(root, '.dependency-cruiser.cjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}

function cruise(cwd: string, paths: string[]): { modules: number; violations: Violation[] } {
  const args = [cli, '--config', config, '--output-type', 'json', ...paths];
  const run = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw run.error;
  const out = JSON.parse(run.stdout) as { summary: { totalCruised: number; violations: Violation[] } };
  return { modules: out.summary.totalCruised, violations: out.summary.violations };
}

describe('layering', () => {
  it('holds for functions/, local/, scripts/ and cli/', () => {
    const r = cruise(root, ['functions', 'local', 'scripts', 'cli']);
    expect(r.modules).toBeGreaterThan(100);
    expect(r.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  });

  it('names the rule a core module breaks by reaching an edge, the disk, an SDK or a stand-in, or by a cycle', () => {
    const dir = mkdtempSync(join(tmpdir(), 'layering-'));
    try {
      const file = (path: string, text: string) => {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      };
      // The SDK is found where the rule looks for it: under node_modules.
      file('node_modules/tablestore/package.json', '{"name":"tablestore","main":"index.js"}');
      file('node_modules/tablestore/index.js', 'module.exports = {};');
      file('tsconfig.json', '{"compilerOptions":{"module":"commonjs","moduleResolution":"node"}}');
      file('functions/core/bad.ts', "import 'node:fs';\nimport 'tablestore';\nimport '../api/edge';\nimport '../../local/stand-in';\nexport const x = 1;\n");
      file('functions/api/edge.ts', "import '../core/bad';\nexport const y = 1;\n");
      file('local/stand-in.ts', 'export const z = 1;\n');
      file('cli/bad.ts', "import '../functions/core/bad';\nexport const w = 1;\n");
      const rules = new Set(cruise(dir, ['functions', 'local', 'cli']).violations.map((v) => v.rule.name));
      expect([...rules].sort()).toEqual(['cli-is-an-http-client', 'core-imports-no-edge', 'core-imports-no-sdk', 'core-reads-no-files', 'no-cycles', 'production-imports-no-stand-in']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
