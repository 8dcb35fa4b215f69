import { ecsError, type EcsErrorCode } from './errors';

/**
 * Query parameters of one RPC call. Everything arrives as a string; lists are flattened as
 * `Name.N` (`InstanceId.1`) or `Name.N.Field` (`Tag.1.Key`), objects as `Name.Field`.
 */
export class Params {
  constructor(private readonly query: ReadonlyMap<string, string>) {}

  has(name: string): boolean {
    return this.query.has(name);
  }

  str(name: string): string | undefined {
    const v = this.query.get(name);
    return v === undefined || v === '' ? undefined : v;
  }

  required(name: string): string {
    const v = this.str(name);
    if (v === undefined) {
      throw ecsError('MissingParameter', `The input parameter "${name}" that is mandatory for processing this request is not supplied.`);
    }
    return v;
  }

  int(name: string, range: { min: number; max: number }, fallback: number): number;
  int(name: string, range: { min: number; max: number }): number | undefined;
  int(name: string, range: { min: number; max: number }, fallback?: number): number | undefined {
    const raw = this.str(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw) || n < range.min || n > range.max) {
      throw ecsError('InvalidParameter', `The specified parameter "${name}" is not valid: ${raw} (expected an integer ${range.min}-${range.max}).`);
    }
    return n;
  }

  number(name: string): number | undefined {
    const raw = this.str(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw ecsError('InvalidParameter', `The specified parameter "${name}" is not valid: ${raw}.`);
    return n;
  }

  bool(name: string): boolean {
    const raw = this.str(name);
    if (raw === undefined) return false;
    if (raw !== 'true' && raw !== 'false') throw ecsError('InvalidParameter', `The specified parameter "${name}" is not valid: ${raw}.`);
    return raw === 'true';
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T, code: EcsErrorCode = 'InvalidParameter'): T {
    const raw = this.str(name);
    if (raw === undefined) return fallback;
    if (!(values as readonly string[]).includes(raw)) throw ecsError(code, `The specified parameter "${name}" is not valid: ${raw}.`);
    return raw as T;
  }

  /** `Name.1`, `Name.2`, ... in index order. */
  list(name: string): string[] {
    return this.indexed(name)
      .map(([, v]) => v)
      .filter((v) => v !== '');
  }

  /** `Name.1.Field`, ... grouped per index: `Tag.1.Key` -> `[{ Key }]`. */
  objectList(name: string): Record<string, string>[] {
    const groups = new Map<number, Record<string, string>>();
    const re = new RegExp(`^${escape(name)}\\.(\\d+)\\.(.+)$`);
    for (const [k, v] of this.query) {
      const m = re.exec(k);
      if (!m) continue;
      const i = Number(m[1]);
      groups.set(i, { ...groups.get(i), [m[2]]: v });
    }
    return [...groups.entries()].sort(([a], [b]) => a - b).map(([, g]) => g);
  }

  /** A JSON array sent as one string, as `DescribeInstances.InstanceIds`. */
  jsonList(name: string): string[] | undefined {
    const raw = this.str(name);
    if (raw === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw ecsError('InvalidParameter', `The specified parameter "${name}" is not a valid JSON array.`);
    }
    if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) {
      throw ecsError('InvalidParameter', `The specified parameter "${name}" is not a valid JSON array of strings.`);
    }
    return parsed;
  }

  /** Every parameter but the ones named, in a stable order: what "same parameters" means for a ClientToken. */
  fingerprint(except: string[]): string {
    return JSON.stringify([...this.query.entries()].filter(([k]) => !except.includes(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  private indexed(name: string): [number, string][] {
    const re = new RegExp(`^${escape(name)}\\.(\\d+)$`);
    const out: [number, string][] = [];
    for (const [k, v] of this.query) {
      const m = re.exec(k);
      if (m) out.push([Number(m[1]), v]);
    }
    return out.sort(([a], [b]) => a - b);
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
