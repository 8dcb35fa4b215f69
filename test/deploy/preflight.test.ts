import { cpSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashToken } from '../../functions/api/auth';
import { buildFunctions } from '../../scripts/build';
import { withDotEnv } from '../../scripts/dotenv';
import { checkBuild, checkCredentials, checkFunction, ENV_LIMIT_BYTES, preflight, type Problem } from '../../scripts/preflight';

// Each preflight renders s.yaml with `s` (one process): seconds on a loaded machine.
jest.setTimeout(60_000);

const ROOT = join(__dirname, '../..');
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `i11-${prefix}-`));

/** A home where `s config add` has stored the default access. */
function configuredHome(): string {
  const home = tmp('home');
  mkdirSync(join(home, '.s'));
  writeFileSync(join(home, '.s', 'access.yaml'), 'default:\n  AccessKeyID: U2FsdGVkX1\n  AccessKeySecret: U2FsdGVkX2\n  AccountID: U2FsdGVkX3\n');
  return home;
}

/** Everything s.yaml reads, unset, so a developer's shell cannot change what preflight sees here. */
const UNSET = Object.fromEntries([...readFileSync(join(ROOT, 's.yaml'), 'utf8').matchAll(/env\('([A-Z0-9_]+)'/g)].map((m) => [m[1], undefined]));
const GOOD: Record<string, string | undefined> = {
  ...UNSET,
  ALIBABA_CLOUD_ACCESS_KEY_ID: undefined,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: undefined,
  FC_ROLE_ARN: 'acs:ram::1234567890123456:role/ecs-batch',
  TABLESTORE_ENDPOINT: 'https://ecsbatch.cn-hangzhou.ots.aliyuncs.com',
  TABLESTORE_INSTANCE: 'ecsbatch',
  API_TOKENS: JSON.stringify([{ name: 'ops', sha256: hashToken('a-long-enough-secret-token'), profiles: '*' }]),
  LAUNCH_PROFILES_FILE: 'local/profiles/demo.json',
};

let home: string;
beforeAll(async () => {
  home = configuredHome();
  await buildFunctions();
}, 120_000);

const run = (env: Record<string, string | undefined>, options: { home?: string; root?: string } = {}) =>
  preflight({ env: { ...GOOD, ...env }, inPlace: false, home: options.home ?? home, root: options.root });
const text = (problems: Problem[]) => problems.map((p) => `${p.check}: ${p.problem} -> ${p.fix}`).join('\n');

describe('npm run preflight', () => {
  it('passes a complete configuration, built and with credentials', async () => {
    const { problems, passed } = await run({});
    expect(text(problems)).toBe('');
    expect(passed).toEqual(expect.arrayContaining(['s.yaml renders (Serverless Devs `s preview`)', 's credentials configured', 'the build is newer than the sources']));
  });

  it('names FC_ROLE_ARN when it is unset: the render stops there', async () => {
    const { problems } = await run({ FC_ROLE_ARN: undefined });
    expect(text(problems)).toMatch(/s\.yaml: .*environment variable FC_ROLE_ARN is not set.*-> set the variable it names in \.env/);
  });

  it('refuses a role that is no RAM role ARN, and the placeholder account', async () => {
    expect(text((await run({ FC_ROLE_ARN: 'arn:aws:iam::1:role/x' })).problems)).toMatch(/role "arn:aws:iam::1:role\/x" is not a RAM role ARN .* -> set FC_ROLE_ARN/);
    expect(text((await run({ FC_ROLE_ARN: 'acs:ram::000000000000:role/ecs-batch' })).problems)).toMatch(/belongs to no account -> set FC_ROLE_ARN/);
  });

  it('checks API_TOKENS as the api does at cold start: JSON, well-formed, and at least one token', async () => {
    expect(text((await run({ API_TOKENS: 'secret-token' })).problems)).toMatch(/API_TOKENS: not valid JSON/);
    expect(text((await run({ API_TOKENS: '[{"name":"x"}]' })).problems)).toMatch(/API_TOKENS: .*sha256/);
    expect(text((await run({ API_TOKENS: '[]' })).problems)).toMatch(/API_TOKENS holds no token/);
  });

  it('keeps the api\'s hold on a new batch above its timeout', async () => {
    expect(text((await run({ SUBMIT_LEASE_SECONDS: '30' })).problems)).toMatch(/SUBMIT_LEASE_SECONDS \(30\) is not above the api timeout \(60 s\)/);
  });

  it('reads the .env beside s.yaml under the shell, as s does', () => {
    const dir = tmp('dotenv');
    writeFileSync(join(dir, '.env'), 'API_TOKENS=[{"name":"ops"}]\nFC_ROLE_ARN=from-file\nEMPTY=\n');
    expect(withDotEnv(dir, { FC_ROLE_ARN: 'from-shell', OTHER: 'x' })).toEqual({ API_TOKENS: '[{"name":"ops"}]', FC_ROLE_ARN: 'from-shell', EMPTY: '', OTHER: 'x' });
    expect(withDotEnv(tmp('nodotenv'), { A: '1' })).toEqual({ A: '1' });
  });

  it('checks launch profiles with the schema the functions apply, and that the file will be uploaded', async () => {
    expect(text((await run({ LAUNCH_PROFILES_FILE: undefined, LAUNCH_PROFILES: '{"demo":{"region":"cn-hangzhou"}}' })).problems)).toMatch(/LAUNCH_PROFILES: .*demo/);
    expect(text((await run({ LAUNCH_PROFILES_FILE: join(ROOT, 'local/profiles/demo.json') })).problems))
      .toMatch(/LAUNCH_PROFILES_FILE ".*demo\.json" is outside the project folder: FC uploads only the code folder/);
    expect(text((await run({ LAUNCH_PROFILES_FILE: 'no-such-profiles.json' })).problems)).toMatch(/LAUNCH_PROFILES_FILE: cannot read no-such-profiles\.json/);
  });

  it('checks the Tablestore endpoint, instance, region and VPC against each other', async () => {
    expect(text((await run({ TABLESTORE_ENDPOINT: 'https://example.com' })).problems)).toMatch(/is not a Tablestore endpoint/);
    expect(text((await run({ TABLESTORE_INSTANCE: 'other' })).problems)).toMatch(/names instance "ecsbatch" but TABLESTORE_INSTANCE is "other"/);
    expect(text((await run({ TABLESTORE_INSTANCE: '9bad' })).problems)).toMatch(/TABLESTORE_INSTANCE: must be a Tablestore instance name/);
    expect(text((await run({ ALIBABA_CLOUD_REGION: 'cn-shanghai' })).problems)).toMatch(/TABLESTORE_ENDPOINT is in cn-hangzhou but the functions deploy to cn-shanghai/);
    expect(text((await run({ TABLESTORE_ENDPOINT: 'https://ecsbatch.cn-hangzhou.vpc.tablestore.aliyuncs.com' })).problems))
      .toMatch(/a VPC endpoint but the functions have no VPC .*-> set VPC_ID, VSWITCH_IDS and SECURITY_GROUP_ID/);
    expect(text((await run({ TABLESTORE_ENDPOINT: 'https://ecsbatch.cn-hangzhou.ots-internal.aliyuncs.com' })).problems)).toMatch(/classic-network endpoint/);
  });

  it('wants all three VPC settings or none, and passes a complete VPC with its endpoint', async () => {
    expect(text((await run({ VPC_ID: 'vpc-bp1abc' })).problems)).toMatch(/the VPC settings are incomplete or malformed.*-> set all three/);
    const vpc = await run({
      VPC_ID: 'vpc-bp1abc', VSWITCH_IDS: 'vsw-bp1a,vsw-bp1b', SECURITY_GROUP_ID: 'sg-bp1abc',
      TABLESTORE_ENDPOINT: 'https://ecsbatch.cn-hangzhou.vpc.tablestore.aliyuncs.com',
    });
    expect(text(vpc.problems)).toBe('');
  });

  it('keeps each function\'s environment under FC\'s 4 KB', async () => {
    const big = JSON.parse(readFileSync(join(ROOT, 'local/profiles/demo.json'), 'utf8')).demo;
    const many = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`p${i}`, big]));
    const { problems } = await run({ LAUNCH_PROFILES_FILE: undefined, LAUNCH_PROFILES: JSON.stringify(many) });
    expect(text(problems)).toMatch(new RegExp(`environment variables take \\d+ bytes; FC allows ${ENV_LIMIT_BYTES} per function -> move LAUNCH_PROFILES into a file`));
  });

  it('refuses variable names with the FC_ prefix, which FC reserves', () => {
    const props = { functionName: 'f', role: GOOD.FC_ROLE_ARN, environmentVariables: { FC_ENDPOINT: '127.0.0.1:1', TABLESTORE_ENDPOINT: GOOD.TABLESTORE_ENDPOINT!, TABLESTORE_INSTANCE: 'ecsbatch' } };
    expect(text(checkFunction('sweeper', props, ROOT))).toMatch(/FC_ENDPOINT use the prefix FC_, which FC reserves/);
  });

  it('checks each function\'s props against the fc3 schema', async () => {
    const root = tmp('project');
    cpSync(join(ROOT, 'schemas'), join(root, 'schemas'), { recursive: true });
    writeFileSync(join(root, 's.yaml'), readFileSync(join(ROOT, 's.yaml'), 'utf8').replace('memorySize: 512', 'memorySize: lots'));
    const { problems } = await run({ LAUNCH_PROFILES_FILE: undefined }, { root });
    expect(text(problems)).toMatch(/api props: \/memorySize must be (integer|number) -> correct s\.yaml/);
  });

  it('wants s credentials for the s.yaml access, from `s config add` or the environment', () => {
    const empty = tmp('home');
    expect(checkCredentials('default', {}, empty)?.fix).toMatch(/npx s config add -a default/);
    expect(checkCredentials('default', {}, home)).toBeUndefined();
    expect(checkCredentials('prod', {}, home)?.problem).toMatch(/no credentials for access "prod"/);
    expect(checkCredentials('default', { ALIBABA_CLOUD_ACCESS_KEY_ID: 'id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret' }, empty)).toBeUndefined();
  });

  it('wants a build newer than the sources', () => {
    const root = tmp('build');
    mkdirSync(join(root, 'functions'));
    writeFileSync(join(root, 'functions', 'x.ts'), 'export {};');
    expect(checkBuild(root)?.problem).toMatch(/dist\/api\/ holds no build/);
    for (const fn of ['api', 'sweeper']) {
      mkdirSync(join(root, 'dist', fn), { recursive: true });
      writeFileSync(join(root, 'dist', fn, 'index.js'), '');
      writeFileSync(join(root, 'dist', fn, 'bundle.js'), '');
    }
    utimesSync(join(root, 'functions', 'x.ts'), new Date(), new Date(Date.now() + 60_000));
    expect(checkBuild(root)?.problem).toMatch(/dist\/api\/bundle\.js is older than functions\/x\.ts/);
    utimesSync(join(root, 'functions', 'x.ts'), new Date(), new Date(Date.now() - 60_000));
    expect(checkBuild(root)).toBeUndefined();
  });
});
