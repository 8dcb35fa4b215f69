import { ecsError, type EcsErrorCode } from './errors';

const SEQUENCE = /\[(\d+),(\d+)\]/;

/**
 * Names for a batch, as the real RunInstances makes them: `prefix[begin,bits]suffix` counts from
 * `begin` padded to `bits` digits; otherwise `UniqueSuffix` appends 001, 002, ...; otherwise every
 * instance gets the same name.
 */
export function expandNames(pattern: string, count: number, uniqueSuffix: boolean, code: EcsErrorCode): string[] {
  const m = SEQUENCE.exec(pattern);
  if (m) {
    const begin = Number(m[1]);
    const bits = Number(m[2]);
    if (bits < 1 || bits > 6) throw ecsError(code, `The sequence ${m[0]} in "${pattern}" is not valid: bits must be 1-6.`);
    return Array.from({ length: count }, (_, i) => pattern.replace(SEQUENCE, String(begin + i).padStart(bits, '0')));
  }
  if (uniqueSuffix && count > 1) return Array.from({ length: count }, (_, i) => pattern + String(i + 1).padStart(3, '0'));
  return Array.from({ length: count }, () => pattern);
}

const INSTANCE_NAME = /^[\p{L}][\p{L}\p{N}:_.\-]{1,127}$/u;
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9.\-]{0,62}[A-Za-z0-9]$/;

export function checkInstanceName(name: string): void {
  if (!INSTANCE_NAME.test(name)) throw ecsError('InvalidInstanceName.Malformed', `The specified InstanceName "${name}" is not valid.`);
}

export function checkHostName(name: string): void {
  if (!HOST_NAME.test(name) || name.includes('..')) throw ecsError('InvalidHostName.Malformed', `The specified HostName "${name}" is not valid.`);
}
