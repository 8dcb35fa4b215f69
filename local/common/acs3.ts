import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Server side of Alibaba Cloud's ACS3-HMAC-SHA256 signature, as @alicloud/openapi-core computes it
 * (dist/utils.js getAuthorization). Shared by the ECS emulator (RPC) and the local FC API (ROA).
 */

export interface Acs3Credential {
  secret: string;
  /** When set, requests with this key must carry the same `x-acs-security-token` (STS). */
  securityToken?: string;
}

export type Acs3Failure =
  | { code: 'MissingAuthorization' | 'InvalidAuthorization'; status: 400 }
  | { code: 'InvalidAccessKeyId.NotFound'; status: 404 }
  | { code: 'InvalidSecurityToken.Mismatch'; status: 400 }
  | { code: 'SignatureDoesNotMatch'; status: 400 }
  | { code: 'InvalidTimeStamp.Expired'; status: 400 };

export interface Acs3Request {
  method: string;
  /** The raw request target, e.g. `/?Amount=2&RegionId=cn-hangzhou`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** RFC 3986 strict: encodeURIComponent plus `!'()*`, exactly as the SDK signs. */
export function acsEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  if (v === undefined) return '';
  return Array.isArray(v) ? v.map((x) => x.trim()).sort().join(',') : v.trim();
}

/** Decoded query parameters of a request target (the wire text is never reused for signing). */
export function parseQuery(url: string): Map<string, string> {
  const q = url.indexOf('?');
  const params = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const out = new Map<string, string>();
  for (const [k, v] of params) out.set(k, v);
  return out;
}

export function canonicalRequest(req: Acs3Request, signedHeaders: string[]): string {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = [...parseQuery(req.url).entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${acsEncode(v)}`)
    .join('&');
  const headers = signedHeaders.map((h) => `${h}:${headerValue(req.headers, h)}\n`).join('');
  return [req.method, path || '/', query, headers, signedHeaders.join(';'), sha256Hex(req.body)].join('\n');
}

export function acs3Signature(canonical: string, secret: string): string {
  const stringToSign = 'ACS3-HMAC-SHA256\n' + sha256Hex(canonical);
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}

const AUTH = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]*),Signature=([0-9a-f]+)$/;
/** Real gateways reject requests whose x-acs-date is more than 15 minutes off. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

/**
 * Verify a request. Returns the AccessKey id on success or the real gateway's error code.
 * Only `host`, `content-type` and `x-acs-*` may be signed, and all `x-acs-*` headers must be.
 */
export function verifyAcs3(
  req: Acs3Request,
  credentials: ReadonlyMap<string, Acs3Credential>,
  nowMs: number,
): { ok: true; accessKeyId: string } | { ok: false; failure: Acs3Failure } {
  const auth = headerValue(req.headers, 'authorization');
  if (!auth) return { ok: false, failure: { code: 'MissingAuthorization', status: 400 } };
  const m = AUTH.exec(auth);
  if (!m) return { ok: false, failure: { code: 'InvalidAuthorization', status: 400 } };
  const [, accessKeyId, signedList, signature] = m;
  const cred = credentials.get(accessKeyId);
  if (!cred) return { ok: false, failure: { code: 'InvalidAccessKeyId.NotFound', status: 404 } };

  const signed = signedList.split(';').filter(Boolean);
  const allowed = signed.every((h) => h === 'host' || h === 'content-type' || h.startsWith('x-acs-'));
  const unsignedAcs = Object.keys(req.headers).some((h) => h.startsWith('x-acs-') && !signed.includes(h));
  if (!allowed || unsignedAcs || !signed.includes('x-acs-date')) {
    return { ok: false, failure: { code: 'SignatureDoesNotMatch', status: 400 } };
  }
  const declaredHash = headerValue(req.headers, 'x-acs-content-sha256');
  if (declaredHash && declaredHash !== sha256Hex(req.body)) {
    return { ok: false, failure: { code: 'SignatureDoesNotMatch', status: 400 } };
  }
  const expected = Buffer.from(acs3Signature(canonicalRequest(req, signed), cred.secret), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, failure: { code: 'SignatureDoesNotMatch', status: 400 } };
  }
  if (cred.securityToken !== undefined) {
    const token = Buffer.from(headerValue(req.headers, 'x-acs-security-token'));
    const want = Buffer.from(cred.securityToken);
    if (token.length !== want.length || !timingSafeEqual(token, want)) {
      return { ok: false, failure: { code: 'InvalidSecurityToken.Mismatch', status: 400 } };
    }
  }
  const date = Date.parse(headerValue(req.headers, 'x-acs-date'));
  if (!Number.isFinite(date) || Math.abs(nowMs - date) > MAX_SKEW_MS) {
    return { ok: false, failure: { code: 'InvalidTimeStamp.Expired', status: 400 } };
  }
  return { ok: true, accessKeyId };
}
