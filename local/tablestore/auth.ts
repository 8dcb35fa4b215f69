import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { authFailed, parameterInvalid, type OtsError } from './errors';

/**
 * Tablestore request authentication as the SDK signs (lib/signer.js): base64 HMAC-SHA1 with the
 * AccessKey secret over `path \n POST \n \n <sorted x-ots-* headers> \n`, plus the body's MD5 in
 * `x-ots-contentmd5`. A missing header is 400 OTSParameterInvalid; every other failure is 403
 * OTSAuthFailed, as in the cloud.
 */

export interface Credential {
  secret: string;
  /** An STS key must come with this exact `x-ots-ststoken`. */
  securityToken?: string;
}

export interface SignedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Tablestore rejects requests whose x-ots-date is more than 15 minutes from its own time. */
export const MAX_DATE_SKEW_MS = 15 * 60 * 1000;
const REQUIRED = ['x-ots-accesskeyid', 'x-ots-signature', 'x-ots-contentmd5', 'x-ots-date', 'x-ots-apiversion', 'x-ots-instancename'];

const header = (h: IncomingHttpHeaders, name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
};

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  // Compare lengths first (timingSafeEqual needs equal sizes); the contents in constant time.
  return x.length === y.length && timingSafeEqual(x, y);
}

export function stringToSign(req: SignedRequest): string {
  const names = Object.keys(req.headers)
    .filter((n) => n.startsWith('x-ots-') && n !== 'x-ots-signature')
    .sort();
  const canonical = names.map((n) => `${n}:${header(req.headers, n)}`).join('\n');
  return `${req.path}\nPOST\n\n${canonical}\n`;
}

export function sign(secret: string, text: string): string {
  return createHmac('sha1', secret).update(text).digest('base64');
}

/** Undefined when the request is authentic, else the error to answer with. */
export function verifyRequest(
  req: SignedRequest,
  credentials: ReadonlyMap<string, Credential>,
  instanceName: string,
  wallClockMs: number,
): OtsError | undefined {
  const missing = REQUIRED.find((h) => !header(req.headers, h));
  // A request without its auth headers is malformed (400), not a failed check (403).
  if (missing) return parameterInvalid(`Missing header: '${missing}'.`);
  const md5 = createHash('md5').update(req.body).digest('base64');
  if (!sameText(md5, header(req.headers, 'x-ots-contentmd5'))) {
    return authFailed('Mismatch between MD5 value of request body and x-ots-contentmd5 in header.');
  }
  const cred = credentials.get(header(req.headers, 'x-ots-accesskeyid'));
  if (!cred) return authFailed('The AccessKeyId does not exist.');
  if (!sameText(sign(cred.secret, stringToSign(req)), header(req.headers, 'x-ots-signature'))) {
    return authFailed('Signature mismatch.');
  }
  if (cred.securityToken !== undefined && !sameText(cred.securityToken, header(req.headers, 'x-ots-ststoken'))) {
    return authFailed('The security token is invalid.');
  }
  if (header(req.headers, 'x-ots-instancename') !== instanceName) {
    return authFailed(`Instance not found: '${header(req.headers, 'x-ots-instancename')}'.`);
  }
  const date = Date.parse(header(req.headers, 'x-ots-date'));
  if (!Number.isFinite(date) || Math.abs(wallClockMs - date) > MAX_DATE_SKEW_MS) {
    return authFailed('Mismatch between system time and x-ots-date.');
  }
  return undefined;
}
