import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from '../core/errors';
import { formatIssues } from '../core/validation';

/**
 * API tokens are configured as SHA-256 hashes (hex) with a name and scopes; the plain token never
 * appears in configuration. `API_TOKENS` is a JSON array of these.
 */
export const TokenConfigSchema = z.strictObject({
  name: z.string().regex(/^[\w.:@-]{1,64}$/, 'must be a short name (letters, digits, _ . : @ -)'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the hex SHA-256 of the token'),
  profiles: z.union([z.literal('*'), z.array(z.string()).min(1)]),
  maxPerRequest: z.int().min(1).max(1000).default(100),
  /** Instances this token may request in any rolling 24 hours. */
  dailyLimit: z.int().min(1).max(100_000).default(1000),
  rawSpec: z.boolean().default(false),
  /** Sees, cancels and releases the batches of every owner (chat users, schedules, other tokens). */
  admin: z.boolean().default(false),
});
export type TokenScope = z.infer<typeof TokenConfigSchema>;

export function parseTokens(text: string | undefined): TokenScope[] {
  if (!text) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError('API_TOKENS: not valid JSON');
  }
  const parsed = z.array(TokenConfigSchema).safeParse(json);
  if (!parsed.success) throw new ConfigError(`API_TOKENS: ${formatIssues(parsed.error.issues)}`);
  const names = new Set<string>();
  for (const t of parsed.data) {
    if (names.has(t.name)) throw new ConfigError(`API_TOKENS: duplicate token name ${t.name}`);
    names.add(t.name);
  }
  return parsed.data;
}

/** What a bearer token may be: 8-512 printable ASCII characters, no spaces (anything else is never accepted). */
export const TOKEN_MIN_LENGTH = 8;
export const TOKEN_MAX_LENGTH = 512;
export const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Find the token's scope. Every configured hash is compared in constant time (no early exit), so the
 * answer's timing says nothing about which tokens exist.
 */
export function authenticate(
  tokens: readonly TokenScope[],
  authorization: string | undefined,
  /** Injected only by the test that proves the structure: every hash compared, equal lengths, no early exit. */
  equal: (a: Buffer, b: Buffer) => boolean = timingSafeEqual,
): TokenScope | undefined {
  const m = /^Bearer (\S+)$/.exec(authorization?.trim() ?? '');
  if (!m || m[1].length < TOKEN_MIN_LENGTH || m[1].length > TOKEN_MAX_LENGTH || !TOKEN_PATTERN.test(m[1])) return undefined;
  const given = Buffer.from(hashToken(m[1]), 'hex');
  let found: TokenScope | undefined;
  for (const t of tokens) {
    if (equal(given, Buffer.from(t.sha256, 'hex')) && !found) found = t;
  }
  return found;
}
