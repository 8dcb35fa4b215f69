import { AdjustableClock } from '../../local/common/clock';
import { seededRandom } from '../../local/common/random';

describe('AdjustableClock', () => {
  it('moves forward by what it is advanced and never backwards', () => {
    let t = 1_000;
    const clock = new AdjustableClock(() => t);
    clock.advance(500);
    expect(clock.now()).toBe(1_500);
    t = 2_000;
    expect(clock.now()).toBe(2_500);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it('stands still while frozen and resumes from where it stopped', () => {
    let t = 1_000;
    const clock = new AdjustableClock(() => t);
    clock.freeze();
    t = 5_000;
    expect(clock.now()).toBe(1_000);
    clock.unfreeze();
    t = 6_000;
    expect(clock.now()).toBe(2_000);
  });
});

describe('seededRandom', () => {
  it('repeats the same sequence for the same seed and differs for another', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const seqA = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(seqA);
    expect([c(), c(), c()]).not.toEqual(seqA);
    for (const x of seqA) expect(x >= 0 && x < 1).toBe(true);
  });
});
