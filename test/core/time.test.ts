import { parseIsoDuration, releaseWindowProblem, toEcsTime } from '../../functions/core/time';

describe('parseIsoDuration', () => {
  it('reads weeks, days, hours, minutes and seconds', () => {
    expect(parseIsoDuration('PT9H')).toBe(9 * 3600_000);
    expect(parseIsoDuration('P1DT2H30M')).toBe(86_400_000 + 2.5 * 3600_000);
    expect(parseIsoDuration('P2W')).toBe(14 * 86_400_000);
    expect(parseIsoDuration('PT45S')).toBe(45_000);
  });
  it('refuses calendar units, empty and malformed durations', () => {
    for (const bad of ['P1M', 'P1Y', 'P', 'PT', '9h', 'PT0S', 'PT-1H', '']) expect(parseIsoDuration(bad)).toBeUndefined();
  });
});

describe('toEcsTime', () => {
  it('formats UTC with seconds truncated to the minute', () => {
    expect(toEcsTime(Date.parse('2030-01-02T03:04:59.999Z'))).toBe('2030-01-02T03:04:00Z');
  });
});

describe('releaseWindowProblem', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('accepts 30 minutes ahead and refuses 29', () => {
    expect(releaseWindowProblem(now + 30 * 60_000, now)).toBeUndefined();
    expect(releaseWindowProblem(now + 29 * 60_000, now)).toMatch(/30 minutes/);
  });
  it('refuses more than three years ahead', () => {
    expect(releaseWindowProblem(now + 3 * 366 * 86_400_000, now)).toMatch(/3 years/);
  });
});
