import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { hashToken } from '../functions/api/auth';
import { ecsAdapter } from '../functions/cloud/ecs';
import { clientToken } from '../functions/core/batch';
import { buildFunctions } from '../scripts/build';
import { CREDS, demoSpec, median, ms, pendingBatch, ratio, ROOT, startEmulators, type Figure } from './lib';

const REPS = 15;
const TOKEN = 'bench-first-request-token';
/** Instances in the batch each first sweep finds due (one DescribeInstances page). */
const SWEPT = 20;
const BARE_TABLE = 'bench_bare';

interface Run {
  ms: number;
  rssMb: number;
  /** User + system CPU time of the child: moves less than wall time when others share the machine. */
  cpuMs: number;
}

/**
 * Spawn `node -e code`, time it from spawn to exit, and read the peak RSS the child prints last. Not
 * spawnSync: the stand-ins answering the child run in this process.
 */
function spawnNode(code: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['-e', code], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (status) => {
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      const rss = /^peak-rss (\d+)$/m.exec(out)?.[1];
      const cpu = /^cpu (\d+)$/m.exec(out)?.[1];
      if (status !== 0 || !rss || !cpu) reject(new Error(`node -e failed (${status}): ${err.slice(0, 800)}${out.slice(-800)}`));
      else resolve({ ms: elapsed, rssMb: Number(rss) / 1024, cpuMs: Number(cpu) / 1000 });
    });
  });
}

const done = `{ const u = process.resourceUsage(); process.stdout.write('\\npeak-rss ' + u.maxRSS + '\\ncpu ' + (u.userCPUTime + u.systemCPUTime) + '\\n'); process.exit(0); }`;
const fail = `(e) => { console.error(e); process.exit(2); }`;

/** The api function's first request: load the bundle, serve one FC HTTP event, check the answer. */
function apiChild(file: string): string {
  const event = {
    version: 'v1',
    rawPath: '/batches',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    queryParameters: {},
    body: JSON.stringify({ profile: 'demo', amount: 1, dryRun: true }),
    isBase64Encoded: false,
    requestContext: { requestId: 'first-request', http: { method: 'POST', path: '/batches', sourceIp: '127.0.0.1' } },
  };
  return [
    `require(${JSON.stringify(file)}).handler(${JSON.stringify(event)}, { requestId: 'first-request', region: 'cn-hangzhou' }).then((r) => {`,
    `  if (r.statusCode !== 200 || JSON.parse(r.body).wouldSucceed !== true) throw new Error('answered ' + r.statusCode + ' ' + r.body);`,
    `  ${done}`,
    `}, ${fail}).catch(${fail});`,
  ].join('\n');
}

/** The sweeper function's first sweep: load the bundle, handle one timer event, check it swept a batch. */
function sweeperChild(file: string): string {
  const event = { triggerTime: new Date().toISOString(), triggerName: 'sweep', payload: JSON.stringify({ action: 'sweep' }) };
  return [
    `require(${JSON.stringify(file)}).handler(${JSON.stringify(event)}, { requestId: 'first-sweep', region: 'cn-hangzhou', function: { timeout: 60 } }).then((r) => {`,
    `  if (!r.ok) throw new Error('answered ' + JSON.stringify(r));`,
    `  ${done}`,
    `}, ${fail}).catch(${fail});`,
  ].join('\n');
}

/** The ECS client and its models, whole, as a script that uses the SDK directly would load them. */
const bareEcs = (endpoint: string) => [
  `const Ecs = require('@alicloud/ecs20140526');`,
  `const { Config } = require('@alicloud/openapi-core/dist/utils');`,
  `const ecs = new Ecs.default(new Config({ accessKeyId: ${JSON.stringify(CREDS.accessKeyId)}, accessKeySecret: ${JSON.stringify(CREDS.accessKeySecret)}, regionId: 'cn-hangzhou', endpoint: ${JSON.stringify(endpoint)}, protocol: 'HTTP' }));`,
];

