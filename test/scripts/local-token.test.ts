import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authenticate, hashToken } from '../../functions/api/auth';
import { localApiTokens, resolveLocalToken, tokenProblem } from '../../scripts/local-token';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'local-token-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the npm start token', () => {
  it('is generated once, kept in the data folder (owner-only) and the same after a restart', () => {
    const first = resolveLocalToken({ dataDir: dir });
    expect(first.source).toBe('new');
    expect(readFileSync(join(dir, 'api-token'), 'utf8').trim()).toBe(first.token);
    expect(statSync(join(dir, 'api-token')).mode & 0o077).toBe(0);
    expect(resolveLocalToken({ dataDir: dir })).toEqual({ token: first.token, source: 'saved' });
  });

  it('is fresh every time with --ephemeral (no data folder), and LOCAL_API_TOKEN wins over a kept one', () => {
    expect(resolveLocalToken({}).token).not.toBe(resolveLocalToken({}).token);
    resolveLocalToken({ dataDir: dir });
    expect(resolveLocalToken({ dataDir: dir, envToken: 'my-own-token-123' })).toEqual({ token: 'my-own-token-123', source: 'env' });
  });

  it('refuses a LOCAL_API_TOKEN the API would never accept, naming the minimum', () => {
    expect(() => resolveLocalToken({ envToken: 'mytoken' })).toThrow('at least 8');
    expect(tokenProblem('has a space')).toMatch(/no spaces/);
    expect(tokenProblem('12345678')).toBeUndefined();
    // The minimum is the API's own: an 8-character token authenticates, a 7-character one never could.
    const tokens = localApiTokens('12345678', undefined);
    expect(authenticate(tokens, 'Bearer 12345678')?.name).toBe('local');
  });

  it('replaces a kept token that has become unusable', () => {
    writeFileSync(join(dir, 'api-token'), 'short\n');
    const t = resolveLocalToken({ dataDir: dir });
    expect(t.source).toBe('new');
    expect(t.token).not.toBe('short');
  });
});

describe('the local API_TOKENS', () => {
  it('hold the admin token first and the scoped ones given in API_TOKENS beside it', () => {
    const extra = JSON.stringify([{ name: 'ci', sha256: hashToken('ci-token-12345678'), profiles: ['demo'], maxPerRequest: 5 }]);
    const tokens = localApiTokens('admin-token-1234', extra);
    expect(tokens.map((t) => [t.name, t.admin])).toEqual([
      ['local', true],
      ['ci', false],
    ]);
    expect(authenticate(tokens, 'Bearer ci-token-12345678')?.maxPerRequest).toBe(5);
  });

  it('refuse API_TOKENS that do not parse or that take the admin token\u2019s name', () => {
    expect(() => localApiTokens('admin-token-1234', '[{')).toThrow('API_TOKENS');
    expect(() => localApiTokens('admin-token-1234', JSON.stringify([{ name: 'local', sha256: hashToken('x-12345678'), profiles: '*' }]))).toThrow('"local"');
  });
});
