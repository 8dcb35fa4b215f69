import { parseCron, parseDuration } from '../../../local/fc/cron';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const next = (expr: string, after: string) => iso(parseCron(expr).next(Date.parse(after)));
const nextN = (expr: string, after: string, n: number) => {
  const s = parseCron(expr);
  const out: string[] = [];
  let t = Date.parse(after);
  for (let i = 0; i < n; i++) {
    t = s.next(t)!;
    out.push(new Date(t).toISOString());
  }
  return out;
};

describe('cron expressions of FC timer triggers', () => {
  it('read six fields with seconds first', () => {
    expect(next('15 30 8 * * *', '2024-05-10T00:00:00Z')).toBe('2024-05-10T08:30:15.000Z');
    expect(next('0 0 * * * *', '2024-05-10T08:59:59Z')).toBe('2024-05-10T09:00:00.000Z');
  });

  it('fire strictly after the given instant', () => {
    expect(next('0 30 8 * * *', '2024-05-10T08:30:00Z')).toBe('2024-05-11T08:30:00.000Z');
  });

  it('skip weekends with MON-FRI', () => {
    // 2024-05-10 is a Friday.
    expect(nextN('0 30 8 * * MON-FRI', '2024-05-10T09:00:00Z', 2)).toEqual([
      '2024-05-13T08:30:00.000Z',
      '2024-05-14T08:30:00.000Z',
    ]);
  });

  it('take lists, ranges, steps, month names and ?', () => {
    expect(nextN('0 */20 9-10 ? * *', '2024-05-10T09:00:00Z', 4)).toEqual([
      '2024-05-10T09:20:00.000Z', '2024-05-10T09:40:00.000Z', '2024-05-10T10:00:00.000Z', '2024-05-10T10:20:00.000Z',
    ]);
    expect(next('0 0 12 1,15 JAN,jul ?', '2024-05-10T00:00:00Z')).toBe('2024-07-01T12:00:00.000Z');
    expect(next('0 0 0 ? * 7', '2024-05-10T00:00:00Z')).toBe('2024-05-12T00:00:00.000Z'); // 7 is Sunday too
    expect(next('30/10 * * * * *', '2024-05-10T00:00:45Z')).toBe('2024-05-10T00:00:50.000Z');
  });

  it('fire on either day when both day-of-month and day-of-week are restricted', () => {
    // The 13th or any Monday: Monday 2024-05-13 is both; the next Monday 2024-05-20 comes after the 13th.
    expect(nextN('0 0 0 13 * MON', '2024-05-10T00:00:00Z', 2)).toEqual(['2024-05-13T00:00:00.000Z', '2024-05-20T00:00:00.000Z']);
  });

  it('compute CRON_TZ=Asia/Shanghai fires at the right UTC instant', () => {
    // 08:30 in Shanghai (UTC+8) is 00:30 UTC; Friday 2024-05-10 08:30 Shanghai has not yet passed at 00:00 UTC.
    expect(nextN('CRON_TZ=Asia/Shanghai 0 30 8 * * MON-FRI', '2024-05-10T00:00:00Z', 2)).toEqual([
      '2024-05-10T00:30:00.000Z',
      '2024-05-13T00:30:00.000Z',
    ]);
    // Midnight in Shanghai on a Saturday is still Friday 16:00 UTC.
    expect(next('CRON_TZ=Asia/Shanghai 0 0 0 * * SAT', '2024-05-10T00:00:00Z')).toBe('2024-05-10T16:00:00.000Z');
  });

  it('skip wall-clock times that a daylight-saving jump removes', () => {
    // 2024-03-10 02:30 does not exist in New York; the next 02:30 is on 2024-03-11 (EDT, UTC-4).
    expect(next('CRON_TZ=America/New_York 0 30 2 * * *', '2024-03-10T05:00:00Z')).toBe('2024-03-11T06:30:00.000Z');
  });

  it('repeat @every intervals from the previous fire', () => {
    expect(nextN('@every 1m', '2024-05-10T00:00:00Z', 2)).toEqual(['2024-05-10T00:01:00.000Z', '2024-05-10T00:02:00.000Z']);
    expect(next('@every 30s', '2024-05-10T00:00:10.500Z')).toBe('2024-05-10T00:00:40.000Z');
    expect(parseDuration('1h30m')).toBe(5_400_000);
  });

  it('know the @daily family of shorthands', () => {
    expect(next('@hourly', '2024-05-10T00:10:00Z')).toBe('2024-05-10T01:00:00.000Z');
    expect(next('@daily', '2024-05-10T00:10:00Z')).toBe('2024-05-11T00:00:00.000Z');
  });

  it('give up on dates that never come', () => {
    expect(next('0 0 0 30 2 ?', '2024-05-10T00:00:00Z')).toBeUndefined();
  });

  it('reject malformed expressions with a message naming the problem', () => {
    expect(() => parseCron('0 30 8 * *')).toThrow(/six fields/);
    expect(() => parseCron('0 61 8 * * *')).toThrow(/minutes value "61"/);
    expect(() => parseCron('0 0 8 * * FUNDAY')).toThrow(/day-of-week value "FUNDAY"/);
    expect(() => parseCron('0 0 17-9 * * *')).toThrow(/runs backwards/);
    expect(() => parseCron('? 0 8 * * *')).toThrow(/"\?" is only allowed/);
    expect(() => parseCron('CRON_TZ=Mars/Olympus 0 0 8 * * *')).toThrow(/unknown time zone/);
    expect(() => parseCron('@every soon')).toThrow(/duration/);
  });
});
