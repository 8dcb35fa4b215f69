import { chunkAmounts, clientToken, newBatchId, offerings } from '../../functions/core/batch';
import { planBatch, requestHash } from '../../functions/core/plan';
import { BatchRequestSchema } from '../../functions/core/request';
import { demoSpec } from '../support/profiles';

const NOW = Date.parse('2026-11-22T08:00:00Z');
const plan = (body: unknown, idempotencyKey?: string) =>
  planBatch({
    request: BatchRequestSchema.parse(body),
    owner: 'ci',
    idempotencyKey,
    profileName: 'demo',
    spec: demoSpec,
    deadlineSeconds: 900,
    now: NOW,
    lease: { owner: 'api:1', ms: 120_000 },
  });

describe('chunkAmounts', () => {
  it('splits 250 into chunks of at most 100', () => {
    expect(chunkAmounts(250)).toEqual([100, 100, 50]);
    expect(chunkAmounts(100)).toEqual([100]);
    expect(chunkAmounts(1)).toEqual([1]);
  });
});

describe('offerings', () => {
  it('tries the preferred instance type in every zone before the next type', () => {
    expect(offerings(demoSpec).map((o) => `${o.instanceType}@${o.zoneId}`)).toEqual([
      'ecs.g7.large@cn-hangzhou-h',
      'ecs.g7.large@cn-hangzhou-i',
      'ecs.c7.large@cn-hangzhou-h',
      'ecs.c7.large@cn-hangzhou-i',
    ]);
  });

  it('keeps only the instance type and zone the caller pinned', () => {
    expect(offerings(demoSpec, { instanceType: 'ecs.c7.large', zoneId: 'cn-hangzhou-i' })).toEqual([
      { instanceType: 'ecs.c7.large', vSwitchId: 'vsw-local-i', zoneId: 'cn-hangzhou-i' },
    ]);
  });
});

describe('planBatch', () => {
  it('records one ClientToken per chunk before anything is submitted', () => {
    const p = plan({ profile: 'demo', amount: 250 });
    if (!p.ok) throw new Error('expected a plan');
    expect(p.batch.status).toBe('SUBMITTING');
    expect(p.batch.chunks.map((c) => [c.amount, c.clientToken])).toEqual([
      [100, clientToken(p.batch.id, 0, 0)],
      [100, clientToken(p.batch.id, 1, 0)],
      [50, clientToken(p.batch.id, 2, 0)],
    ]);
    expect(new Set(p.batch.chunks.map((c) => c.clientToken)).size).toBe(3);
    for (const c of p.batch.chunks) expect(c.clientToken.length).toBeLessThanOrEqual(64);
  });

  it('derives the batch id from owner and Idempotency-Key so repeats meet on one row', () => {
    const a = plan({ profile: 'demo', amount: 1 }, 'key-1');
    const b = plan({ profile: 'demo', amount: 1 }, 'key-1');
    const c = plan({ profile: 'demo', amount: 1 }, 'key-2');
    if (!a.ok || !b.ok || !c.ok) throw new Error('expected plans');
    expect(a.batch.id).toBe(b.batch.id);
    expect(a.batch.id).not.toBe(c.batch.id);
    expect(newBatchId('other', 'key-1')).not.toBe(a.batch.id);
    expect(a.batch.id).toMatch(/^b-[0-9a-f]{24}$/);
  });

  it('turns releaseAfter into an absolute release time', () => {
    const p = plan({ profile: 'demo', amount: 1, releaseAfter: 'PT9H' });
    if (!p.ok) throw new Error('expected a plan');
    expect(p.batch.releaseAt).toBe(NOW + 9 * 3600_000);
  });

  it('refuses a release time less than 30 minutes ahead, naming the field', () => {
    const p = plan({ profile: 'demo', amount: 1, releaseAfter: 'PT20M' });
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.issues[0].field).toBe('releaseAfter');
    const q = plan({ profile: 'demo', amount: 1, releaseAt: new Date(NOW + 10 * 60_000).toISOString() });
    expect(q.ok).toBe(false);
    if (!q.ok) expect(q.issues[0].field).toBe('releaseAt');
  });

  it('refuses a release time more than 3 years ahead', () => {
    const p = plan({ profile: 'demo', amount: 1, releaseAfter: 'P1100D' });
    expect(p.ok).toBe(false);
  });

  it('refuses an instance type or zone the profile does not offer', () => {
    const p = plan({ profile: 'demo', amount: 1, instanceType: 'ecs.t6-c1m1.large', zoneId: 'cn-hangzhou-j' });
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.issues.map((i) => i.field).sort()).toEqual(['instanceType', 'zoneId']);
  });

  it('refuses more tags than ECS allows once the profile tags and the batch tag are counted', () => {
    const tags = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    const p = plan({ profile: 'demo', amount: 1, tags });
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.issues[0].field).toBe('tags');
  });
});

describe('requestHash', () => {
  it('ignores key order but not values', () => {
    const a = BatchRequestSchema.parse({ profile: 'demo', amount: 2, dryRun: false });
    const b = BatchRequestSchema.parse({ dryRun: false, amount: 2, profile: 'demo' });
    const c = BatchRequestSchema.parse({ profile: 'demo', amount: 3, dryRun: false });
    expect(requestHash(a)).toBe(requestHash(b));
    expect(requestHash(a)).not.toBe(requestHash(c));
  });
});

describe('BatchRequestSchema', () => {
  const field = (body: unknown) => {
    const r = BatchRequestSchema.safeParse(body);
    return r.success ? undefined : r.error.issues.map((i) => i.path.join('.') || i.code);
  };
  it('names the field of each bad input', () => {
    expect(field({ profile: 'demo', amount: 0 })).toEqual(['amount']);
    expect(field({ profile: 'demo', amount: 1001 })).toEqual(['amount']);
    expect(field({ profile: 'demo', amount: '3' })).toEqual(['amount']);
    expect(field({ profile: 'demo', amount: 1.5 })).toEqual(['amount']);
    expect(field({ profile: 'demo', amount: 1, colour: 'red' })).toEqual(['unrecognized_keys']);
    expect(field({ amount: 1 })).toEqual(['profile']);
    expect(field({ profile: 'demo', amount: 1, releaseAfter: 'P1M' })).toEqual(['releaseAfter']);
    expect(field({ profile: 'demo', amount: 1, callbackUrl: 'file:///etc/passwd' })).toEqual(['callbackUrl']);
    expect(field({ profile: 'demo', amount: 1, tags: [{ key: 'aliyun:x', value: '1' }] })).toEqual(['tags.0.key']);
  });
  it('accepts a minimal request', () => {
    expect(field({ profile: 'demo', amount: 1 })).toBeUndefined();
  });
});
