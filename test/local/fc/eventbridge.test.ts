import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalFc, type LocalFc } from '../../../local/fc';
import { parseSYaml } from '../../../local/fc/config';
import { compilePattern } from '../../../local/fc/event-pattern';

const OUR_RULE = '{"source":["acs.ecs"],"type":["ecs:Instance:StateChange","ecs:Instance:PreemptibleInstanceInterruption"]}';
const event = (over: Record<string, unknown> = {}) => ({
  id: 'e-1',
  source: 'acs.ecs',
  specversion: '1.0',
  type: 'ecs:Instance:StateChange',
  aliyunregionid: 'cn-hangzhou',
  data: { resourceId: 'i-bp1', resourceType: 'ALIYUN::ECS::Instance', state: 'Running' },
  ...over,
});

describe('event patterns (exact values, lists, nesting)', () => {
  it('matches exact values with OR inside a list and AND across keys', () => {
    const m = compilePattern(OUR_RULE);
    expect(m(event())).toBe(true);
    expect(m(event({ type: 'ecs:Instance:PreemptibleInstanceInterruption' }))).toBe(true);
    expect(m(event({ type: 'ecs:Disk:StateChange' }))).toBe(false);
    expect(m(event({ source: 'acs.oss' }))).toBe(false);
    expect(m(event({ source: 'ACS.ECS' }))).toBe(false); // case-sensitive
    const { source: _s, ...noSource } = event();
    expect(m(noSource)).toBe(false); // every pattern field must be there
    expect(m('not an object')).toBe(false);
  });

  it('matches nested fields, numbers as their JSON text, and prefix/suffix', () => {
    expect(compilePattern('{"data":{"state":["Running","Stopped"]}}')(event())).toBe(true);
    expect(compilePattern('{"data":{"state":["Pending"]}}')(event())).toBe(false);
    expect(compilePattern('{"n":[300]}')({ n: 300 })).toBe(true);
    expect(compilePattern('{"n":[300]}')({ n: '300' })).toBe(false);
    expect(compilePattern('{"type":[{"prefix":"ecs:Instance:"}]}')(event())).toBe(true);
    expect(compilePattern('{"type":[{"suffix":"Interruption"}]}')(event())).toBe(false);
    expect(compilePattern('{}')(event())).toBe(true);
  });

  it('refuses what it cannot match faithfully, naming the field', () => {
    expect(() => compilePattern('{"data":{"state":[{"anything-but":"Pending"}]}}')).toThrow(/data\.state\[0\]: operator "anything-but"/);
    expect(() => compilePattern('{"source":"acs.ecs"}')).toThrow(/source: must be a list/);
    expect(() => compilePattern('{"source":[]}')).toThrow(/source: an empty list/);
    expect(() => compilePattern('[1]')).toThrow(/must be a JSON object/);
    expect(() => compilePattern('{oops')).toThrow(/not JSON/);
  });
});

function writeApp(rule: string): { dir: string; received: string } {
  const dir = mkdtempSync(join(tmpdir(), 'local-fc-eb-'));
  const received = join(dir, 'received.jsonl');
  writeFileSync(received, '');
  mkdirSync(join(dir, 'code'));
  writeFileSync(
    join(dir, 'code', 'index.js'),
    `exports.handler = async (event) => { require('fs').appendFileSync(process.env.RECEIVED, event.toString('utf8') + '\\n'); return { ok: true }; };`,
  );
  const yaml = (name: string, enable: boolean) => `
  ${name}:
    component: fc3
    props:
      functionName: ${name}
      runtime: nodejs20
      code: ./code
      handler: index.handler
      environmentVariables:
        RECEIVED: ${received}
      triggers:
        - triggerName: ecs-events
          triggerType: eventbridge
          qualifier: LATEST
          triggerConfig:
            triggerEnable: ${enable}
            asyncInvocationType: false
            eventRuleFilterPattern: '${rule}'
            eventSourceConfig:
              eventSourceType: Default`;
  writeFileSync(join(dir, 's.yaml'), `edition: 3.0.0\nname: eb\naccess: default\nresources:${yaml('events', true)}${yaml('off', false)}\n`);
  return { dir, received };
}

describe('eventbridge triggers in local/fc', () => {
  let fc: LocalFc;
  let received: string;
  beforeAll(async () => {
    const app = writeApp(OUR_RULE);
    received = app.received;
    fc = await startLocalFc({ sYamlPath: join(app.dir, 's.yaml'), timers: false, log: () => undefined });
  });
  afterAll(() => fc.close());
  const lines = () => readFileSync(received, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

  it('reads the trigger from s.yaml', () => {
    const fn = fc.functions.find((f) => f.functionName === 'events')!;
    expect(fn.eventbridge).toEqual([expect.objectContaining({ triggerName: 'ecs-events', enabled: true, async: false, sourceType: 'Default', pattern: OUR_RULE })]);
  });

  it('delivers one matching event per invocation, to enabled triggers only, and nothing that does not match', async () => {
    const before = lines().length;
    const deliveries = fc.publishEvent(event({ id: 'e-2' }));
    expect(deliveries.map((d) => d.functionName)).toEqual(['events']);
    await Promise.all(deliveries.map((d) => d.done));
    expect(fc.publishEvent(event({ id: 'e-3', source: 'acs.oss' }))).toEqual([]);
    await fc.idle();
    expect(lines().slice(before)).toEqual([event({ id: 'e-2' })]);
    expect(fc.stats.events.invocations.eventbridge).toBe(1);
    expect(fc.stats.off.invocations.eventbridge).toBe(0);
  });

  it('takes events over HTTP on the local bus endpoint (what the ECS emulator posts to)', async () => {
    const before = lines().length;
    const res = await fetch(`http://${fc.apiEndpoint}/__eventbridge/events`, { method: 'POST', body: JSON.stringify(event({ id: 'e-4' })) });
    expect(await res.json()).toEqual({ matched: 1 });
    const bad = await fetch(`http://${fc.apiEndpoint}/__eventbridge/events`, { method: 'POST', body: '{not json' });
    expect(bad.status).toBe(400);
    await fc.idle();
    expect(lines().slice(before)).toEqual([event({ id: 'e-4' })]);
  });

  it('refuses a trigger whose pattern it cannot match, naming the field', async () => {
    const app = writeApp('{"source":[{"cidr":"10.0.0.0/8"}]}');
    const text = readFileSync(join(app.dir, 's.yaml'), 'utf8');
    await expect(parseSYaml(text, app.dir)).rejects.toThrow(/resources\.events\.props\.triggers\[0\]\.triggerConfig\.eventRuleFilterPattern: source\[0\]: operator "cidr"/);
  });
});
