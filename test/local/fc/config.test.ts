import { join } from 'node:path';
import { parse } from 'yaml';
import { fromRendered, loadSYaml, parseSYaml } from '../../../local/fc/config';
import { FIXTURES, S_YAML } from './helpers';

// Each render is one `s preview` process: seconds on a loaded machine.
jest.setTimeout(60_000);

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
    const { functions } = await loadSYaml(S_YAML, { codeRoot: '/srv/app', env: { FIXTURE_SECRET: 's3cret' } });
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

  // Validation of what s rendered: these templates hold no ${...}, so they are checked as rendered.
  const validated = (text: string) => () => fromRendered(parse(text), '/app');

  it('fails naming the field that does not validate', async () => {
    expect(validated(minimal('timeout: 0'))).toThrow(/resources\.api\.props\.timeout/);
    expect(validated(minimal('handler: index'))).toThrow(/resources\.api\.props\.handler: must look like index.handler/);
    expect(validated(minimal('runtime: python3.10'))).toThrow(/props\.runtime: local\/fc runs Node.js runtimes only/);
    expect(validated(minimal('asyncInvokeConfig: { maxAsyncRetryAttempts: 9 }'))).toThrow(/props\.asyncInvokeConfig\.maxAsyncRetryAttempts/);
    // s v3 itself renders nothing for another edition.
    await expect(parseSYaml('edition: 2.0.0\nresources: {}', '/app')).rejects.toThrow(/edition: 3\.0\.0/);
  }, 60_000);

  it('fails on a timer trigger with a bad cron, naming the trigger', () => {
    const yaml = minimal(`triggers:
  - triggerName: t
    triggerType: timer
    triggerConfig: { cronExpression: "0 30 8 * *", enable: true, payload: "" }`);
    expect(validated(yaml)).toThrow(/props\.triggers\[0\]\.triggerConfig\.cronExpression: .*six fields/);
  });

  it('refuses what s leaves for deploy time, and references s cannot resolve', async () => {
    await expect(parseSYaml(minimal('description: ${resources.db.output.endpoint}'), '/app'))
      .rejects.toThrow(/props\.description: \$\{resources\.db\.output\.endpoint\}: a reference that s resolves only at deploy time/);
    await expect(parseSYaml(minimal('description: ${vars.missing}'), '/app')).rejects.toThrow(/\$\{vars\.missing\} not found/);
  }, 60_000);
});

/** The rules of Serverless Devs' engine that a hand-written resolver got wrong (issue 11). */
describe('s.yaml variables, as s renders them', () => {
  const withEnv = (value: string) => minimal(`environmentVariables: { V: "${value}" }`);
  const rendered = async (value: string, env: Record<string, string | undefined>) =>
    (await parseSYaml(withEnv(value), '/app', { env })).functions[0].environmentVariables.V;

  it('gives an empty variable the default, exactly as an unset one', async () => {
    const text = minimal(`environmentVariables: { EMPTY: "\${env('I11_EMPTY', 'dflt')}", UNSET: "\${env('I11_UNSET', 'dflt')}", SET: "\${env('I11_SET', 'dflt')}" }`);
    const [fn] = (await parseSYaml(text, '/app', { env: { I11_EMPTY: '', I11_UNSET: undefined, I11_SET: 'set' } })).functions;
    expect(fn.environmentVariables).toEqual({ EMPTY: 'dflt', UNSET: 'dflt', SET: 'set' });
  }, 60_000);

  it('aborts on an empty or unset variable without a default, naming it', async () => {
    await expect(rendered("${env('I11_V')}", { I11_V: '' })).rejects.toThrow(/environment variable I11_V is not set/);
    await expect(rendered('${env(I11_V)}', { I11_V: undefined })).rejects.toThrow(/environment variable I11_V is not set/);
  }, 60_000);

  it('refuses ${env.X}, even when X is set', async () => {
    await expect(rendered('${env.I11_V}', { I11_V: 'set' })).rejects.toThrow(/\$\{env\.I11_V\} not found/);
  }, 60_000);

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
  }, 60_000);
});
