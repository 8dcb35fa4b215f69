import { markReleased, type Batch, type InstanceRecord } from '../../functions/core/batch';
import type { InstanceView } from '../../functions/core/ports';
import { DEFAULT_RECONCILE, needsRelease, nextLook, reconcile } from '../../functions/core/reconcile';
import { planBatch } from '../../functions/core/plan';
import { LaunchSpecSchema } from '../../functions/core/profile';

/** One instance type in one zone: one offering. */
const oneOffering = LaunchSpecSchema.parse({
  region: 'cn-hangzhou',
  imageId: 'aliyun_3_x64_20G_alibase_20240819.vhd',
  instanceTypes: ['ecs.g7.large'],
  vSwitches: [{ id: 'vsw-local-h', zoneId: 'cn-hangzhou-h' }],
  securityGroupId: 'sg-local',
});

const T0 = Date.UTC(2030, 0, 1);
const SEC = 1_000;

/** A PENDING batch of `ids.length` Pending instances, submitted at T0 with a 10 minute deadline. */
function pending(ids: string[], over: Partial<Batch> = {}): Batch {
  const plan = planBatch({ request: { profile: 'demo', amount: ids.length }, owner: 'ops', spec: oneOffering, deadlineSeconds: 600, now: T0, lease: { owner: 'api', ms: 1 } });
  if (!plan.ok) throw new Error('fixture');
  const b = plan.batch;
  b.chunks[0] = { ...b.chunks[0], state: 'submitted', instanceIds: ids };
  const instances: InstanceRecord[] = ids.map((instanceId) => ({ instanceId, chunk: 0, state: 'Pending' }));
  return { ...b, status: 'PENDING', lease: undefined, instances, ...over };
}

const view = (instanceId: string, status: string, extra: Partial<InstanceView> = {}): InstanceView => ({
  instanceId,
  status,
  recycling: false,
  zoneId: 'cn-hangzhou-h',
  instanceType: 'ecs.g7.large',
  privateIp: `172.16.0.${instanceId.length}`,
  ...extra,
});
const seen = (...views: InstanceView[]) => new Map(views.map((v) => [v.instanceId, v]));

