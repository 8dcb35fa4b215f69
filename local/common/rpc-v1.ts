import { createHmac, timingSafeEqual } from 'node:crypto';
import { acsEncode, MAX_SKEW_MS, type Acs3Credential } from './acs3';

/**
 * Server side of the older RPC signature (SignatureVersion 1.0, HMAC-SHA1): every parameter, `Action`
 * and `Version` included, travels in the query string or a form body, and the signature covers them
 * all. As aliyun-python-sdk-core computes it (aliyunsdkcore/auth/composer/rpc_signature_composer.py,
 * the SDK of the original ECS guides) and @alicloud/openapi-core's `getRPCSignature`:
 *   canonical    = sorted parameters (Signature excluded), each `enc(k)=enc(v)`, joined by `&`
 *   stringToSign = METHOD + "&" + enc("/") + "&" + enc(canonical)
 *   Signature    = base64(HMAC-SHA1(secret + "&", stringToSign))
 * where enc is RFC 3986 percent-encoding (the Python SDK's urlencode with `+`->%20, `*`->%2A, %7E->~).
 */

export type RpcV1Failure =
  | { code: 'IncompleteSignature' | 'MissingParameter' | 'SignatureDoesNotMatch' | 'InvalidTimeStamp.Format' | 'InvalidTimeStamp.Expired' | 'SignatureNonceUsed' | 'InvalidSecurityToken.Mismatch'; status: 400; message: string }
  | { code: 'InvalidAccessKeyId.NotFound'; status: 404; message: string };

/** The parameters that sign a call rather than describe it. */
export const RPC_V1_COMMON = ['Action', 'Version', 'Format', 'AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'SignatureType', 'Timestamp', 'SecurityToken'];

export function rpcV1Signature(method: string, params: ReadonlyMap<string, string>, secret: string): string {
  const canonical = [...params.entries()]
    .filter(([k]) => k !== 'Signature')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${acsEncode(k)}=${acsEncode(v)}`)
    .join('&');
  return createHmac('sha1', secret + '&').update(`${method.toUpperCase()}&${acsEncode('/')}&${acsEncode(canonical)}`).digest('base64');
}

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** `yyyy-MM-ddTHH:mm:ssZ` in UTC, as the common parameters require. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Nonces seen within the freshness window: a repeat inside it is a replay. */
export class NonceLog {
  private seen = new Map<string, number>();
  claim(nonce: string, now: number): boolean {
    for (const [n, at] of this.seen) if (now - at > MAX_SKEW_MS) this.seen.delete(n);
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, now);
    return true;
  }
}

export function verifyRpcV1(
  req: { method: string; params: ReadonlyMap<string, string> },
  credentials: ReadonlyMap<string, Acs3Credential>,
  nowMs: number,
  nonces: NonceLog,
): { ok: true; accessKeyId: string } | { ok: false; failure: RpcV1Failure } {
  const p = req.params;
  const fail = (failure: RpcV1Failure) => ({ ok: false as const, failure });
  for (const name of ['AccessKeyId', 'Signature', 'SignatureNonce', 'Timestamp']) {
    if (!p.get(name)) return fail({ code: 'MissingParameter', status: 400, message: `The input parameter "${name}" that is mandatory for processing this request is not supplied.` });
  }
  if ((p.get('SignatureMethod') ?? 'HMAC-SHA1') !== 'HMAC-SHA1' || (p.get('SignatureVersion') ?? '1.0') !== '1.0') {
    return fail({ code: 'IncompleteSignature', status: 400, message: 'The request signature does not conform to Aliyun standards: only SignatureMethod HMAC-SHA1 with SignatureVersion 1.0.' });
  }
  const accessKeyId = p.get('AccessKeyId')!;
  const cred = credentials.get(accessKeyId);
  if (!cred) return fail({ code: 'InvalidAccessKeyId.NotFound', status: 404, message: 'Specified access key is not found.' });
  if (!same(rpcV1Signature(req.method, p, cred.secret), p.get('Signature')!)) {
    return fail({ code: 'SignatureDoesNotMatch', status: 400, message: 'Specified signature is not matched with our calculation.' });
  }
  if (cred.securityToken !== undefined && !same(cred.securityToken, p.get('SecurityToken') ?? '')) {
    return fail({ code: 'InvalidSecurityToken.Mismatch', status: 400, message: 'The security token does not match the AccessKey.' });
  }
  const raw = p.get('Timestamp')!;
  const at = TIMESTAMP.test(raw) ? Date.parse(raw) : NaN;
  if (!Number.isFinite(at)) return fail({ code: 'InvalidTimeStamp.Format', status: 400, message: 'Specified time stamp or date value is not well formatted.' });
  if (Math.abs(nowMs - at) > MAX_SKEW_MS) return fail({ code: 'InvalidTimeStamp.Expired', status: 400, message: 'Specified time stamp or date value is expired.' });
  if (!nonces.claim(`${accessKeyId}\n${p.get('SignatureNonce')}`, nowMs)) {
    return fail({ code: 'SignatureNonceUsed', status: 400, message: 'Specified signature nonce was used already.' });
  }
  return { ok: true, accessKeyId };
}
