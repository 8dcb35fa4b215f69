import type { Log } from '../core/ports';

const SECRET_KEY = /secret|token|authorization|signature|password|credential|sign$/i;

/** Drop values whose key names a secret, at any depth, so a careless field never leaks one. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Structured logs: one JSON line per event, with the request id (and batch id when known). Lines below
 * `level` (LOG_LEVEL, default info) are not written.
 */
export function jsonLog(base: Record<string, unknown>, write: (line: string) => void = (l) => process.stdout.write(l + '\n'), level: LogLevel = 'info'): Log {
  const min = LOG_LEVELS.indexOf(level);
  const emit = (lvl: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (LOG_LEVELS.indexOf(lvl) < min) return;
    const f = fields ? (redact(fields) as Record<string, unknown>) : {};
    // `error` is whatever was thrown: an Error shows its name and message (never its stack), anything else its text.
    if (fields && 'error' in fields) f.error = fields.error instanceof Error ? { name: fields.error.name, message: fields.error.message } : String(fields.error);
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...base, ...f }));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