/** The same RunInstances DryRun the api makes for the demo profile, with the full ECS client. */
function bareApiChild(endpoint: string): string {
  const v = demoSpec.vSwitches[0];
  const request = {
    regionId: demoSpec.region,
    zoneId: v.zoneId,
    vSwitchId: v.id,
    instanceType: demoSpec.instanceTypes[0],
    imageId: demoSpec.imageId,
    securityGroupId: demoSpec.securityGroupId,
    amount: 1,
    clientToken: clientToken('bare-dry-run', 0, 0),
    dryRun: true,
    instanceName: demoSpec.namePattern,
    internetMaxBandwidthOut: demoSpec.internetMaxBandwidthOut,
    internetChargeType: demoSpec.internetChargeType,
    instanceChargeType: 'PostPaid',
    spotStrategy: 'NoSpot',
  };
  return [
    ...bareEcs(endpoint),
    `const req = new Ecs.RunInstancesRequest({ ...${JSON.stringify(request)}, systemDisk: new Ecs.RunInstancesRequestSystemDisk(${JSON.stringify({ category: demoSpec.systemDisk.category, size: String(demoSpec.systemDisk.size) })}), tag: ${JSON.stringify([...demoSpec.tags, { key: 'ecs-batch:batch', value: 'bare' }])}.map((t) => new Ecs.RunInstancesRequestTag(t)) });`,
    `ecs.runInstances(req).then(() => { throw new Error('DryRun created instances'); }, (e) => {`,
    `  if (e.code !== 'DryRunOperation') throw e;`,
    `  ${done}`,
    `}).catch(${fail});`,
  ].join('\n');
}

/**
 * The same calls as one first sweep, with the full clients: the DescribeInstances it made, then its
 * Tablestore operations by name and count (counted on the emulator), each on a row of a table of its own.
 */
function bareSweepChild(ecsEndpoint: string, tsEndpoint: string, ids: string[], tsOps: Array<[string, number]>): string {
  return [
    ...bareEcs(ecsEndpoint),
    `const TableStore = require('tablestore');`,
    `const ts = new TableStore.Client({ accessKeyId: ${JSON.stringify(CREDS.accessKeyId)}, secretAccessKey: ${JSON.stringify(CREDS.accessKeySecret)}, endpoint: ${JSON.stringify(tsEndpoint)}, instancename: 'local', maxRetries: 0 });`,
    `const table = ${JSON.stringify(BARE_TABLE)};`,
    `const pk = [{ id: 'bare' }];`,
    `const cond = () => new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null);`,
    `const ops = {`,
    `  PutRow: () => ts.putRow({ tableName: table, primaryKey: pk, condition: cond(), attributeColumns: [{ doc: 'x'.repeat(1500) }, { version: TableStore.Long.fromNumber(1) }] }),`,
    `  UpdateRow: () => ts.updateRow({ tableName: table, primaryKey: pk, condition: cond(), updateOfAttributeColumns: [{ PUT: [{ doc: 'y'.repeat(1500) }] }] }),`,
    `  GetRow: () => ts.getRow({ tableName: table, primaryKey: pk, maxVersions: 1 }),`,
    `  DeleteRow: () => ts.deleteRow({ tableName: table, primaryKey: pk, condition: cond() }),`,
    `  GetRange: () => ts.getRange({ tableName: table, direction: TableStore.Direction.FORWARD, inclusiveStartPrimaryKey: [{ id: TableStore.INF_MIN }], exclusiveEndPrimaryKey: [{ id: TableStore.INF_MAX }], limit: 10, maxVersions: 1 }),`,
    `  BatchGetRow: () => ts.batchGetRow({ tables: [{ tableName: table, primaryKey: [pk], maxVersions: 1 }] }),`,
    `  BatchWriteRow: () => ts.batchWriteRow({ tables: [{ tableName: table, rows: [{ type: 'UPDATE', condition: cond(), primaryKey: pk, attributeColumns: [{ PUT: [{ doc: 'z' }] }], returnContent: { returnType: TableStore.ReturnType.NONE } }] }] }),`,
    `};`,
    `(async () => {`,
    `  await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: 'cn-hangzhou', instanceIds: ${JSON.stringify(JSON.stringify(ids))}, pageSize: 100 }));`,
    `  for (const [op, n] of ${JSON.stringify(tsOps)}) for (let i = 0; i < n; i++) await ops[op]();`,
    `  ${done}`,
    `})().catch(${fail});`,
  ].join('\n');
}

