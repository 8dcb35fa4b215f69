import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * s.yaml, README "Deploying" and .env.example describe one configuration: they must name the same
 * variables, and every variable the functions read must be in all three (found by reading the code:
 * `env.X`, `process.env.X`, and the keys of the zod schemas that parse the environment).
 */
const ROOT = join(__dirname, '../..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

const NAME = '[A-Z][A-Z0-9_]{2,}';
const readByFunctions = new Set(
  sources('functions').flatMap((f) => [
    ...[...read(f).matchAll(new RegExp(`\\b(?:process\\.env|env)\\.(${NAME})`, 'g'))].map((m) => m[1]),
    ...[...read(f).matchAll(new RegExp(`^\\s+(${NAME}): z\\.`, 'gm'))].map((m) => m[1]),
  ]),
);

const sYaml = read('s.yaml');
const inSYaml = new Set([
  ...[...sYaml.matchAll(new RegExp(`env\\('(${NAME})'`, 'g'))].map((m) => m[1]),
  ...[...sYaml.matchAll(new RegExp(`^\\s+(${NAME}): `, 'gm'))].map((m) => m[1]),
]);
const envExample = new Set([...read('.env.example').matchAll(new RegExp(`^(${NAME})=`, 'gm'))].map((m) => m[1]));
const readme = read('README.md');
const deploying = readme.slice(readme.indexOf('## Deploying to Function Compute 3.0'), readme.indexOf('## The local stand-ins'));
const inReadme = new Set([...deploying.matchAll(new RegExp('`(' + NAME + ')`', 'g'))].map((m) => m[1]));

/** Never in s.yaml, on purpose: credentials (FC hands the function role's to each invocation). */
const NOT_IN_S_YAML = new Set(['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_SECURITY_TOKEN']);
const sorted = (s: Iterable<string>) => [...s].sort();

describe('s.yaml, README and .env.example agree', () => {
  it('found what the functions read (the scan works)', () => {
    expect(sorted(readByFunctions)).toEqual(expect.arrayContaining(['API_TOKENS', 'TABLESTORE_ENDPOINT', 'SWEEP_LEASE_SECONDS', 'CHATOPS_ACL', 'ALIBABA_CLOUD_REGION']));
  });

  it('lists every variable the functions read in all three', () => {
    const missing = sorted(readByFunctions).flatMap((v) => [
      ...(!inSYaml.has(v) && !NOT_IN_S_YAML.has(v) ? [`${v} not in s.yaml`] : []),
      ...(!envExample.has(v) ? [`${v} not in .env.example`] : []),
      ...(!inReadme.has(v) ? [`${v} not in README "Deploying"`] : []),
    ]);
    expect(missing).toEqual([]);
  });

  it('names the same variables in .env.example as s.yaml reads, and README explains each', () => {
    const readBySYaml = new Set([...sYaml.matchAll(new RegExp(`env\\('(${NAME})'`, 'g'))].map((m) => m[1]));
    expect(sorted([...envExample].filter((v) => !NOT_IN_S_YAML.has(v)))).toEqual(sorted(readBySYaml));
    expect(sorted([...envExample].filter((v) => !inReadme.has(v)))).toEqual([]);
  });

  it('defines no FC_ variable for the functions (FC reserves the prefix); FC_ROLE_ARN only feeds `role`', () => {
    const keys = [...sYaml.matchAll(new RegExp(`^\\s+(${NAME}): `, 'gm'))].map((m) => m[1]);
    expect(keys.filter((v) => v.startsWith('FC_'))).toEqual([]);
    expect(sorted([...envExample].filter((v) => v.startsWith('FC_')))).toEqual(['FC_ROLE_ARN']);
    expect(sYaml).toMatch(/^ {2}role: \$\{env\('FC_ROLE_ARN'\)\}$/m);
  });
});