describe('reconcile', () => {
  it('ends a batch RUNNING when every instance is Running, recording zones and IPs', () => {
    const r = reconcile(pending(['i-a', 'i-b']), seen(view('i-a', 'Running', { publicIp: '47.1.1.1' }), view('i-b', 'Running')), T0 + 10 * SEC);
    expect(r.batch.status).toBe('RUNNING');
    expect(r.batch.endedAt).toBe(T0 + 10 * SEC);
    expect(r.batch.instances[0]).toMatchObject({ state: 'Running', publicIp: '47.1.1.1', privateIp: '172.16.0.3', zoneId: 'cn-hangzhou-h' });
    expect(r.start).toEqual([]);
  });

  it('keeps going while some instances still boot', () => {
    const r = reconcile(pending(['i-a', 'i-b']), seen(view('i-a', 'Running'), view('i-b', 'Starting')), T0 + 3 * SEC);
    expect(r.batch.status).toBe('PENDING');
    expect(r.batch.instances.map((i) => i.state)).toEqual(['Running', 'Starting']);
  });

  it('does not change the batch it was given', () => {
    const b = pending(['i-a']);
    reconcile(b, seen(view('i-a', 'Running')), T0 + SEC);
    expect(b.status).toBe('PENDING');
    expect(b.instances[0].state).toBe('Pending');
  });

  it('leaves batches that are not PENDING alone', () => {
    const b = pending(['i-a'], { status: 'CANCELLED' });
    expect(reconcile(b, seen(view('i-a', 'Running')), T0 + SEC)).toEqual({ batch: b, start: [] });
  });

  it('starts instances that are Stopped, and not again within the restart window', () => {
    const opts = { ...DEFAULT_RECONCILE, restartAfterMs: 60 * SEC };
    const first = reconcile(pending(['i-a', 'i-b']), seen(view('i-a', 'Stopped'), view('i-b', 'Running')), T0, opts);
    expect(first.start).toEqual(['i-a']);
    expect(first.batch.instances[0].startRequestedAt).toBe(T0);
    const soon = reconcile(first.batch, seen(view('i-a', 'Stopped'), view('i-b', 'Running')), T0 + 59 * SEC, opts);
    expect(soon.start).toEqual([]);
    const later = reconcile(soon.batch, seen(view('i-a', 'Stopped'), view('i-b', 'Running')), T0 + 60 * SEC, opts);
    expect(later.start).toEqual(['i-a']);
  });

  it('waits out the missing grace before calling an unknown instance Lost', () => {
    const b = pending(['i-a', 'i-b']);
    const look = (x: Batch, at: number) => reconcile(x, seen(view('i-a', 'Running')), at).batch;
    const first = look(b, T0 + 5 * SEC);
    expect(first.status).toBe('PENDING');
    expect(first.instances[1]).toMatchObject({ state: 'Pending', missingSince: T0 + 5 * SEC });
    const inGrace = look(first, T0 + 5 * SEC + DEFAULT_RECONCILE.missingGraceMs - 1);
    expect(inGrace.instances[1].state).toBe('Pending');
    expect(inGrace.status).toBe('PENDING');
    const after = look(inGrace, T0 + 5 * SEC + DEFAULT_RECONCILE.missingGraceMs);
    expect(after.instances[1].state).toBe('Lost');
    expect(after.status).toBe('PARTIAL');
  });

  it('forgets a missing spell when Describe knows the instance again', () => {
    const first = reconcile(pending(['i-a']), seen(), T0 + 5 * SEC).batch;
    const back = reconcile(first, seen(view('i-a', 'Starting')), T0 + 10 * SEC).batch;
    expect(back.instances[0].missingSince).toBeUndefined();
    expect(reconcile(back, seen(), T0 + 20 * SEC).batch.instances[0].missingSince).toBe(T0 + 20 * SEC);
  });

  it('does not count an instance seen Running before as Running while Describe no longer knows it', () => {
    const first = reconcile(pending(['i-a', 'i-b']), seen(view('i-a', 'Running'), view('i-b', 'Starting')), T0 + 3 * SEC).batch;
    const gone = reconcile(first, seen(view('i-b', 'Running')), T0 + 6 * SEC).batch;
    expect(gone.status).toBe('PENDING');
    const lost = reconcile(gone, seen(view('i-b', 'Running')), T0 + 6 * SEC + DEFAULT_RECONCILE.missingGraceMs).batch;
    expect(lost.instances.map((i) => i.state)).toEqual(['Lost', 'Running']);
    expect(lost.status).toBe('PARTIAL');
  });

  it('ends FAILED when every instance is lost', () => {
    const first = reconcile(pending(['i-a']), seen(), T0).batch;
    const r = reconcile(first, seen(), T0 + DEFAULT_RECONCILE.missingGraceMs);
    expect(r.batch.status).toBe('FAILED');
    expect(r.batch.error?.code).toBe('InstancesLost');
  });

  it('records a spot instance being reclaimed as Reclaimed, and an unknown status as Lost', () => {
    const r = reconcile(pending(['i-a', 'i-b', 'i-c']), seen(view('i-a', 'Running', { recycling: true }), view('i-b', 'Running'), view('i-c', 'Exploded')), T0 + SEC);
    expect(r.batch.instances.map((i) => i.state)).toEqual(['Reclaimed', 'Running', 'Lost']);
    expect(r.batch.status).toBe('PARTIAL');
  });

  it('replaces lost instances with a new chunk when asked, and goes back to SUBMITTING', () => {
    const b = pending(['i-a', 'i-b', 'i-c'], { replaceLost: true });
    const first = reconcile(b, seen(view('i-a', 'Running')), T0).batch;
    const r = reconcile(first, seen(view('i-a', 'Running')), T0 + DEFAULT_RECONCILE.missingGraceMs).batch;
    expect(r.status).toBe('SUBMITTING');
    expect(r.replacements).toBe(1);
    expect(r.chunks).toHaveLength(2);
    expect(r.chunks[1]).toMatchObject({ index: 1, amount: 2, state: 'pending', attempt: 0, clientToken: `${b.id}-c1-a0` });
  });

  it('bounds the replacement rounds, then accepts PARTIAL', () => {
    const b = pending(['i-a', 'i-b'], { replaceLost: true, replacements: DEFAULT_RECONCILE.maxReplacements });
    const first = reconcile(b, seen(view('i-a', 'Running')), T0).batch;
    const r = reconcile(first, seen(view('i-a', 'Running')), T0 + DEFAULT_RECONCILE.missingGraceMs).batch;
    expect(r.status).toBe('PARTIAL');
    expect(r.chunks).toHaveLength(1);
  });

  it('does not replace after the deadline', () => {
    const b = pending(['i-a', 'i-b'], { replaceLost: true });
    const first = reconcile(b, seen(view('i-a', 'Running')), b.deadlineAt - DEFAULT_RECONCILE.missingGraceMs).batch;
    expect(reconcile(first, seen(view('i-a', 'Running')), b.deadlineAt).batch.status).toBe('PARTIAL');
  });

  it('ends TIMED_OUT at the deadline when not every instance is Running, and starts nothing then', () => {
    const b = pending(['i-a', 'i-b']);
    expect(reconcile(b, seen(view('i-a', 'Running'), view('i-b', 'Pending')), b.deadlineAt - 1).batch.status).toBe('PENDING');
    const r = reconcile(b, seen(view('i-a', 'Running'), view('i-b', 'Stopped')), b.deadlineAt);
    expect(r.batch.status).toBe('TIMED_OUT');
    expect(r.batch.error?.code).toBe('DeadlineExceeded');
    expect(r.start).toEqual([]);
  });
});

