import { timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import { formatIssues } from '../core/validation';
import type { RejectReason, Rejection } from './types';

/** Header lookup ignoring case: FC hands headers over as the client spelled them. */
export function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && value !== undefined && value !== '') return value;
  }
  return undefined;
}

/**
 * Constant-time string equality. A different length is a plain `false`: timingSafeEqual would throw, and
 * the length of a signature format is public anyway.
 */
export function safeEqual(actual: string, expected: string): boolean {
  const a = Buffer.from(actual, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export const reject = (reason: RejectReason, message: string): Rejection => ({ ok: false, reason, message });

/** Secrets may be rotated: several are accepted while the platform switches over. */
export type Secrets = string | readonly string[];
export const secretList = (s: Secrets): string[] => (typeof s === 'string' ? [s] : [...s]).filter((x) => x !== '');

/**
 * An integer timestamp header within `windowMs` of now, in either direction (a clock ahead of ours is as
 * suspicious as one behind). `unitMs` is 1 for DingTalk's milliseconds, 1000 for Slack's and Feishu's seconds.
 */
export function checkTimestamp(value: string, unitMs: number, nowMs: number, windowMs: number, what: string): Rejection | undefined {
  if (!/^\d{1,16}$/.test(value)) return reject('bad_timestamp', `${what} is not an integer timestamp`);
  const atMs = Number(value) * unitMs;
  if (Math.abs(nowMs - atMs) > windowMs) {
    return reject('stale_timestamp', `${what} is more than ${Math.round(windowMs / 1000)} s away from now`);
  }
  return undefined;
}

export function parseJson(body: Buffer): { ok: true; value: unknown } | Rejection {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return reject('malformed_body', 'body is not JSON');
  }
}

/** A zod failure of a webhook body as one short line (core/validation.ts words it). */
export const describeIssues = (error: { issues: readonly z.core.$ZodIssue[] }): string => formatIssues(error.issues, { max: 3, root: 'body' });

/**
 * `http(s)://127.0.0.1[:port]/...` or `localhost`: where `npm start` and the tests serve reply webhooks.
 * Accepted as a reply URL only when configuration says so (`CHATOPS_ALLOW_LOOPBACK_REPLIES=true`).
 */
export function isLoopbackUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && (url.hostname === '127.0.0.1' || url.hostname === 'localhost') && url.username === '' && url.password === '';
}

/** Options every platform's `parse` takes. */
export interface ParseOptions {
  /** Accept loopback reply URLs (see `isLoopbackUrl`); local runs and tests only. */
  allowLoopbackReplies?: boolean;
}
