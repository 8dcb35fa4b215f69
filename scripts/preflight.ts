// `npm run preflight`: offline checks before `npm run deploy`. Each problem is named with its fix; any
// problem exits non-zero. Nothing here talks to Alibaba Cloud: `npm run smoke` checks the live deployment.
import Ajv from 'ajv';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadApiConfig } from '../functions/api/config';
import { CloudEnvSchema, loadProfiles, parseEnv } from '../functions/cloud/env';
import { SweeperEnvSchema } from '../functions/sweeper/config';
import { renderSYaml } from '../local/fc/render';
import { FUNCTIONS } from './build';
import { withDotEnv } from './dotenv';

const ROOT = resolve(__dirname, '..');

export interface Problem {
  check: string;
  problem: string;
  fix: string;
}

export interface PreflightOptions {
  /** Project folder holding s.yaml, schemas/, functions/ and dist/ (default: this repository). */
  root?: string;
  /** Variables laid over process.env for the render (tests). */
  env?: Record<string, string | undefined>;
  /** Render where s.yaml is, reading the `.env` beside it, as `s deploy` does (default true). */
  inPlace?: boolean;
  /** Where `s config add` keeps credentials: `<home>/.s/access.yaml` (default: the user's home). */
  home?: string;
}

export interface PreflightReport {
  passed: string[];
  problems: Problem[];
}

type Props = Record<string, any>;
type Doc = { access?: string; resources?: Record<string, { component?: string; props?: Props }> };

/** FC 3.0 caps a function's environment variables at 4 KB in total (FC environment variable docs). */
export const ENV_LIMIT_BYTES = 4096;
const ROLE_ARN = /^acs:ram::(\d{5,32}):role\/[A-Za-z0-9._@+=,-]{1,64}$/;
/** Public `https://<instance>.<region>.ots.aliyuncs.com`, VPC `https://<instance>.<region>.vpc.tablestore.aliyuncs.com` (Tablestore endpoints docs). */
const TABLESTORE_HOST = /^([a-zA-Z][a-zA-Z0-9-]{2,15})\.([a-z0-9-]+)\.(ots\.aliyuncs\.com|ots-internal\.aliyuncs\.com|vpc\.tablestore\.aliyuncs\.com|tablestore\.aliyuncs\.com)$/;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Bytes FC counts for one function's variables: every name and value, UTF-8. */
export function environmentBytes(vars: Record<string, unknown>): number {
  return Object.entries(vars).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(String(v ?? '')), 0);
}

/** `s` finds credentials for an access alias in ~/.s/access.yaml (`s config add`) or in the environment. */
export function checkCredentials(alias: string, env: Record<string, string | undefined>, home: string): Problem | undefined {
  if (env.ALIBABA_CLOUD_ACCESS_KEY_ID && env.ALIBABA_CLOUD_ACCESS_KEY_SECRET) return undefined;
  const file = join(home, '.s', 'access.yaml');
  let entry: unknown;
  try {
    entry = (parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown> | null)?.[alias];
  } catch {
    entry = undefined;
  }
  const ok = entry !== null && typeof entry === 'object' && 'AccessKeyID' in entry && 'AccessKeySecret' in entry;
  if (ok) return undefined;
  return {
    check: 's credentials',
    problem: `no credentials for access "${alias}" (s.yaml access:) in ${file}, and ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET are not set`,
    fix: `run \`npx s config add -a ${alias}\` (AccountID, AccessKeyID, AccessKeySecret of a RAM user allowed to deploy), or export the two variables`,
  };
}

