import { TokenBucket } from '../../functions/cloud/rate';
import { mapLimited } from '../../functions/core/limited';

/** A bucket on a fake clock whose sleep moves the clock: every wait is recorded, none is real. */
function fakeBucket(perSecond: number, burst?: number) {
  let now = 1_000;
  const sleeps: number[] = [];
  const bucket = new TokenBucket(
    { perSecond, burst },
    { now: () => now },
    async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  );
  const takeAt = async () => {
    await bucket.take();
    return now;
  };
  return { bucket, sleeps, takeAt, advance: (ms: number) => (now += ms), now: () => now };
}

describe('TokenBucket', () => {
  it('lets a burst go at once, then one call per interval', async () => {
    const b = fakeBucket(10, 3);
    const times: number[] = [];
    for (let i = 0; i < 6; i++) times.push(await b.takeAt());
    expect(times).toEqual([1000, 1000, 1000, 1100, 1200, 1300]);
  });

  it('refills while idle, up to the burst only', async () => {
    const b = fakeBucket(10, 2);
    for (let i = 0; i < 2; i++) await b.bucket.take();
    b.advance(10_000);
    const t = b.now();
    expect([await b.takeAt(), await b.takeAt(), await b.takeAt()]).toEqual([t, t, t + 100]);
  });

  it('defaults the burst to half a second of calls', async () => {
    const b = fakeBucket(20);
    const times: number[] = [];
    for (let i = 0; i < 11; i++) times.push(await b.takeAt());
    expect(times.filter((t) => t === 1000)).toHaveLength(10);
    expect(times[10]).toBe(1050);
  });

  it('holds every call until a retryAfter pause ends, then resumes at the steady rate without a burst', async () => {
    const b = fakeBucket(10, 5);
    await b.bucket.take();
    b.bucket.pause(1_500);
    const times = [await b.takeAt(), await b.takeAt(), await b.takeAt()];
    expect(times).toEqual([2500, 2600, 2700]);
  });

  it('never shortens a pause already in force', async () => {
    const b = fakeBucket(10, 5);
    b.bucket.pause(2_000);
    b.bucket.pause(500);
    expect(await b.takeAt()).toBe(3000);
  });

  it('makes a waiter that reserved before a pause wait for the pause', async () => {
    // Real timers here: the waiter sleeps toward its slot while the pause arrives.
    const bucket = new TokenBucket({ perSecond: 50, burst: 1 });
    await bucket.take();
    const waiting = bucket.take().then(() => Date.now());
    const pausedAt = Date.now();
    bucket.pause(200);
    expect((await waiting) - pausedAt).toBeGreaterThanOrEqual(190);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new TokenBucket({ perSecond: 0 })).toThrow(RangeError);
  });
});

describe('mapLimited', () => {
  it('keeps the order of the results and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimited([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});
