import { nextLocalTime } from '../../functions/core/time';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('nextLocalTime', () => {
  it('gives today\'s time when it is still ahead in Asia/Shanghai', () => {
    // 08:00 in Shanghai (UTC+8); 18:00 local is 10:00Z the same day.
    expect(iso(nextLocalTime('18:00', 'Asia/Shanghai', at('2024-06-01T00:00:00Z')))).toBe('2024-06-01T10:00:00.000Z');
  });

  it('gives tomorrow\'s time when today\'s has passed in Asia/Shanghai', () => {
    // 20:00 in Shanghai.
    expect(iso(nextLocalTime('18:00', 'Asia/Shanghai', at('2024-06-01T12:00:00Z')))).toBe('2024-06-02T10:00:00.000Z');
  });

  it('rolls over to tomorrow when the time is exactly now', () => {
    expect(iso(nextLocalTime('18:00', 'Asia/Shanghai', at('2024-06-01T10:00:00Z')))).toBe('2024-06-02T10:00:00.000Z');
  });

  it('handles the local date being a day ahead of UTC', () => {
    // 2024-06-01T20:00Z is already 04:00 on June 2 in Shanghai.
    expect(iso(nextLocalTime('09:00', 'Asia/Shanghai', at('2024-06-01T20:00:00Z')))).toBe('2024-06-02T01:00:00.000Z');
  });

  it('uses the new offset the morning after clocks spring forward in America/New_York', () => {
    // Saturday 2024-03-09 20:00 EST; DST starts Sunday 02:00. Sunday 09:00 is EDT (UTC-4).
    expect(iso(nextLocalTime('09:00', 'America/New_York', at('2024-03-10T01:00:00Z')))).toBe('2024-03-10T13:00:00.000Z');
  });

  it('moves a time inside the spring-forward gap past the gap', () => {
    // 02:30 does not exist on 2024-03-10 in New York; it becomes 03:30 EDT.
    expect(iso(nextLocalTime('02:30', 'America/New_York', at('2024-03-10T05:00:00Z')))).toBe('2024-03-10T07:30:00.000Z');
  });

  it('takes the first of the two 01:30s when clocks fall back', () => {
    // 2024-11-03 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    expect(iso(nextLocalTime('01:30', 'America/New_York', at('2024-11-03T04:00:00Z')))).toBe('2024-11-03T05:30:00.000Z');
  });

  it('uses the old offset before, and the new one after, clocks fall back', () => {
    // Saturday 2024-11-02 12:00 EDT -> Saturday 18:00 is still EDT (22:00Z); Sunday 18:00 is EST (23:00Z).
    expect(iso(nextLocalTime('18:00', 'America/New_York', at('2024-11-02T16:00:00Z')))).toBe('2024-11-02T22:00:00.000Z');
    expect(iso(nextLocalTime('18:00', 'America/New_York', at('2024-11-02T23:00:00Z')))).toBe('2024-11-03T23:00:00.000Z');
  });

  it('throws for an unknown time zone or a malformed time', () => {
    expect(() => nextLocalTime('18:00', 'Mars/Olympus', 0)).toThrow(RangeError);
    expect(() => nextLocalTime('24:00', 'UTC', 0)).toThrow(RangeError);
  });
});
