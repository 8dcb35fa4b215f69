import { RateLimits } from '../../../local/ecs/rate-limit';
import { $Ecs, failureOf, REGION, startHarness, type Harness } from './harness';

describe('rate limit (token bucket)', () => {
  it('lets a burst through, then answers with the time until the next token', () => {
    let now = 0;
    const limits = new RateLimits(() => now);
    limits.set({ perSecond: 10, burst: 3 });
    expect([limits.take('DescribeInstances'), limits.take('RunInstances'), limits.take('DescribeInstances')]).toEqual([undefined, undefined, undefined]);
    expect(limits.take('DescribeInstances')).toBe(100);
    now += 40;
    expect(limits.take('DescribeInstances')).toBe(60);
    now += 60;
    expect(limits.take('DescribeInstances')).toBeUndefined();
  });

  it('gives a named action its own bucket, and a call spends from every rule it matches', () => {
    let now = 0;
    const limits = new RateLimits(() => now);
    limits.set({ perSecond: 100, burst: 100 });
    limits.set({ action: 'RunInstances', perSecond: 1, burst: 1 });
    expect(limits.take('RunInstances')).toBeUndefined();
    expect(limits.take('RunInstances')).toBe(1000);
    expect(limits.take('DescribeInstances')).toBeUndefined();
    limits.clear();
    expect(limits.take('RunInstances')).toBeUndefined();
  });

  it('refuses a rule without a positive rate', () => {
    expect(() => new RateLimits().set({ perSecond: 0 })).toThrow();
  });
});

describe('rate limit through the gateway', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.emulator.close());
  afterEach(() => h.emulator.control.reset());

  const describeAll = () => h.ecs.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION }));

  it('answers Throttling.User with x-acs-retry-after once the burst is spent, and processes nothing', async () => {
    h.emulator.control.rateLimit({ perSecond: 1, burst: 2 });
    await describeAll();
    await describeAll();
    const e = await failureOf(describeAll());
    expect(e).toMatchObject({ name: 'ThrottlingError', code: 'Throttling.User' });
    expect((e as { retryAfter: number }).retryAfter).toBeGreaterThan(0);
    expect((e as { retryAfter: number }).retryAfter).toBeLessThanOrEqual(1000);
    expect(h.emulator.control.calls().DescribeInstances).toBe(3);
    expect(h.emulator.control.rateLimits()).toEqual([{ action: '*', perSecond: 1, burst: 2, throttled: 1 }]);
  });

  it('is listed and cleared by the control API over HTTP, and reset clears it too', async () => {
    const post = await fetch(`${h.emulator.url}/__control/rate-limit`, { method: 'POST', body: JSON.stringify({ action: 'RunInstances', perSecond: 20 }) });
    expect(await post.json()).toEqual({ action: 'RunInstances', perSecond: 20, burst: 20 });
    const listed = (await (await fetch(`${h.emulator.url}/__control/rate-limit`)).json()) as { rateLimits: unknown[] };
    expect(listed.rateLimits).toHaveLength(1);
    expect((await fetch(`${h.emulator.url}/__control/rate-limit`, { method: 'POST', body: '{"perSecond":-1}' })).status).toBe(400);
    await fetch(`${h.emulator.url}/__control/rate-limit`, { method: 'DELETE' });
    expect(h.emulator.control.rateLimits()).toEqual([]);
    h.emulator.control.rateLimit({ perSecond: 1 });
    h.emulator.control.reset();
    expect(h.emulator.control.rateLimits()).toEqual([]);
  });
});
