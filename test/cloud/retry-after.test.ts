import { startEcsEmulator, type EcsEmulator } from '../../local/ecs';
import { ecsAdapter } from '../../functions/cloud/ecs';
import { EcsError } from '../../functions/core/errors';
import { AdjustableClock } from '../../local/common/clock';
import { demoSpec } from '../support/profiles';
import type { RunCall } from '../../functions/core/ports';

/**
 * Newer Alibaba Cloud clients treat any answer carrying `x-acs-retry-after` as "retry after that many
 * milliseconds", whatever its code (aliyun/aliyun-cli openapi invoker: throttlingRetryDelay honours
 * the header on an InternalError too). The SDK we use reads it only for Throttling codes.
 */
describe('x-acs-retry-after on any answer', () => {
  let emu: EcsEmulator;
  const CREDS = { accessKeyId: 'local', accessKeySecret: 'local-secret' };
  beforeAll(async () => {
    emu = await startEcsEmulator({ clock: new AdjustableClock(), bootSeconds: 5, seed: 3, log: () => undefined });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.control.reset());

  let n = 0;
  function adapter() {
    const sleeps: number[] = [];
    // A fresh rate bucket per test (rate options are part of its key), so pauses do not leak between tests.
    const ecs = ecsAdapter(CREDS, {
      endpoint: emu.endpoint,
      readTimeoutMs: 1_000,
      retry: { name: 't', attempts: 3, baseMs: 5, maxMs: 10 },
      sleep: async (ms) => void sleeps.push(ms),
      rate: { perSecond: 1000 + ++n, burst: 100 },
    });
    return { ecs, sleeps };
  }
  const call = (token: string): RunCall => ({
    batchId: 'b-1',
    spec: demoSpec,
    offering: { instanceType: 'ecs.g7.large', zoneId: 'cn-hangzhou-h', vSwitchId: 'vsw-local-h' },
    amount: 1,
    clientToken: token,
    tags: [],
  });

  it('waits the given delay after a 5xx that carries it, not the backoff', async () => {
    const { ecs, sleeps } = adapter();
    emu.control.addFault({ action: 'RunInstances', kind: 'serviceUnavailable', times: 1, retryAfterMs: 750 });
    expect(await ecs.runInstances(call('t-1'))).toHaveLength(1);
    expect(sleeps).toContain(750);
  });

  it('retries after the delay even when the code alone would be final, and keeps the code if it persists', async () => {
    const { ecs, sleeps } = adapter();
    emu.control.addFault({ action: 'RunInstances', kind: 'error', code: 'OperationDenied.NoStock', times: 1, retryAfterMs: 600 });
    expect(await ecs.runInstances(call('t-2'))).toHaveLength(1);
    expect(sleeps).toContain(600);
    emu.control.addFault({ action: 'RunInstances', kind: 'error', code: 'OperationDenied.NoStock', times: 5, retryAfterMs: 400 });
    const err = await ecs.runInstances(call('t-3')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EcsError);
    expect(err).toMatchObject({ kind: 'capacity', code: 'OperationDenied.NoStock' });
    expect(emu.control.calls().RunInstances).toBe(1 + 1 + 3);
  });

  it('answers a code without the header at once, as before', async () => {
    const { ecs, sleeps } = adapter();
    emu.control.addFault({ action: 'RunInstances', kind: 'error', code: 'OperationDenied.NoStock', times: 1 });
    await expect(ecs.runInstances(call('t-4'))).rejects.toMatchObject({ kind: 'capacity' });
    expect(sleeps).toEqual([]);
  });
});