/**
 * First request: a fresh process loads a function and serves one request against the stand-ins, from
 * spawn to exit, against a fresh process that makes the same SDK calls with the full clients (and `node -e 0`
 * for scale), interleaved.
 */
export async function firstRequest(): Promise<Figure[]> {
  const built = await buildFunctions();
  const file = (name: string) => built.find((b) => b.name === name)!.file;
  const e = await startEmulators({ bootSeconds: 1 });
  try {
    await e.ts.call('createTable', {
      tableMeta: { tableName: BARE_TABLE, primaryKey: [{ name: 'id', type: 'STRING' }] },
      reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
      tableOptions: { timeToLive: -1, maxVersions: 1 },
    });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      ALIBABA_CLOUD_ACCESS_KEY_ID: CREDS.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: CREDS.accessKeySecret,
      ALIBABA_CLOUD_REGION: 'cn-hangzhou',
      TABLESTORE_ENDPOINT: e.tsEmu.url,
      TABLESTORE_INSTANCE: 'local',
      TABLE_PREFIX: 'bench_',
      ECS_ENDPOINT: e.ecsEmu.endpoint,
      API_TOKENS: JSON.stringify([{ name: 'bench', sha256: hashToken(TOKEN), profiles: '*' }]),
      LAUNCH_PROFILES_FILE: join(ROOT, 'local/profiles/demo.json'),
    };
    const setup = ecsAdapter(CREDS, { endpoint: e.ecsEmu.endpoint, rate: { perSecond: 100_000, burst: 100_000 } });
    let k = 0;
    /** A batch of SWEPT Running instances, due now, for the next first sweep to find. */
    const dueBatch = async () => {
      const v = demoSpec.vSwitches[0];
      const id = `first-${++k}`;
      const ids = await setup.runInstances({ batchId: id, spec: demoSpec, offering: { instanceType: demoSpec.instanceTypes[0], vSwitchId: v.id, zoneId: v.zoneId }, amount: SWEPT, clientToken: clientToken(id, 0, 0), tags: [] });
      e.clock.advance(2_000);
      const now = Date.now() - 1_000;
      await e.store.createBatch(pendingBatch(ids, now));
      return ids;
    };
    /** Run `f` while counting the calls it makes on both emulators. */
    const counted = async (f: () => Promise<Run>) => {
      e.ecsEmu.control.clearCalls();
      e.tsEmu.control.resetCalls();
      const run = await f();
      return { run, ecs: e.ecsEmu.control.calls(), ts: e.tsEmu.control.calls() };
    };

    // One first request of each, to learn the calls the bare scripts must make (and warm the file cache).
    const apiCalls = await counted(() => spawnNode(apiChild(file('api')), env));
    const sweptIds = await dueBatch();
    const sweepCalls = await counted(() => spawnNode(sweeperChild(file('sweeper')), env));
    const nonZero = (calls: Record<string, number>) => Object.entries(calls).filter(([, n]) => n > 0);
    const describe = (c: { ecs: Record<string, number>; ts: Record<string, number> }) => [...nonZero(c.ecs), ...nonZero(c.ts)].map(([op, n]) => `${op} x${n}`).join(', ') || 'none';
    if (JSON.stringify(nonZero(apiCalls.ecs)) !== JSON.stringify([['RunInstances', 1]]) || nonZero(apiCalls.ts).length > 0) {
      throw new Error(`the dry run made calls the bare script does not: ${describe(apiCalls)}`);
    }
    if (JSON.stringify(nonZero(sweepCalls.ecs)) !== JSON.stringify([['DescribeInstances', 1]])) throw new Error(`the first sweep made ECS calls the bare script does not: ${describe(sweepCalls)}`);
    const tsOps = nonZero(sweepCalls.ts);

    const subjects: Array<{ name: string; before?: () => Promise<void>; code: () => string }> = [
      { name: 'node -e 0', code: () => done },
      { name: 'api', code: () => apiChild(file('api')) },
      { name: 'bare api', code: () => bareApiChild(e.ecsEmu.endpoint) },
      { name: 'sweeper', before: async () => void (await dueBatch()), code: () => sweeperChild(file('sweeper')) },
      { name: 'bare sweep', code: () => bareSweepChild(e.ecsEmu.endpoint, e.tsEmu.url, sweptIds, tsOps) },
    ];
    const runs = new Map(subjects.map((s) => [s.name, [] as Run[]]));
    const sweeps: string[] = [];
    for (let i = 0; i < REPS; i++) {
      for (const s of subjects) {
        await s.before?.();
        if (s.name === 'sweeper') {
          const c = await counted(() => spawnNode(s.code(), env));
          sweeps.push(describe(c));
          runs.get(s.name)!.push(c.run);
        } else runs.get(s.name)!.push(await spawnNode(s.code(), env));
      }
    }
    // Every measured sweep must have done what the bare script repeats.
    const odd = sweeps.filter((d) => d !== describe(sweepCalls));
    if (odd.length > 0) throw new Error(`a first sweep made other calls than the first one (${describe(sweepCalls)}): ${odd[0]}`);

    const med = (name: string) => ({ ms: median(runs.get(name)!.map((r) => r.ms)), rss: median(runs.get(name)!.map((r) => r.rssMb)), cpu: median(runs.get(name)!.map((r) => r.cpuMs)) });
    const base = med('node -e 0');
    console.log(`first request: median of ${REPS} fresh processes each, interleaved; node -e 0 ${ms(base.ms)}, peak RSS ${base.rss.toFixed(0)} MB`);
    const figures: Figure[] = [];
    for (const [ours, bare, what, calls] of [
      ['api', 'bare api', 'POST /batches dry run', describe(apiCalls)],
      ['sweeper', 'bare sweep', `first sweep (1 batch of ${SWEPT})`, describe(sweepCalls)],
    ] as const) {
      const o = med(ours);
      const b = med(bare);
      console.log(
        `  ${ours} ${what}: ${ms(o.ms)} (${ratio(o.ms, b.ms)} the bare script, ${ratio(o.ms, base.ms)} node -e 0; CPU ${ms(o.cpu)}, ${ratio(o.cpu, b.cpu)} the bare script's), ` +
          `peak RSS ${o.rss.toFixed(0)} MB; bare script ${ms(b.ms)}, ${b.rss.toFixed(0)} MB; calls: ${calls}`,
      );
      figures.push(
        { name: `${ours}: ${what}`, value: ms(o.ms), baseline: `${ms(b.ms)} (same calls, full SDK clients)`, ratio: ratio(o.ms, b.ms), target: '<= 1.0x', met: o.ms <= b.ms },
        { name: `${ours}: ${what} vs node -e 0`, value: ms(o.ms), baseline: `${ms(base.ms)} (node -e 0)`, ratio: ratio(o.ms, base.ms) },
        { name: `${ours}: peak RSS`, value: `${o.rss.toFixed(0)} MB`, baseline: `${b.rss.toFixed(0)} MB (bare script)`, ratio: ratio(o.rss, b.rss), target: '<= 100 MB', met: o.rss <= 100 },
      );
    }
    return figures;
  } finally {
    await e.close();
  }
}
