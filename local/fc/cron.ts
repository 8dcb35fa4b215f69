/**
 * FC timer-trigger cron expressions: six fields, seconds first (`0 30 8 * * MON-FRI`), UTC unless
 * prefixed with `CRON_TZ=<IANA zone> `, plus `@every <duration>` and the `@daily`-style shorthands.
 * Field syntax: `*`, `?`, numbers, names (JAN-DEC, SUN-SAT), ranges `a-b`, lists `a,b`, steps `x/n`.
 * Day-of-month and day-of-week combine like robfig/cron (which FC follows): if either is `*` or `?`
 * both must match, otherwise either may.
 */

export interface CronSchedule {
  /** The source expression, as given. */
  readonly expression: string;
  /** First fire strictly after `afterMs` (epoch ms, UTC); undefined if none within five years. */
  next(afterMs: number): number | undefined;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  namesFrom?: number;
}
const FIELDS: FieldSpec[] = [
  { name: 'seconds', min: 0, max: 59 },
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: DAYS, namesFrom: 0 },
];

const SHORTHANDS: Record<string, string> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

export class CronSyntaxError extends Error {
  override name = 'CronSyntaxError';
}

function parseValue(text: string, spec: FieldSpec, expr: string): number {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  const n = named >= 0 ? named + (spec.namesFrom ?? 0) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < spec.min || n > spec.max) {
    throw new CronSyntaxError(`cron "${expr}": ${spec.name} value "${text}" is not in ${spec.min}-${spec.max}`);
  }
  return n;
}

/** The set of allowed values of one field, and whether it was a wildcard (`*` or `?`). */
function parseField(text: string, spec: FieldSpec, expr: string): { values: Set<number>; any: boolean } {
  const values = new Set<number>();
  let any = false;
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === '') throw new CronSyntaxError(`cron "${expr}": bad ${spec.name} "${part}"`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronSyntaxError(`cron "${expr}": bad step in "${part}"`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      if (range === '?' && spec.name !== 'day-of-month' && spec.name !== 'day-of-week') {
        throw new CronSyntaxError(`cron "${expr}": "?" is only allowed in day-of-month and day-of-week`);
      }
      [lo, hi] = [spec.min, spec.name === 'day-of-week' ? 6 : spec.max];
      any ||= stepText === undefined;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      [lo, hi] = [parseValue(a, spec, expr), parseValue(b, spec, expr)];
      if (lo > hi) throw new CronSyntaxError(`cron "${expr}": ${spec.name} range "${range}" runs backwards`);
    } else {
      lo = parseValue(range, spec, expr);
      hi = stepText === undefined ? lo : spec.max;
    }
    for (let v = lo; v <= hi; v += step) values.add(spec.name === 'day-of-week' && v === 7 ? 0 : v);
  }
  return { values, any };
}

/** Go-style duration as `@every` takes it: `30s`, `1m`, `1h30m`, `90s`, `1.5h`. */
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    consumed = re.lastIndex;
  }
  if (consumed !== text.length || text.length === 0 || total <= 0) {
    throw new CronSyntaxError(`duration "${text}" is not like 30s, 1m or 1h30m`);
  }
  return total;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of `zone` from UTC at instant `utcMs`, in ms (Asia/Shanghai: +8 h). */
function zoneOffset(zone: string, utcMs: number): number {
  if (zone === 'UTC') return 0;
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(utcMs)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(utcMs / 1000) * 1000;
}

const MAX_SEARCH_MS = 5 * 366 * 24 * 3_600_000;

export function parseCron(expression: string): CronSchedule {
  let body = expression.trim();
  let zone = 'UTC';
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(body);
  if (tz) {
    zone = tz[1];
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
    } catch {
      throw new CronSyntaxError(`cron "${expression}": unknown time zone "${zone}"`);
    }
    body = body.slice(tz[0].length).trim();
  }
  if (body.startsWith('@every')) {
    const every = parseDuration(body.slice('@every'.length).trim());
    // Like robfig's ConstantDelaySchedule: the previous fire plus the interval, on whole seconds.
    return { expression, next: (after) => Math.floor(after / 1000) * 1000 + Math.max(1000, every - (every % 1000)) };
  }
  body = SHORTHANDS[body] ?? body;
  const parts = body.split(/\s+/);
  if (parts.length !== 6) {
    throw new CronSyntaxError(`cron "${expression}": expected six fields (seconds minutes hours day month weekday), got ${parts.length}`);
  }
  const [sec, min, hour, dom, month, dow] = parts.map((p, i) => parseField(p, FIELDS[i], expression));
  const dayMatches = (d: Date) => {
    const a = dom.values.has(d.getUTCDate());
    const b = dow.values.has(d.getUTCDay());
    return dom.any || dow.any ? a && b : a || b;
  };

  return {
    expression,
    next(afterMs) {
      // Walk wall-clock time in the zone (held in a UTC Date), skipping whole units that cannot match.
      const startWall = Math.floor(afterMs / 1000) * 1000 + zoneOffset(zone, afterMs) + 1000;
      const d = new Date(startWall);
      while (d.getTime() - startWall < MAX_SEARCH_MS) {
        if (!month.values.has(d.getUTCMonth() + 1)) {
          d.setUTCMonth(d.getUTCMonth() + 1, 1);
          d.setUTCHours(0, 0, 0);
        } else if (!dayMatches(d)) {
          d.setUTCDate(d.getUTCDate() + 1);
          d.setUTCHours(0, 0, 0);
        } else if (!hour.values.has(d.getUTCHours())) {
          d.setUTCHours(d.getUTCHours() + 1, 0, 0);
        } else if (!min.values.has(d.getUTCMinutes())) {
          d.setUTCMinutes(d.getUTCMinutes() + 1, 0);
        } else if (!sec.values.has(d.getUTCSeconds())) {
          d.setUTCSeconds(d.getUTCSeconds() + 1);
        } else {
          const wall = d.getTime();
          const utc = wall - zoneOffset(zone, wall - zoneOffset(zone, wall));
          // A wall time skipped by a DST jump does not exist: move on; otherwise it is the answer.
          if (utc + zoneOffset(zone, utc) === wall && utc > afterMs) return utc;
          d.setUTCSeconds(d.getUTCSeconds() + 1);
        }
      }
      return undefined;
    },
  };
}
