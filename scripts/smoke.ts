// `npm run smoke -- <url> <token> [--profile NAME]`: after `npm run deploy`, check the live deployment.
// Creates nothing and is charged nothing: the submission is an ECS DryRun, the deep check only reads.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';

export interface SmokeResult {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do about a failure. */
  fix?: string;
}

interface Answer {
  status: number;
  body: any;
}

async function ask(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Answer> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 30_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text, reported as such
  }
  return { status: res.status, body };
}

const describe = (a: Answer) => `HTTP ${a.status} ${typeof a.body === 'string' ? a.body.slice(0, 200) : JSON.stringify(a.body).slice(0, 400)}`;

export async function smoke(baseUrl: string, token: string, options: { profile?: string } = {}): Promise<SmokeResult[]> {
  const base = baseUrl.replace(/\/+$/, '');
  const auth = { authorization: `Bearer ${token}` };
  const results: SmokeResult[] = [];
  const check = async (name: string, run: () => Promise<Omit<SmokeResult, 'name'>>) => {
    try {
      results.push({ name, ...(await run()) });
    } catch (e) {
      const why = e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e);
      results.push({ name, ok: false, detail: `no answer (${why})`, fix: 'check the URL: the HTTP trigger URL printed by `npm run deploy` (or `npx s info`)' });
    }
  };

  await check('GET /healthz', async () => {
    const a = await ask(`${base}/healthz`);
    return a.status === 200 && a.body?.ok === true
      ? { ok: true, detail: 'alive' }
      : { ok: false, detail: describe(a), fix: 'is this the api function\'s HTTP trigger URL? A non-JSON answer comes from FC itself: see the function\'s logs (`npx s logs -t` or the FC console)' };
  });
  await check('GET /openapi.json', async () => {
    const a = await ask(`${base}/openapi.json`);
    return a.status === 200 && typeof a.body?.openapi === 'string'
      ? { ok: true, detail: `OpenAPI ${a.body.openapi}` }
      : { ok: false, detail: describe(a), fix: 'redeploy with `npm run deploy` (it builds first)' };
  });
  await check('GET /healthz?deep=1 (the function role against Tablestore and ECS)', async () => {
    const a = await ask(`${base}/healthz?deep=1`, { headers: auth });
    if (a.status === 401) return { ok: false, detail: 'the token was refused', fix: 'use a token whose sha256 is in API_TOKENS (README "Deploying")' };
    if (a.status === 200 && a.body?.ok === true) return { ok: true, detail: 'Tablestore and ECS answer the function role' };
    const failed = Array.isArray(a.body?.checks) ? a.body.checks.filter((c: { ok: boolean }) => !c.ok) : [];
    if (failed.length === 0) return { ok: false, detail: describe(a), fix: 'see the function\'s logs' };
    return {
      ok: false,
      detail: failed.map((c: { name: string; problem?: string }) => `${c.name}: ${c.problem}`).join('; '),
      fix: failed.map((c: { name: string; fix?: string }) => `${c.name}: ${c.fix}`).join('; '),
    };
  });
  const profile = options.profile ?? 'demo';
  await check(`POST /batches dry run (profile ${profile}; ECS DryRun: nothing created, nothing charged)`, async () => {
    const a = await ask(`${base}/batches`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': `smoke-${randomUUID()}` },
      body: JSON.stringify({ profile, amount: 1, dryRun: true }),
    });
    if (a.status === 401) return { ok: false, detail: 'the token was refused', fix: 'use a token whose sha256 is in API_TOKENS (README "Deploying")' };
    if (a.status === 200 && a.body?.dryRun === true && a.body.wouldSucceed === true) {
      return { ok: true, detail: `ECS would launch it (${JSON.stringify(a.body.offering)})` };
    }
    if (a.status === 200 && a.body?.dryRun === true) {
      return { ok: false, detail: `ECS would refuse: ${JSON.stringify(a.body.error ?? a.body.capacityFailures)}`, fix: 'a Forbidden/NoPermission code: attach the ECS statement of the README policy to FC_ROLE_ARN; otherwise correct the profile (image, instance types, vSwitches, security group)' };
    }
    return { ok: false, detail: describe(a), fix: `is "${profile}" one of your LAUNCH_PROFILES that this token may use? Pass --profile NAME` };
  });
  return results;
}

if (require.main === module) {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { profile: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help || positionals.length !== 2) {
    console.log('npm run smoke -- <url> <token> [--profile NAME]\n  url: the api HTTP trigger URL; token: an API token (its sha256 is in API_TOKENS); profile: default demo');
    process.exit(values.help ? 0 : 2);
  }
  smoke(positionals[0], positionals[1], { profile: values.profile }).then((results) => {
    for (const r of results) {
      console.log(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.name}: ${r.detail}`);
      if (!r.ok && r.fix) console.log(`      fix: ${r.fix}`);
    }
    const failed = results.filter((r) => !r.ok).length;
    console.log(failed ? `\n${failed} check(s) failed.` : '\nThe deployment works.');
    process.exit(failed ? 1 : 0);
  });
}
