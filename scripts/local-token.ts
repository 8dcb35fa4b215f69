import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashToken, parseTokens, TOKEN_MAX_LENGTH, TOKEN_MIN_LENGTH, TOKEN_PATTERN, type TokenScope } from '../functions/api/auth';

/**
 * The `npm start` API token: whoever runs the stack owns it, so it is an admin token. It is kept in the
 * data folder, so yesterday's scripts still work after a restart (unless `--ephemeral`), and
 * `LOCAL_API_TOKEN` chooses one. `API_TOKENS` (the format FC reads) adds scoped tokens beside it.
 */

/** The admin token's name in API_TOKENS (and the owner of the batches it creates). */
export const LOCAL_TOKEN_NAME = 'local';
const FILE = 'api-token';

export const newToken = () => `local-${randomBytes(18).toString('base64url')}`;

/** Why a chosen token could never be accepted by the API, or undefined if it is fine. */
export function tokenProblem(token: string): string | undefined {
  if (token.length < TOKEN_MIN_LENGTH) return `LOCAL_API_TOKEN is ${token.length} characters; the API only accepts tokens of at least ${TOKEN_MIN_LENGTH} (printable ASCII, no spaces)`;
  if (token.length > TOKEN_MAX_LENGTH) return `LOCAL_API_TOKEN is longer than ${TOKEN_MAX_LENGTH} characters`;
  if (!TOKEN_PATTERN.test(token)) return 'LOCAL_API_TOKEN may only hold printable ASCII characters, no spaces';
  return undefined;
}

export interface LocalToken {
  token: string;
  /** env: LOCAL_API_TOKEN; saved: read back from the data folder; new: generated now (and saved, unless ephemeral). */
  source: 'env' | 'saved' | 'new';
}

/** The token to serve, from LOCAL_API_TOKEN, the data folder, or a new one. Throws when LOCAL_API_TOKEN cannot work. */
export function resolveLocalToken(opts: { envToken?: string; dataDir?: string }): LocalToken {
  if (opts.envToken) {
    const problem = tokenProblem(opts.envToken);
    if (problem) throw new Error(problem);
    return { token: opts.envToken, source: 'env' };
  }
  if (!opts.dataDir) return { token: newToken(), source: 'new' };
  const path = join(opts.dataDir, FILE);
  try {
    const saved = readFileSync(path, 'utf8').trim();
    if (tokenProblem(saved) === undefined) return { token: saved, source: 'saved' };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const token = newToken();
  mkdirSync(opts.dataDir, { recursive: true });
  try {
    // Exclusive create: of two starts racing on a fresh folder (the second is refused by the data-folder
    // lock right after), the first token written is the one kept, and both print it.
    writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const saved = readFileSync(path, 'utf8').trim();
    if (tokenProblem(saved) === undefined) return { token: saved, source: 'saved' };
    writeFileSync(path, `${token}\n`, { mode: 0o600 }); // an unusable one is replaced
  }
  chmodSync(path, 0o600);
  return { token, source: 'new' };
}

/** API_TOKENS for the local api: the admin token, then the scoped ones given in `extra` (FC's format). */
export function localApiTokens(adminToken: string, extra: string | undefined): TokenScope[] {
  const scoped = parseTokens(extra);
  if (scoped.some((t) => t.name === LOCAL_TOKEN_NAME)) throw new Error(`API_TOKENS: the name "${LOCAL_TOKEN_NAME}" is npm start's own admin token; choose another`);
  const admin: TokenScope = { name: LOCAL_TOKEN_NAME, sha256: hashToken(adminToken), profiles: '*', maxPerRequest: 1000, dailyLimit: 100_000, rawSpec: true, admin: true };
  return [admin, ...scoped];
}
