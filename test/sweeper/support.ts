import Ecs, * as $Ecs from '@alicloud/ecs20140526';
import { Config } from '@alicloud/openapi-core/dist/utils';
import { httpPoster } from '../../functions/cloud/webhook';
import type { Batch } from '../../functions/core/batch';
import { planBatch } from '../../functions/core/plan';
import type { EcsPort } from '../../functions/core/ports';
import type { BatchRequest } from '../../functions/core/request';
import { sweep, type SweepDeps, type SweepSummary } from '../../functions/sweeper/sweep';
import { appDeps, call, TOKENS, type Stack } from '../support/stack';

import { demoSpec } from '../support/profiles';

export { demoSpec };

export const SECRET = 'callback-secret-0123456789';

/** The sweeper's dependencies on the stack; `owner` names the lease holder. */
export function sweepDeps(s: Stack, over: Partial<SweepDeps> = {}): SweepDeps {
  return { ...s, post: httpPoster(2_000), callbackSecret: SECRET, owner: 'sweeper-1', leaseMs: 60_000, concurrency: 4, ...over };
}

/** Submit through the HTTP API in-process, as a script would. */
export async function submit(s: Stack, body: Partial<BatchRequest> & { amount: number }): Promise<{ id: string; status: string; json: any }> {
  const res = await call(appDeps(s), 'POST', '/batches', { token: TOKENS.admin, body: body.spec ? body : { profile: 'demo', ...body } });
  if (res.statusCode !== 202) throw new Error(`submit answered ${res.statusCode}: ${res.body}`);
  return { id: res.json.id, status: res.json.status, json: res.json };
}

export const runSweep = (s: Stack, over: Partial<SweepDeps> = {}) => sweep(sweepDeps(s, over), s.clock.now() + 60_000);

/** Sweep, then move the clock `stepMs`, until `done` holds (at most `max` sweeps). Returns every summary. */
export async function sweepUntil(s: Stack, done: () => Promise<boolean>, opts: { stepMs?: number; max?: number; deps?: Partial<SweepDeps> } = {}): Promise<SweepSummary[]> {
  const out: SweepSummary[] = [];
  for (let i = 0; i < (opts.max ?? 20); i++) {
    out.push(await runSweep(s, opts.deps));
    if (await done()) return out;
    s.clock.advance(opts.stepMs ?? 6_000);
  }
  throw new Error(`not done after ${out.length} sweeps: ${JSON.stringify(out.at(-1))}`);
}

export const ended = (s: Stack, id: string) => async () => {
  const b = await s.store.getBatch(id);
  return b !== undefined && !['SUBMITTING', 'PENDING'].includes(b.status);
};

export const queueRows = (s: Stack, batchId?: string) =>
  (s.tsEmu.control.dumpTable(s.tables.queue) ?? []).filter((r) => batchId === undefined || r.primaryKey.batchId === batchId);

export const ledger = (s: Stack) => s.ecsEmu.control.instances();

/** A real SDK client on the stack's ECS emulator, for what the app itself never calls (CreateInstance). */
export function sdkClient(s: Stack): Ecs {
  return new Ecs(new Config({ accessKeyId: 'local', accessKeySecret: 'local-secret', endpoint: s.ecsEmu.endpoint, protocol: 'HTTP', regionId: 'cn-hangzhou', readTimeout: 3000 }));
}

/** The legacy path: CreateInstance leaves an instance Stopped, without a public IP. */
export async function createStopped(s: Stack, n: number): Promise<string[]> {
  const ecs = sdkClient(s);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await ecs.createInstance(
      new $Ecs.CreateInstanceRequest({ regionId: 'cn-hangzhou', imageId: demoSpec.imageId, instanceType: 'ecs.g7.large', vSwitchId: 'vsw-local-h', securityGroupId: 'sg-local' }),
    );
    ids.push(res.body!.instanceId!);
  }
  return ids;
}

/** A PENDING batch recorded around instances that already exist (as the sweeper finds it after a submission). */
export async function recordPending(s: Stack, ids: string[], over: Partial<Batch> = {}): Promise<Batch> {
  const now = s.clock.now();
  const plan = planBatch({ request: { profile: 'demo', amount: ids.length }, owner: 'admin', spec: demoSpec, deadlineSeconds: 600, now, lease: { owner: 'test', ms: 0 } });
  if (!plan.ok) throw new Error('fixture does not plan');
  const b: Batch = {
    ...plan.batch,
    status: 'PENDING',
    lease: undefined,
    dueAt: now,
    chunks: [{ ...plan.batch.chunks[0], state: 'submitted', instanceIds: ids }],
    instances: ids.map((instanceId) => ({ instanceId, chunk: 0, state: 'Pending' })),
    ...over,
  };
  const r = await s.store.createBatch(b);
  if (!r.created) throw new Error('batch exists');
  return r.batch;
}

/** Passes every call through to the real adapter and remembers which ids were started. */
export function recordingStarts(ecs: EcsPort): { ecs: EcsPort; started: string[] } {
  const started: string[] = [];
  return {
    started,
    ecs: {
      ...ecs,
      startInstances: (region, ids) => {
        started.push(...ids);
        return ecs.startInstances(region, ids);
      },
    },
  };
}
