/** Wall-clock helpers in the domain's terms; every reading of "now" comes from an injected Clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Waiting, injected beside the clock so that tests and the stand-ins can move time instead of spending it. */
export type Sleep = (ms: number) => Promise<void>;

const UNIT_MS: Record<string, number> = { W: 604_800_000, D: 86_400_000, H: 3_600_000, M: 60_000, S: 1_000 };

/**
 * Milliseconds in an ISO 8601 duration such as `PT9H`, `P1DT2H`, `P2W`. Years and months are refused on
 * purpose: their length depends on the calendar, and a release time must be exact.
 */
export function parseIsoDuration(text: string): number | undefined {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  const [, w, d, h, min, s] = m;
  const parts: Array<[string | undefined, string]> = [[w, 'W'], [d, 'D'], [h, 'H'], [min, 'M'], [s, 'S']];
  let ms = 0;
  for (const [value, unit] of parts) if (value) ms += Number(value) * UNIT_MS[unit];
  return Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
}

/** ECS's `yyyy-MM-ddTHH:mm:ssZ` in UTC, seconds truncated (AutoReleaseTime has minute precision). */
export function toEcsTime(ms: number): string {
  return new Date(Math.floor(ms / 60_000) * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** ECS refuses AutoReleaseTime less than 30 minutes or more than 3 years ahead. */
export const RELEASE_MIN_AHEAD_MS = 30 * 60_000;
export const RELEASE_MAX_AHEAD_MS = 3 * 365 * 86_400_000;

export function releaseWindowProblem(releaseAtMs: number, nowMs: number): string | undefined {
  const ahead = Math.floor(releaseAtMs / 60_000) * 60_000 - nowMs;
  if (ahead < RELEASE_MIN_AHEAD_MS) return 'must be at least 30 minutes in the future (ECS AutoReleaseTime)';
  if (ahead > RELEASE_MAX_AHEAD_MS) return 'must be at most 3 years in the future (ECS AutoReleaseTime)';
  return undefined;
}

// ------------------------------------------------------------------- wall-clock times in a time zone

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock in `timeZone` at `utcMs`, written as if it were UTC (so plain arithmetic works on it). */
function wallClock(utcMs: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(utcMs)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

const offsetAt = (utcMs: number, timeZone: string) => wallClock(utcMs, timeZone) - Math.floor(utcMs / 1000) * 1000;

/**
 * The UTC instant of wall-clock `localMs` (a UTC-encoded local time) in `timeZone`. When the clocks fall
 * back the time exists twice and the earlier wins; when they spring forward it does not exist and the time
 * is pushed forward by the gap (02:30 -> 03:30), the way calendars and Temporal's "compatible" mode do.
 */
function instantOf(localMs: number, timeZone: string): number {
  const before = offsetAt(localMs - UNIT_MS.D, timeZone);
  const after = offsetAt(localMs + UNIT_MS.D, timeZone);
  const fits = [before, after].map((o) => localMs - o).filter((t) => wallClock(t, timeZone) === localMs);
  return fits.length > 0 ? Math.min(...fits) : localMs - before;
}

/**
 * The next instant (epoch ms, strictly after `nowMs`) when the clock in IANA `timeZone` shows `HH:MM`:
 * today if that is still ahead, else tomorrow. Throws RangeError for an unknown time zone (a profile
 * configuration error, validated when profiles load).
 */
export function nextLocalTime(localTime: string, timeZone: string, nowMs: number): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(localTime);
  const [hh, mm] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(hh < 24 && mm < 60)) throw new RangeError(`not a time of day: ${localTime}`);
  const today = new Date(wallClock(nowMs, timeZone));
  for (let days = 0; days <= 2; days++) {
    const local = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + days, hh, mm);
    const at = instantOf(local, timeZone);
    if (at > nowMs) return at;
  }
  /* istanbul ignore next: two days always contain the time */
  throw new RangeError(`cannot place ${localTime} in ${timeZone}`);
}
