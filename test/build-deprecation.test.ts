import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupTables, tableNames } from '../functions/cloud/store';
import { Tablestore } from '../functions/cloud/tablestore';
import { startTablestoreEmulator, type TablestoreEmulator } from '../local/tablestore';
import { buildFunctions } from '../scripts/build';

/**
 * The tablestore SDK calls `new Buffer()`. Node warns about that (DEP0005) only for code outside
 * node_modules, and in our bundle the SDK is no longer in node_modules: every function instance printed the
 * warning on its first Tablestore call. The build rewrites those calls; our own code still gets the warning.
 */
const CREDS = { accessKeyId: 'local', accessKeySecret: 'local-secret' };
let outdir: string;
let ts: TablestoreEmulator;

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'ecs-batch-dep-'));
  ts = await startTablestoreEmulator({ log: () => undefined });
  await setupTables(new Tablestore(CREDS, { endpoint: ts.url, instanceName: 'local' }), tableNames('ecsbatch_'));
  await buildFunctions({ outdir });
}, 180_000);
afterAll(async () => {
  await ts?.close();
  rmSync(outdir, { recursive: true, force: true });
});

/**
 * A sweep by the built sweeper against the emulator, then `extra` (code of ours, outside node_modules). Not
 * spawnSync: the emulator answers from this process.
 */
function sweepThen(extra: string): Promise<{ stdout: string; stderr: string }> {
  const script = [
    `require(${JSON.stringify(join(outdir, 'sweeper', 'index.js'))})`,
    `  .handler({ triggerTime: '2026-12-01T00:00:00Z', triggerName: 'sweep', payload: '{"action":"sweep"}' }, { requestId: 't', credentials: ${JSON.stringify(CREDS)} })`,
    `  .then((r) => { process.stdout.write(JSON.stringify(r) + '\\n'); ${extra} });`,
  ].join('\n');
  const env = { PATH: process.env.PATH, TABLESTORE_ENDPOINT: ts.url, TABLESTORE_INSTANCE: 'local', ECS_ENDPOINT: '127.0.0.1:1', LOG_LEVEL: 'warn' };
  return promisify(execFile)(process.execPath, ['-e', script], { env, encoding: 'utf8' });
}

describe('DEP0005 from the tablestore SDK', () => {
  it('is not printed by a built function that talks to Tablestore', async () => {
    const r = await sweepThen('');
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({ ok: true, summary: { errors: 0 } });
    expect(r.stderr).not.toContain('DEP0005');
  });

  it('is still printed for a Buffer() call of our own', async () => {
    const r = await sweepThen('Buffer(4);');
    expect(r.stderr).toContain('DEP0005');
  });
});