describe('instance times (the status page timeline)', () => {
  it('records when each instance was first seen, seen Starting and seen Running, once each', () => {
    let b = pending(['i-a', 'i-b']);
    b = reconcile(b, seen(view('i-a', 'Pending'), view('i-b', 'Starting')), T0 + 2 * SEC).batch;
    b = reconcile(b, seen(view('i-a', 'Starting'), view('i-b', 'Running')), T0 + 4 * SEC).batch;
    b = reconcile(b, seen(view('i-a', 'Running'), view('i-b', 'Running')), T0 + 6 * SEC).batch;
    expect(b.status).toBe('RUNNING');
    expect(b.instances[0]).toMatchObject({ firstSeenAt: T0 + 2 * SEC, startedAt: T0 + 4 * SEC, runningAt: T0 + 6 * SEC });
    expect(b.instances[1]).toMatchObject({ firstSeenAt: T0 + 2 * SEC, startedAt: T0 + 2 * SEC, runningAt: T0 + 4 * SEC });
    expect(b.instances.every((i) => i.endedAt === undefined)).toBe(true);
  });

  it('leaves out a step no look saw: found Running at once has no start time', () => {
    const b = reconcile(pending(['i-a']), seen(view('i-a', 'Running')), T0 + 9 * SEC).batch;
    expect(b.instances[0]).toMatchObject({ firstSeenAt: T0 + 9 * SEC, runningAt: T0 + 9 * SEC });
    expect(b.instances[0].startedAt).toBeUndefined();
  });

  it('ends a Lost instance at the first look that missed it, and a reclaimed one when it was seen reclaimed', () => {
    let b = pending(['i-a', 'i-b', 'i-c']);
    b = reconcile(b, seen(view('i-a', 'Running'), view('i-b', 'Running'), view('i-c', 'Starting')), T0 + 5 * SEC).batch;
    b = reconcile(b, seen(view('i-b', 'Running', { recycling: true }), view('i-c', 'Starting')), T0 + 10 * SEC).batch;
    expect(b.instances[1]).toMatchObject({ state: 'Reclaimed', runningAt: T0 + 5 * SEC, endedAt: T0 + 10 * SEC });
    expect(b.instances[0].endedAt).toBeUndefined(); // missing, not Lost yet: Describe lags
    b = reconcile(b, seen(view('i-c', 'Starting')), T0 + 10 * SEC + DEFAULT_RECONCILE.missingGraceMs).batch;
    expect(b.instances[0]).toMatchObject({ state: 'Lost', endedAt: T0 + 10 * SEC });
  });

  it('ends every instance still there when a cancelled batch is released, keeping earlier ends', () => {
    const b = pending(['i-a', 'i-b'], { status: 'CANCELLED', cancel: { requestedAt: T0, release: true } });
    b.instances[1].endedAt = T0 - SEC;
    const released = markReleased(b, T0 + 20 * SEC);
    expect(released.cancel).toEqual({ requestedAt: T0, release: true, released: true });
    expect(released.instances.map((i) => i.endedAt)).toEqual([T0 + 20 * SEC, T0 - SEC]);
    expect(b.instances[0].endedAt).toBeUndefined();
  });
});

