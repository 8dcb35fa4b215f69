import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEcsEmulator } from '../../../local/ecs';
import { describe1, failureOf, run, startHarness } from './harness';

describe('the emulator setup', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ecs-emulator-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps instances and ClientTokens across a restart with a data directory', async () => {
    const dataDir = join(dir, 'data');
    const first = await startHarness({ dataDir });
    const ids = await run(first.ecs, { amount: 2, clientToken: 'survives' });
    await first.emulator.close();

    const second = await startHarness({ dataDir });
    try {
      // Same seed, so the same id sequence restarts: the first new instance must still get a fresh id.
      const [fresh] = await run(second.ecs);
      expect(ids).not.toContain(fresh);
      expect(await describe1(second.ecs, ids[0])).toMatchObject({ instanceId: ids[0] });
      expect(await run(second.ecs, { amount: 2, clientToken: 'survives' })).toEqual(ids);
      expect(second.emulator.control.instances()).toHaveLength(3);
    } finally {
      await second.emulator.close();
    }
  });

  it('loads a world from a JSON file', async () => {
    const file = join(dir, 'world.json');
    writeFileSync(
      file,
      JSON.stringify({
        regionId: 'cn-hangzhou',
        zones: ['cn-hangzhou-k'],
        vSwitches: [{ vSwitchId: 'vsw-k', zoneId: 'cn-hangzhou-k' }],
        securityGroups: ['sg-k'],
        images: ['img-k'],
        instanceTypes: [{ instanceType: 'ecs.u1.large' }],
        stock: { 'cn-hangzhou-k': { 'ecs.u1.large': 1 } },
      }),
    );
    const h = await startHarness({ world: file });
    try {
      const spec = { imageId: 'img-k', instanceType: 'ecs.u1.large', vSwitchId: 'vsw-k', securityGroupId: 'sg-k' };
      expect(await run(h.ecs, spec)).toHaveLength(1);
      expect(await failureOf(run(h.ecs, spec))).toMatchObject({ code: 'OperationDenied.NoStock' });
    } finally {
      await h.emulator.close();
    }
  });

  it('refuses an invalid world with a readable message', async () => {
    await expect(startEcsEmulator({ world: { regionId: 'cn-hangzhou', zones: [] } as never })).rejects.toThrow(/invalid ECS emulator world/);
  });

  it('runs from the command line, prints where it listens and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/ecs/cli.ts', '--port', '0', '--boot-seconds', '1'], {
      cwd: join(__dirname, '../../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const m = /ECS emulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    const world = (await (await fetch(`${url}/__control/world`)).json()) as { zones: string[] };
    expect(world.zones).toEqual(['cn-hangzhou-h', 'cn-hangzhou-i', 'cn-hangzhou-j']);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
