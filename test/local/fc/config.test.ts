import { join } from 'node:path';
import { loadSYaml, parseSYaml } from '../../../local/fc/config';
import { FIXTURES, S_YAML } from './helpers';

/** An s.yaml with one function; `props` lines are added, replacing base props of the same name. */
const minimal = (props: string) => {
  const base = ['functionName: api', 'runtime: nodejs20', 'code: ./dist/api', 'handler: index.handler'];
  const overridden = new Set(props.split('\n').map((l) => /^(\w+):/.exec(l)?.[1]).filter(Boolean));
  const lines = [...base.filter((l) => !overridden.has(l.split(':')[0])), ...props.split('\n')];
  return `edition: 3.0.0\nresources:\n  api:\n    component: fc3\n    props:\n${lines.map((l) => `      ${l}`).join('\n')}\n`;
};

describe('reading s.yaml', () => {
  it('finds the fc3 functions with their triggers and resolves env, vars and resource references', async () => {
    const { functions } = await loadSYaml(S_YAML, { env: { FIXTURE_SECRET: 's3cret' } });
    expect(functions.map((f) => f.functionName)).toEqual(['fixture-echo', 'fixture-worker']);
    const [echo, worker] = functions;
    expect(echo).toMatchObject({
      region: 'cn-hangzhou',
      handler: 'index.handler',
      codeDir: join(FIXTURES, 'echo'),
      timeoutSeconds: 5,
      memorySize: 256,
      environmentVariables: { WHO: 'echo', GREETING: 'hello', FROM_ENV: 's3cret', WITH_DEFAULT: 'fallback', SAME_REGION: 'cn-hangzhou' },
      httpTrigger: { triggerName: 'http', authType: 'anonymous', methods: ['GET', 'POST', 'PUT'] },
      maxAsyncRetryAttempts: 3,
    });
    expect(worker.maxAsyncRetryAttempts).toBe(2);
    expect(worker.timers).toEqual([
      { triggerName: 'sweep', cronExpression: '@every 1m', enable: true, payload: '{"action":"sweep"}' },
      {
        triggerName: 'nightly-scale-out', cronExpression: 'CRON_TZ=Asia/Shanghai 0 30 8 * * MON-FRI', enable: false,
        payload: '{"action":"scale-out","profile":"web","amount":2}',
      },
    ]);
  });

  it('anchors code paths at codeRoot when one is given', async () => {
    const { functions } = await loadSYaml(S_YAML, { codeRoot: '/srv/app', env: { FIXTURE_SECRET: 'x' } });
    expect(functions[0].codeDir).toBe('/srv/app/echo');
  });

  it('accepts the unquoted ${env(NAME)} form and keeps the type of a whole-value reference', async () => {
    const text = `edition: 3.0.0
vars: { timeout: 30 }
resources:
  api:
    component: fc3
    props:
      functionName: api
      runtime: nodejs20
      code: { src: ./dist/api }
      handler: index.handler
      timeout: \${vars.timeout}
      environmentVariables: { TOKEN: "t-\${env(TOKEN)}" }
`;
    const [fn] = (await parseSYaml(text, '/app', { env: { TOKEN: 'abc' } })).functions;
    expect(fn.timeoutSeconds).toBe(30);
    expect(fn.environmentVariables.TOKEN).toBe('t-abc');
    expect(fn.codeDir).toBe('/app/dist/api');
  });

  it('fails naming the environment variable that is not set', async () => {
    await expect(loadSYaml(S_YAML, { env: { FIXTURE_SECRET: undefined } })).rejects.toThrow(
      /environment variable FIXTURE_SECRET is not set .*env\('FIXTURE_SECRET'\) not found/,
    );
  });

  it('fails naming the field that does not validate', async () => {
    await expect(parseSYaml(minimal('timeout: 0'), '/app')).rejects.toThrow(/resources\.api\.props\.timeout/);
    await expect(parseSYaml(minimal('handler: index'), '/app')).rejects.toThrow(/resources\.api\.props\.handler: must look like index.handler/);
    await expect(parseSYaml(minimal('runtime: python3.10'), '/app')).rejects.toThrow(/props\.runtime: local\/fc runs Node.js runtimes only/);
    await expect(parseSYaml(minimal('asyncInvokeConfig: { maxAsyncRetryAttempts: 9 }'), '/app'))
      .rejects.toThrow(/props\.asyncInvokeConfig\.maxAsyncRetryAttempts/);
    await expect(parseSYaml('edition: 2.0.0\nresources: {}', '/app')).rejects.toThrow(/edition: 3\.0\.0/);
  });

  it('fails on a timer trigger with a bad cron, naming the trigger', async () => {
    const yaml = minimal(`triggers:
  - triggerName: t
    triggerType: timer
    triggerConfig: { cronExpression: "0 30 8 * *", enable: true, payload: "" }`);
    await expect(parseSYaml(yaml, '/app')).rejects.toThrow(/props\.triggers\[0\]\.triggerConfig\.cronExpression: .*six fields/);
  });

  it('refuses what s leaves for deploy time, and references s cannot resolve', async () => {
    await expect(parseSYaml(minimal('description: ${resources.db.output.endpoint}'), '/app'))
      .rejects.toThrow(/props\.description: \$\{resources\.db\.output\.endpoint\}: a reference that s resolves only at deploy time/);
    await expect(parseSYaml(minimal('description: ${vars.missing}'), '/app')).rejects.toThrow(/\$\{vars\.missing\} not found/);
  });
});

/** The rules of Serverless Devs' engine that a hand-written resolver got wrong (issue 11). */
describe('s.yaml variables, as s renders them', () => {
  const withEnv = (value: string) => minimal(`environmentVariables: { V: "${value}" }`);
  const rendered = async (value: string, env: Record<string, string | undefined>) =>
    (await parseSYaml(withEnv(value), '/app', { env })).functions[0].environmentVariables.V;

  it('gives an empty variable the default, exactly as an unset one', async () => {
    expect(await rendered("${env('I11_V', 'dflt')}", { I11_V: '' })).toBe('dflt');
    expect(await rendered("${env('I11_V', 'dflt')}", { I11_V: undefined })).toBe('dflt');
    expect(await rendered("${env('I11_V', 'dflt')}", { I11_V: 'set' })).toBe('set');
  });

  it('aborts on an empty or unset variable without a default, naming it', async () => {
    await expect(rendered("${env('I11_V')}", { I11_V: '' })).rejects.toThrow(/environment variable I11_V is not set/);
    await expect(rendered('${env(I11_V)}', { I11_V: undefined })).rejects.toThrow(/environment variable I11_V is not set/);
  });

  it('refuses ${env.X}, even when X is set', async () => {
    await expect(rendered('${env.I11_V}', { I11_V: 'set' })).rejects.toThrow(/\$\{env\.I11_V\} not found/);
  });

  it('reads no .env when rendering for local runs, and the one beside s.yaml in place (as s deploy does)', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'i11-dotenv-'));
    writeFileSync(join(dir, 's.yaml'), withEnv("${env('I11_DOTENV', 'none')}"));
    writeFileSync(join(dir, '.env'), 'I11_DOTENV=from-dotenv\n');
    const { renderSYaml } = await import('../../../local/fc/render');
    const props = async (inPlace: boolean) => ((await renderSYaml(join(dir, 's.yaml'), { inPlace, env: { I11_DOTENV: undefined } })) as any)
      .resources.api.props.environmentVariables.V;
    expect(await props(false)).toBe('none');
    expect(await props(true)).toBe('from-dotenv');
  });
});
