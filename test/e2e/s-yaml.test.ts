import Ajv from 'ajv';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromRendered } from '../../local/fc/config';
import { renderSYaml } from '../../local/fc/render';
import { buildFunctions } from '../../scripts/build';
import { parseSweeperEvent } from '../../functions/sweeper/payload';
import { CloudEnvSchema, parseEnv } from '../../functions/cloud/env';

const ROOT = join(__dirname, '../..');
const S_YAML = join(ROOT, 's.yaml');
type Props = Record<string, any>;
type Doc = { edition: string; actions?: Record<string, Array<{ run: string; path: string }>>; resources: Record<string, { component: string; props: Props }> };

/** What an operator sets: the required variables, nothing else (so every default shows). */
const DEPLOY_ENV = {
  FC_ROLE_ARN: 'acs:ram::1234567890123456:role/ecs-batch',
  TABLESTORE_ENDPOINT: 'https://ecsbatch.cn-hangzhou.ots.aliyuncs.com',
  API_TOKENS: '[]',
};
/** Everything s.yaml reads, unset, so a developer's shell or `.env` cannot change what these tests see. */
const UNSET = Object.fromEntries(
  [...readFileSync(S_YAML, 'utf8').matchAll(/env\('([A-Z0-9_]+)'/g)].map((m) => [m[1], undefined]),
) as Record<string, undefined>;
const render = (env: Record<string, string | undefined> = {}) => renderSYaml(S_YAML, { env: { ...UNSET, ...DEPLOY_ENV, ...env } }) as Promise<Doc>;
const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/fc3-s-schema.json'), 'utf8'));

let doc: Doc;
beforeAll(async () => {
  doc = await render();
}, 60_000);

describe('s.yaml, rendered by Serverless Devs', () => {
  it('is a Serverless Devs 3.0.0 file whose resources are all fc3', () => {
    expect(doc.edition).toBe('3.0.0');
    expect(Object.values(doc.resources).map((r) => r.component)).toEqual(['fc3', 'fc3']);
  });

  it('builds before every deploy, so a fresh clone deploys fresh code', () => {
    expect(doc.actions?.['pre-deploy']).toEqual([{ run: 'npm run build', path: './' }]);
  });

  it.each(['api', 'sweeper'])('gives %s props that the fc3 schema accepts, with and without a VPC', async (name) => {
    const withVpc = await render({ VPC_ID: 'vpc-bp1abc', VSWITCH_IDS: 'vsw-bp1a,vsw-bp1b', SECURITY_GROUP_ID: 'sg-bp1abc' });
    expect(withVpc.resources[name].props.vpcConfig).toEqual({ vpcId: 'vpc-bp1abc', vSwitchIds: ['vsw-bp1a', 'vsw-bp1b'], securityGroupId: 'sg-bp1abc' });
    // Unset: exactly what fc3 itself sends for "no VPC" (devsapp/fc3 FC_RESOURCES_EMPTY_CONFIG).
    expect(doc.resources[name].props.vpcConfig).toEqual({ vpcId: '', vSwitchIds: [], securityGroupId: '' });
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    for (const d of [doc, withVpc]) {
      const ok = validate(d.resources[name].props);
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
  }, 60_000);

  it('runs nodejs20 with one request per instance, authenticates HTTP itself and never lets FC retry a sweep', () => {
    const { api, sweeper } = doc.resources;
    for (const r of [api, sweeper]) {
      expect(r.props.runtime).toBe('nodejs20');
      expect(r.props.role).toBe(DEPLOY_ENV.FC_ROLE_ARN);
      // FC 3.0 built-in runtimes take no instanceConcurrency (see the comment in s.yaml).
      expect(r.props).not.toHaveProperty('instanceConcurrency');
      expect(JSON.stringify(r.props)).not.toMatch(/AccessKey|LTAI/i);
      // FC reserves the FC_ prefix for its own variables.
      expect(Object.keys(r.props.environmentVariables).filter((k) => k.startsWith('FC_'))).toEqual([]);
    }
    expect(api.props.triggers[0]).toMatchObject({ triggerType: 'http', triggerConfig: { authType: 'anonymous' } });
    expect(sweeper.props.asyncInvokeConfig.maxAsyncRetryAttempts).toBe(0);
    expect(api.props.environmentVariables.SWEEPER_FUNCTION).toBe(sweeper.props.functionName);
    expect(api.props.timeout * 1000).toBeLessThan(Number(api.props.environmentVariables.SUBMIT_LEASE_SECONDS) * 1000);
  });

  it('lets every HTTP method reach the app, so a wrong one gets our JSON 405', () => {
    expect([...doc.resources.api.props.triggers[0].triggerConfig.methods].sort())
      .toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
  });

  it('stops the deploy naming FC_ROLE_ARN when it is unset or empty: no placeholder role', async () => {
    await expect(render({ FC_ROLE_ARN: undefined })).rejects.toThrow(/environment variable FC_ROLE_ARN is not set/);
    await expect(render({ FC_ROLE_ARN: '' })).rejects.toThrow(/environment variable FC_ROLE_ARN is not set/);
  }, 60_000);

  it('renders the sweeper name for an empty SWEEPER_FUNCTION (s rule), so "none" is how the watch is switched off', async () => {
    const empty = await render({ SWEEPER_FUNCTION: '' });
    expect(empty.resources.api.props.environmentVariables.SWEEPER_FUNCTION).toBe('ecs-batch-sweeper');
    const none = await render({ SWEEPER_FUNCTION: 'none' });
    const env = none.resources.api.props.environmentVariables as Record<string, string>;
    expect(env.SWEEPER_FUNCTION).toBe('none');
    expect(parseEnv(CloudEnvSchema, env).SWEEPER_FUNCTION).toBeUndefined();
    expect(parseEnv(CloudEnvSchema, doc.resources.api.props.environmentVariables).SWEEPER_FUNCTION).toBe('ecs-batch-sweeper');
  }, 60_000);

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
    const loaded = fromRendered(doc, ROOT);
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
  }, 120_000);
});
