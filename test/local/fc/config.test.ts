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
  it('finds the fc3 functions with their triggers and resolves env, vars and resource references', () => {
    const { functions } = loadSYaml(S_YAML, { env: { FIXTURE_SECRET: 's3cret' } });
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

  it('anchors code paths at codeRoot when one is given', () => {
    const { functions } = loadSYaml(S_YAML, { codeRoot: '/srv/app', env: { FIXTURE_SECRET: 'x' } });
    expect(functions[0].codeDir).toBe('/srv/app/echo');
  });

  it('accepts the unquoted ${env(NAME)} form and keeps the type of a whole-value reference', () => {
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
    const [fn] = parseSYaml(text, '/app', { env: { TOKEN: 'abc' } }).functions;
    expect(fn.timeoutSeconds).toBe(30);
    expect(fn.environmentVariables.TOKEN).toBe('t-abc');
    expect(fn.codeDir).toBe('/app/dist/api');
  });

  it('fails naming the environment variable that is not set', () => {
    expect(() => loadSYaml(S_YAML, { env: { FIXTURE_SECRET: undefined } })).toThrow(
      /resources\.echo\.props\.environmentVariables\.FROM_ENV: environment variable FIXTURE_SECRET is not set/,
    );
  });

  it('fails naming the field that does not validate', () => {
    expect(() => parseSYaml(minimal('timeout: 0'), '/app')).toThrow(/resources\.api\.props\.timeout/);
    expect(() => parseSYaml(minimal('handler: index'), '/app')).toThrow(/resources\.api\.props\.handler: must look like index.handler/);
    expect(() => parseSYaml(minimal('runtime: python3.10'), '/app')).toThrow(/props\.runtime: local\/fc runs Node.js runtimes only/);
    expect(() => parseSYaml(minimal('asyncInvokeConfig: { maxAsyncRetryAttempts: 9 }'), '/app'))
      .toThrow(/props\.asyncInvokeConfig\.maxAsyncRetryAttempts/);
    expect(() => parseSYaml('edition: 2.0.0\nresources: {}', '/app')).toThrow(/edition: must be 3.0.0/);
  });

  it('fails on a timer trigger with a bad cron, naming the trigger', () => {
    const yaml = minimal(`triggers:
  - triggerName: t
    triggerType: timer
    triggerConfig: { cronExpression: "0 30 8 * *", enable: true, payload: "" }`);
    expect(() => parseSYaml(yaml, '/app')).toThrow(/props\.triggers\[0\]\.triggerConfig\.cronExpression: .*six fields/);
  });

  it('refuses references it cannot resolve locally, saying which', () => {
    expect(() => parseSYaml(minimal('description: ${resources.db.output.endpoint}'), '/app'))
      .toThrow(/props\.description: unsupported reference \$\{resources\.db\.output\.endpoint\}/);
    expect(() => parseSYaml(minimal('description: ${vars.missing}'), '/app')).toThrow(/\$\{vars\.missing\}: no such value/);
  });
});
