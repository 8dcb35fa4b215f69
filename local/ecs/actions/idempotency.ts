import { ecsError } from '../errors';
import type { Params } from '../params';
import type { ActionContext } from './context';

/**
 * ClientToken semantics of the real API: same token and same parameters return the first answer and
 * create nothing; same token with other parameters is IdempotentParameterMismatch. Tokens belong to
 * the caller's AccessKey and to the action. A DryRun never consults nor records a token.
 */
export function clientTokenFor(p: Params, ctx: ActionContext, action: string, dryRun: boolean) {
  const token = p.str('ClientToken');
  if (token !== undefined && (token.length > 64 || !/^[\x20-\x7e]+$/.test(token))) {
    throw ecsError('InvalidParameter', 'The specified ClientToken is not valid: ASCII, at most 64 characters.');
  }
  const key = token === undefined || dryRun ? undefined : `${action}\n${ctx.accessKeyId}\n${token}`;
  const fingerprint = p.fingerprint(['ClientToken']);
  const seen = key === undefined ? undefined : ctx.state.tokens.get(key);
  if (seen && seen.fingerprint !== fingerprint) throw ecsError('IdempotentParameterMismatch');
  return {
    token,
    /** The answer given the first time, if this is a repeat. */
    previous: seen ? structuredClone(seen.response) : undefined,
    remember(response: Record<string, unknown>): void {
      if (key !== undefined) ctx.state.tokens.set(key, { fingerprint, response: structuredClone(response) });
    },
  };
}
