import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { newToken, startLocalStack, type LocalStack } from '../../scripts/local-stack';
import { smoke } from '../../scripts/smoke';
import { ownBuildRoot } from '../support/build-root';

const ROOT = join(__dirname, '../..');
const TOKEN = newToken();
// Its own build folder: test/e2e/s-yaml.test.ts rebuilds dist/ and must never do it under this stack.
const buildRoot = ownBuildRoot();

// Started as `npm start` starts it (scripts/start.ts calls the same startLocalStack), in memory.
let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ port: 0, token: TOKEN, timers: false, bootSeconds: 1, buildRoot });
}, 120_000);
afterAll(() => stack?.close());

describe('npm run smoke, against the local stack', () => {
  it('passes every check on a working deployment, and creates nothing', async () => {
    const results = await smoke(stack.apiUrl, TOKEN);
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['GET /healthz', true],
      ['GET /openapi.json', true],
      ['GET /healthz?deep=1 (the function role against Tablestore and ECS)', true],
      ['POST /batches dry run (profile demo; ECS DryRun: nothing created, nothing charged)', true],
    ]);
    expect(stack.ecsControl?.instances()).toEqual([]);
  });

  it('says what to fix for a refused token, an unknown profile and a Tablestore that refuses the network', async () => {
    const refused = await smoke(stack.apiUrl, 'not-a-token');
    expect(refused.filter((r) => !r.ok).map((r) => r.fix)).toEqual([
      expect.stringMatching(/a token whose sha256 is in API_TOKENS/),
      expect.stringMatching(/a token whose sha256 is in API_TOKENS/),
    ]);
    const unknown = await smoke(stack.apiUrl, TOKEN, { profile: 'nope' });
    expect(unknown.at(-1)).toMatchObject({ ok: false, fix: expect.stringMatching(/is "nope" one of your LAUNCH_PROFILES/) });

    const fault = stack.tablestoreControl!.addFault({ kind: 'error', operation: 'GetRow', status: 403, code: 'OTSAuthFailed', message: 'Request denied by instance ACL policies.', times: 20 });
    try {
      const acl = await smoke(stack.apiUrl, TOKEN);
      expect(acl[2]).toMatchObject({ ok: false, detail: expect.stringMatching(/tablestore: .*refuses requests from the network/), fix: expect.stringMatching(/allow Internet access on the instance/) });
    } finally {
      stack.tablestoreControl!.removeFault(fault.id);
    }
  });

  it('says when the URL does not answer, and exits non-zero from the command line', async () => {
    const nowhere = await smoke('http://127.0.0.1:9', TOKEN);
    expect(nowhere.every((r) => !r.ok && /no answer/.test(r.detail))).toBe(true);
    const cli = (url: string) => new Promise<{ code: number | null; out: string }>((done) => {
      execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/smoke.ts'), url, TOKEN], { cwd: ROOT }, (error, stdout) =>
        done({ code: error ? (error as { code?: number }).code ?? 1 : 0, out: stdout }));
    });
    const good = await cli(stack.apiUrl);
    expect(good.out).toMatch(/The deployment works\./);
    expect(good.code).toBe(0);
    const bad = await cli('http://127.0.0.1:9');
    expect(bad.out).toMatch(/4 check\(s\) failed\./);
    expect(bad.code).toBe(1);
  }, 60_000);
});
