/** Wall-clock helpers in the domain's terms; every reading of "now" comes from an injected Clock. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

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
