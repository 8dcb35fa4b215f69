import Ajv from 'ajv';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadSYaml } from '../../local/fc/config';
import { buildFunctions } from '../../scripts/build';
import { parseSweeperEvent } from '../../functions/sweeper/payload';

const ROOT = join(__dirname, '../..');
type Doc = { edition: string; vars: Record<string, string>; resources: Record<string, { component: string; props: Record<string, any> }> };
const raw = parse(readFileSync(join(ROOT, 's.yaml'), 'utf8')) as Doc;

/** What `s` does before validating: `${env('X', 'default')}` and `${vars.x}` replaced by their values. */
function resolve(value: unknown, vars: Record<string, string>): any {
  if (typeof value === 'string') {
    return value
      .replace(/\$\{env\('(\w+)'(?:,\s*'([^']*)')?\)\}/g, (_m, name: string, dflt?: string) => (name === 'TABLESTORE_ENDPOINT' ? 'https://ecsbatch.cn-hangzhou.ots.aliyuncs.com' : name === 'API_TOKENS' ? '[]' : (dflt ?? '')))
      .replace(/\$\{vars\.(\w+)\}/g, (_m, name: string) => vars[name]);
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, vars)]));
  return value;
}
const vars = resolve(raw.vars, {}) as Record<string, string>;
const doc: Doc = { ...raw, resources: resolve(raw.resources, vars) };
const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/fc3-s-schema.json'), 'utf8'));

describe('s.yaml', () => {
  it('is a Serverless Devs 3.0.0 file whose resources are all fc3', () => {
    expect(doc.edition).toBe('3.0.0');
    expect(Object.values(doc.resources).map((r) => r.component)).toEqual(['fc3', 'fc3']);
  });

  it.each(Object.keys(doc.resources))('gives %s props that the fc3 schema accepts', (name) => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const ok = validate(doc.resources[name].props);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('runs nodejs20, authenticates HTTP itself and never lets FC retry a sweep', () => {
    const { api, sweeper } = doc.resources;
    for (const r of [api, sweeper]) {
      expect(r.props.runtime).toBe('nodejs20');
      expect(String(r.props.role)).toMatch(/^acs:ram::\d+:role\//);
      expect(JSON.stringify(r.props)).not.toMatch(/AccessKey|LTAI/i);
    }
    expect(api.props.triggers[0]).toMatchObject({ triggerType: 'http', triggerConfig: { authType: 'anonymous' } });
    expect(sweeper.props.asyncInvokeConfig.maxAsyncRetryAttempts).toBe(0);
    expect(api.props.environmentVariables.SWEEPER_FUNCTION).toBe(sweeper.props.functionName);
    expect(api.props.timeout * 1000).toBeLessThan(Number(api.props.environmentVariables.SUBMIT_LEASE_SECONDS) * 1000);
  });

  it('gives every timer a payload the sweeper accepts', () => {
    for (const r of Object.values(doc.resources)) {
      for (const t of r.props.triggers ?? []) {
        if (t.triggerType !== 'timer') continue;
        const parsed = parseSweeperEvent({ triggerTime: '2026-01-01T00:00:00Z', triggerName: t.triggerName, payload: t.triggerConfig.payload });
        expect(parsed).toMatchObject({ ok: true });
      }
    }
  });

  it('points every handler at an export that exists in the build', async () => {
    await buildFunctions();
    const loaded = loadSYaml(join(ROOT, 's.yaml'), { env: { TABLESTORE_ENDPOINT: 'http://127.0.0.1:1', API_TOKENS: '[]' } });
    expect(loaded.functions.map((f) => f.functionName).sort()).toEqual(['ecs-batch-api', 'ecs-batch-sweeper']);
    for (const f of loaded.functions) {
      const [module, exported] = f.handler.split('.');
      const file = join(f.codeDir, `${module}.js`);
      expect(existsSync(file)).toBe(true);
      // Loaded as FC loads it (index.js is a loader that runs bundle.js), with enough configuration to start.
      const env = { PATH: process.env.PATH, TABLESTORE_ENDPOINT: 'http://127.0.0.1:1', TABLESTORE_INSTANCE: 'test', API_TOKENS: '[]' };
      const r = spawnSync(process.execPath, ['-e', `process.stdout.write(typeof require(${JSON.stringify(file)})[${JSON.stringify(exported)}])`], { env, encoding: 'utf8' });
      expect([f.functionName, r.stderr, r.stdout]).toEqual([f.functionName, '', 'function']);
    }
  });
});
