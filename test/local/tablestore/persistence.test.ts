import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { condition, createTable, int, TableStore, type Client } from './helpers';

const ROOT = join(__dirname, '../../..');

/** Start the CLI as its own process and resolve once it prints where it listens. */
function startCli(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/tablestore/cli.ts', '--port', '0', '--data', dataDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Tablestore emulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`emulator exited early (${code}): ${out}`)));
  });
}

const killed = (child: ChildProcess) => new Promise((resolve) => child.once('exit', resolve));

const clientFor = (url: string) =>
  new TableStore.Client({ accessKeyId: 'local', secretAccessKey: 'local-secret', endpoint: url, instancename: 'local', maxRetries: 0 }) as Client;

describe('Tablestore emulator: --data persistence', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tablestore-emulator-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loses no acknowledged write when killed with SIGKILL in the middle of writing', async () => {
    const first = await startCli(dir);
    const client = clientFor(first.url);
    await createTable(client, 'batches');
    await client.putRow({ tableName: 'batches', primaryKey: [{ id: 'doomed' }], attributeColumns: [{ v: int(1) }], condition: condition('IGNORE') });
    await client.updateRow({ tableName: 'batches', primaryKey: [{ id: 'counter' }], condition: condition('IGNORE'), updateOfAttributeColumns: [{ INCREMENT: [{ n: int(3) }] }] });
    await client.deleteRow({ tableName: 'batches', primaryKey: [{ id: 'doomed' }], condition: condition('EXPECT_EXIST') });
    await client.batchWriteRow({
      tables: [{ tableName: 'batches', rows: Array.from({ length: 50 }, (_, i) => ({ type: 'PUT', condition: condition('IGNORE'), primaryKey: [{ id: `batch-${i}` }], attributeColumns: [{ v: int(i) }] })) }],
    });

    // Keep writing from several loops and pull the plug while requests are in flight.
    const acknowledged: string[] = [];
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const id = `w${w}-${i}`;
        try {
          await client.putRow({ tableName: 'batches', primaryKey: [{ id }], attributeColumns: [{ v: int(i) }], condition: condition('IGNORE') });
          acknowledged.push(id);
        } catch {
          return; // the process is gone
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    while (acknowledged.length < 100) await new Promise((r) => setTimeout(r, 5));
    const exit = killed(first.child);
    first.child.kill('SIGKILL');
    await exit;
    stop = true;
    await Promise.all(writers);

    const second = await startCli(dir);
    try {
      const after = clientFor(second.url);
      const ids: string[] = [];
      let start: unknown = [{ id: TableStore.INF_MIN }];
      while (start) {
        const res = await after.getRange({ tableName: 'batches', direction: 'FORWARD', inclusiveStartPrimaryKey: start, exclusiveEndPrimaryKey: [{ id: TableStore.INF_MAX }] });
        ids.push(...res.rows.map((r: { primaryKey: Array<{ value: string }> }) => r.primaryKey[0].value));
        start = res.nextStartPrimaryKey && res.nextStartPrimaryKey.map((c: { name: string; value: unknown }) => ({ [c.name]: c.value }));
      }
      expect(ids).toEqual(expect.arrayContaining([...acknowledged, 'counter', 'batch-0', 'batch-49']));
      expect(ids).not.toContain('doomed');
      const counter = (await after.getRow({ tableName: 'batches', primaryKey: [{ id: 'counter' }] })).row;
      expect(counter.attributes[0].columnValue.toNumber()).toBe(3);
    } finally {
      const exit2 = killed(second.child);
      second.child.kill('SIGTERM');
      await exit2;
    }
  });
});