describe('nextLook', () => {
  it('looks at a young PENDING batch every 2 s, then every tenth of its age, at most every 10 s', () => {
    const b = pending(['i-a'], { deadlineAt: T0 + 3600 * SEC });
    expect(nextLook(b, T0)! - T0).toBe(2 * SEC);
    expect(nextLook(b, T0 + 10 * SEC)! - (T0 + 10 * SEC)).toBe(2 * SEC);
    expect(nextLook(b, T0 + 50 * SEC)! - (T0 + 50 * SEC)).toBe(5 * SEC);
    expect(nextLook(b, T0 + 600 * SEC)! - (T0 + 600 * SEC)).toBe(10 * SEC);
  });

  it('looks again in 10 s while SUBMITTING', () => {
    expect(nextLook(pending(['i-a'], { status: 'SUBMITTING' }), T0)).toBe(T0 + 10 * SEC);
  });

  it('backs off exponentially with failures, capped at 5 minutes', () => {
    const at = (failures: number) => nextLook(pending(['i-a'], { failures, deadlineAt: T0 + 3600 * SEC }), T0)! - T0;
    expect([0, 1, 2, 3].map(at)).toEqual([2, 10, 20, 40].map((s) => s * SEC));
    expect(at(6)).toBe(300 * SEC);
    expect(at(50)).toBe(300 * SEC);
  });

  it('never looks later than just after the deadline', () => {
    const b = pending(['i-a'], { failures: 6 });
    expect(nextLook(b, b.deadlineAt - 2 * SEC)).toBe(b.deadlineAt + SEC);
  });

  it('keeps backing off once the deadline has passed, instead of looking at every sweep', () => {
    const b = pending(['i-a'], { failures: 3 });
    const now = b.deadlineAt + 600 * SEC;
    expect(nextLook(b, now)).toBe(now + 40 * SEC);
  });

  it('for an ended batch: at the next callback attempt, soon for a pending release, else never', () => {
    const ended = pending(['i-a'], { status: 'RUNNING' });
    expect(nextLook(ended, T0)).toBeUndefined();
    const cb = { url: 'http://x', deliveryId: 'd', attempts: 1 };
    expect(nextLook({ ...ended, callback: { ...cb, state: 'pending', nextAttemptAt: T0 + 15 * SEC } }, T0)).toBe(T0 + 15 * SEC);
    expect(nextLook({ ...ended, callback: { ...cb, state: 'waiting' } }, T0)).toBe(T0);
    expect(nextLook({ ...ended, callback: { ...cb, state: 'delivered' } }, T0)).toBeUndefined();
    const cancelled = pending(['i-a'], { status: 'CANCELLED', cancel: { requestedAt: T0, release: true } });
    expect(needsRelease(cancelled)).toBe(true);
    expect(nextLook(cancelled, T0)).toBe(T0 + 30 * SEC);
    expect(needsRelease({ ...cancelled, cancel: { requestedAt: T0, release: true, released: true } })).toBe(false);
  });

  it('for an ended batch: at the next chat reply attempt, and at the earliest of what is still owed', () => {
    const ended = pending(['i-a'], { status: 'RUNNING' });
    const chatReply = { kind: 'slack' as const, url: 'http://x', deliveryId: 'c', attempts: 1, state: 'pending' as const, nextAttemptAt: T0 + 15 * SEC };
    expect(nextLook({ ...ended, chatReply }, T0)).toBe(T0 + 15 * SEC);
    expect(nextLook({ ...ended, chatReply: { ...chatReply, state: 'failed' } }, T0)).toBeUndefined();
    const cb = { url: 'http://x', deliveryId: 'd', attempts: 3, state: 'pending' as const, nextAttemptAt: T0 + 120 * SEC };
    expect(nextLook({ ...ended, chatReply, callback: cb }, T0)).toBe(T0 + 15 * SEC);
    const cancelled = { ...ended, status: 'CANCELLED' as const, cancel: { requestedAt: T0, release: true }, callback: cb };
    expect(nextLook(cancelled, T0)).toBe(T0 + 30 * SEC);
  });
});