function newestMtime(dir: string): { path: string; mtimeMs: number } | undefined {
  let newest: { path: string; mtimeMs: number } | undefined;
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else {
        const m = statSync(p).mtimeMs;
        if (!newest || m > newest.mtimeMs) newest = { path: p, mtimeMs: m };
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return newest;
}

/** `npm run deploy` builds first (s.yaml pre-deploy); this catches `s deploy --skip-actions` on an old dist/. */
export function checkBuild(root: string): Problem | undefined {
  const source = newestMtime(join(root, 'functions'));
  for (const fn of FUNCTIONS) {
    const bundle = join(root, 'dist', fn, 'bundle.js');
    if (!existsSync(bundle) || !existsSync(join(root, 'dist', fn, 'index.js'))) {
      return { check: 'build', problem: `dist/${fn}/ holds no build`, fix: 'run `npm run build` (`npm run deploy` does it first)' };
    }
    if (source && statSync(bundle).mtimeMs < source.mtimeMs) {
      return {
        check: 'build',
        problem: `dist/${fn}/bundle.js is older than ${source.path.slice(root.length + 1)}`,
        fix: 'run `npm run build` (`npm run deploy` does it first; `s deploy --skip-actions` would upload the old code)',
      };
    }
  }
  return undefined;
}

/** The function configuration as each function checks it at cold start, plus what only a deploy can get wrong. */
export function checkFunction(name: string, props: Props, root: string, problems: Problem[] = []): Problem[] {
  const vars = (props.environmentVariables ?? {}) as Record<string, string>;
  const at = `${name} (${props.functionName})`;
  const add = (problem: string, fix: string) => problems.push({ check: at, problem, fix });

  const reserved = Object.keys(vars).filter((k) => k.startsWith('FC_'));
  if (reserved.length) add(`environment variables ${reserved.join(', ')} use the prefix FC_, which FC reserves`, 'rename them in s.yaml and in functions/');
  const bytes = environmentBytes(vars);
  if (bytes > ENV_LIMIT_BYTES) {
    add(`environment variables take ${bytes} bytes; FC allows ${ENV_LIMIT_BYTES} per function`,
      'move LAUNCH_PROFILES into a file (LAUNCH_PROFILES_FILE, copied into the code folder by the build) or shorten API_TOKENS');
  }
  if (!ROLE_ARN.test(String(props.role ?? ''))) {
    add(`role "${props.role}" is not a RAM role ARN (acs:ram::<account id>:role/<name>)`, 'set FC_ROLE_ARN to the ARN shown on the role\'s page in the RAM console');
  } else if (/^acs:ram::0+:/.test(props.role)) {
    add(`role "${props.role}" belongs to no account`, 'set FC_ROLE_ARN to a role of your account');
  }

  // As the function reads it at cold start, from the project folder the build copies the file from.
  const coldStart = { ...vars };
  const file = vars.LAUNCH_PROFILES_FILE;
  if (file && !vars.LAUNCH_PROFILES) {
    const rel = normalize(file);
    if (isAbsolute(file) || rel.startsWith('..' + sep) || rel === '..') {
      add(`LAUNCH_PROFILES_FILE "${file}" is outside the project folder: FC uploads only the code folder`,
        'name a file inside this folder, relative to it (e.g. launch-profiles.json); the build copies it into dist/<function>/');
      delete coldStart.LAUNCH_PROFILES_FILE;
    }
  }
  let cloud: ReturnType<typeof parseEnv<typeof CloudEnvSchema>> | undefined;
  try {
    cloud = parseEnv(CloudEnvSchema, coldStart);
    if (name === 'api') {
      const api = loadApiConfig(coldStart, root);
      if (api.tokens.length === 0) add('API_TOKENS holds no token: nobody can call the API', 'add a token: README "Deploying" shows how to make one (sha256 of a secret)');
      if (api.submitLeaseMs <= Number(props.timeout) * 1000) {
        add(`SUBMIT_LEASE_SECONDS (${api.submitLeaseMs / 1000}) is not above the api timeout (${props.timeout} s): the sweeper could take over a batch the api is still submitting`, 'leave SUBMIT_LEASE_SECONDS unset (120) or set it above the timeout');
      }
    } else {
      parseEnv(SweeperEnvSchema, coldStart);
      loadProfiles(coldStart, root);
    }
  } catch (e) {
    add(message(e), 'fix that variable in .env (or the environment) and run preflight again');
  }
  if (!cloud) return problems;

  const host = new URL(cloud.TABLESTORE_ENDPOINT).hostname;
  const m = TABLESTORE_HOST.exec(host);
  if (!m) {
    add(`TABLESTORE_ENDPOINT ${cloud.TABLESTORE_ENDPOINT} is not a Tablestore endpoint`,
      'copy the endpoint from the instance page in the Tablestore console: https://<instance>.<region>.ots.aliyuncs.com (public) or https://<instance>.<region>.vpc.tablestore.aliyuncs.com (VPC)');
    return problems;
  }
  if (m[1] !== cloud.TABLESTORE_INSTANCE) {
    add(`TABLESTORE_ENDPOINT names instance "${m[1]}" but TABLESTORE_INSTANCE is "${cloud.TABLESTORE_INSTANCE}"`, 'set both to the same instance');
  }
  if (props.region && m[2] !== props.region) {
    add(`TABLESTORE_ENDPOINT is in ${m[2]} but the functions deploy to ${props.region}`, 'set ALIBABA_CLOUD_REGION to the instance\'s region, or use an instance in the functions\' region');
  }
  if (cloud.TABLESTORE_ENDPOINT.startsWith('http:')) add('TABLESTORE_ENDPOINT uses http', 'use https://');
  const vpc = (props.vpcConfig ?? {}) as { vpcId?: string; vSwitchIds?: string[]; securityGroupId?: string };
  if (m[3] === 'vpc.tablestore.aliyuncs.com' && !vpc.vpcId) {
    add('TABLESTORE_ENDPOINT is a VPC endpoint but the functions have no VPC (VPC_ID unset)',
      'set VPC_ID, VSWITCH_IDS and SECURITY_GROUP_ID to a VPC bound to the instance, or use the public endpoint with Internet access switched on');
  }
  if (m[3] === 'ots-internal.aliyuncs.com') {
    add('TABLESTORE_ENDPOINT is a classic-network endpoint, which FC functions cannot reach',
      'use the VPC endpoint (with VPC_ID, VSWITCH_IDS, SECURITY_GROUP_ID) or the public endpoint');
  }
  if (vpc.vpcId || vpc.securityGroupId || vpc.vSwitchIds?.length) {
    if (!/^vpc-[a-z0-9]+$/.test(vpc.vpcId ?? '') || !vpc.vSwitchIds?.length || !vpc.vSwitchIds.every((v) => /^vsw-[a-z0-9]+$/.test(v)) || !/^sg-[a-z0-9]+$/.test(vpc.securityGroupId ?? '')) {
      add(`the VPC settings are incomplete or malformed: VPC_ID "${vpc.vpcId ?? ''}", VSWITCH_IDS "${(vpc.vSwitchIds ?? []).join(',')}", SECURITY_GROUP_ID "${vpc.securityGroupId ?? ''}"`,
        'set all three (vpc-..., comma-separated vsw-..., sg-...) or none');
    }
  }
  return problems;
}

export async function preflight(options: PreflightOptions = {}): Promise<PreflightReport> {
  const root = options.root ?? ROOT;
  const inPlace = options.inPlace ?? true;
  // What `s` will see: the shell over the `.env` beside s.yaml (read only when rendering in place).
  const env = inPlace ? withDotEnv(root, { ...process.env, ...options.env }) : { ...process.env, ...options.env };
  const problems: Problem[] = [];
  const passed: string[] = [];
  const step = (name: string, before: number) => {
    if (problems.length === before) passed.push(name);
  };

  let doc: Doc | undefined;
  try {
    doc = (await renderSYaml(join(root, 's.yaml'), { env: options.env, inPlace })) as Doc;
    passed.push('s.yaml renders (Serverless Devs `s preview`)');
  } catch (e) {
    problems.push({ check: 's.yaml', problem: message(e), fix: 'set the variable it names in .env (copy .env.example) or the environment' });
  }

  if (doc) {
    let before = problems.length;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(join(root, 'schemas/fc3-s-schema.json'), 'utf8')));
    const fc3 = Object.entries(doc.resources ?? {}).filter(([, r]) => r.component === 'fc3');
    for (const [name, r] of fc3) {
      if (!validate(r.props)) {
        for (const err of validate.errors ?? []) {
          problems.push({ check: `${name} props`, problem: `${err.instancePath || '/'} ${err.message}`, fix: 'correct s.yaml (schema: schemas/fc3-s-schema.json)' });
        }
      }
    }
    step('each function\'s props match the fc3 schema', before);
    before = problems.length;
    for (const [name, r] of fc3) checkFunction(name, r.props ?? {}, root, problems);
    step('variables present and well-formed (as the functions check them at cold start), role, Tablestore, VPC, no FC_ names, environment under 4 KB', before);
  }

  const before = problems.length;
  const cred = checkCredentials(doc?.access ?? 'default', env, options.home ?? homedir());
  if (cred) problems.push(cred);
  step('s credentials configured', before);

  const build = checkBuild(root);
  if (build) problems.push(build);
  else passed.push('the build is newer than the sources');
  return { passed, problems };
}

if (require.main === module) {
  preflight().then(
    ({ passed, problems }) => {
      for (const p of passed) console.log(`ok    ${p}`);
      for (const p of problems) console.log(`FAIL  ${p.check}: ${p.problem}\n      fix: ${p.fix}`);
      console.log(problems.length ? `\n${problems.length} problem(s): fix them, then run npm run preflight again.` : '\nReady: npm run deploy');
      process.exit(problems.length ? 1 : 0);
    },
    (e) => {
      console.error(`preflight: ${message(e)}`);
      process.exit(2);
    },
  );
}
