import { LOCAL_CREDENTIALS, startLocalStack } from '../scripts/local-stack';
import { newToken } from '../scripts/local-token';
import { ecsAdapter } from '../functions/cloud/ecs';
import { condition, long, TS, Tablestore } from '../functions/cloud/tablestore';
import { clientToken } from '../functions/core/batch';
import { demoSpec, ms, percentile, ratio, type Figure } from './lib';

const SEQUENTIAL = 40;
const PARALLEL = 60;
const CONCURRENCY = 4;

async function timed<T>(f: () => Promise<T>): Promise<number> {
  const t = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function pool(n: number, concurrency: number, f: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t = Date.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await f(next++);
  }));
  return (n * 1000) / (Date.now() - t);
}

/**
 * POST /batches through local/fc (the bundled api function serving its FC 3.0 HTTP event) against the
 * bare calls a submission must make — one RunInstances and the same Tablestore operations, counted on the
 * emulator during the HTTP phase — issued directly with the same SDKs in the same run.
 */
export async function submitLatency(): Promise<Figure[]> {
  const token = newToken();
  // The watch runs on another FC instance in the cloud; here it would share these 2 cores, so it is off.
  const stack = await startLocalStack({ port: 0, token, timers: false, bootSeconds: 5, env: { SWEEPER_FUNCTION: 'none' } });
  try {
    const ts = stack.tablestoreControl!;
    let key = 0;
    const post = async () => {
      const res = await fetch(`${stack.apiUrl}/batches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `bench-${++key}` },
        body: JSON.stringify({ profile: 'demo', amount: 1 }),
      });
      if (res.status !== 202) throw new Error(`POST /batches answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    };
    for (let i = 0; i < 5; i++) await post(); // warm: the function instance, clients, connections
    ts.resetCalls();
    const httpLat: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) httpLat.push(await timed(post));
    const perSubmit = Object.entries(ts.calls()).map(([op, n]) => [op, Math.round(n / SEQUENTIAL)] as const).filter(([, n]) => n > 0);
    const httpRps = await pool(PARALLEL, CONCURRENCY, post);

    // The bare calls: one RunInstances through the same ECS client, then the Tablestore operations of one submission.
    const ecs = ecsAdapter(LOCAL_CREDENTIALS, { endpoint: stack.ecsEndpoint });
    const store = new Tablestore(LOCAL_CREDENTIALS, { endpoint: stack.tablestoreEndpoint, instanceName: 'local' });
    await store.call('createTable', { tableMeta: { tableName: 'bench_bare', primaryKey: [{ name: 'id', type: 'STRING' }] }, reservedThroughput: { capacityUnit: { read: 0, write: 0 } }, tableOptions: { timeToLive: -1, maxVersions: 1 } }).catch(() => undefined);
    let n = 0;
    const op = (name: string, id: string): Promise<unknown> => {
      const pk = [{ id }];
      const row = { tableName: 'bench_bare', primaryKey: pk };
      switch (name) {
        case 'PutRow': return store.call('putRow', { ...row, condition: condition('IGNORE'), attributeColumns: [{ doc: 'x'.repeat(1500) }, { version: long(1) }] });
        case 'UpdateRow': return store.call('updateRow', { ...row, condition: condition('IGNORE'), updateOfAttributeColumns: [{ PUT: [{ doc: 'y'.repeat(1500) }] }] });
        case 'GetRow': return store.call('getRow', { ...row, maxVersions: 1 });
        case 'DeleteRow': return store.call('deleteRow', { ...row, condition: condition('IGNORE') });
        case 'GetRange': return store.call('getRange', { tableName: 'bench_bare', direction: TS.Direction.FORWARD, inclusiveStartPrimaryKey: [{ id: TS.INF_MIN }], exclusiveEndPrimaryKey: [{ id: TS.INF_MAX }], limit: 10, maxVersions: 1 });
        case 'BatchGetRow': return store.call('batchGetRow', { tables: [{ tableName: 'bench_bare', primaryKey: [pk], maxVersions: 1 }] });
        case 'BatchWriteRow': return store.call('batchWriteRow', { tables: [{ tableName: 'bench_bare', rows: [{ type: 'PUT', condition: condition('IGNORE'), primaryKey: pk, attributeColumns: [{ doc: 'z' }], returnContent: { returnType: TS.ReturnType.NONE } }] }] });
        default: throw new Error(`the bare baseline does not know ${name}`);
      }
    };
    const bare = async () => {
      const i = ++n;
      const v = demoSpec.vSwitches[i % demoSpec.vSwitches.length];
      await ecs.runInstances({ batchId: `bare-${i}`, spec: demoSpec, offering: { instanceType: demoSpec.instanceTypes[0], vSwitchId: v.id, zoneId: v.zoneId }, amount: 1, clientToken: clientToken(`bare-${i}`, 0, 0), tags: [] });
      for (const [name, count] of perSubmit) for (let k = 0; k < count; k++) await op(name, `bare-${i}`);
    };
    for (let i = 0; i < 5; i++) await bare();
    const bareLat: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) bareLat.push(await timed(bare));
    const bareRps = await pool(PARALLEL, CONCURRENCY, bare);

    const [h50, h99, b50, b99] = [percentile(httpLat, 50), percentile(httpLat, 99), percentile(bareLat, 50), percentile(bareLat, 99)];
    console.log(`submit: POST /batches (amount 1) through local/fc, ${SEQUENTIAL} one at a time, then ${PARALLEL} with ${CONCURRENCY} at once`);
    console.log(`  per submission: 1 RunInstances + Tablestore ${perSubmit.map(([o, c]) => `${o} x${c}`).join(', ')}`);
    console.log(`  POST /batches: p50 ${ms(h50)}, p99 ${ms(h99)}, ${httpRps.toFixed(1)} req/s`);
    console.log(`  bare calls:    p50 ${ms(b50)}, p99 ${ms(b99)}, ${bareRps.toFixed(1)} submissions/s`);
    return [
      { name: 'POST /batches p50', value: ms(h50), baseline: `${ms(b50)} (bare calls)`, ratio: ratio(h50, b50) },
      { name: 'POST /batches p99', value: ms(h99), baseline: `${ms(b99)} (bare calls)`, ratio: ratio(h99, b99), target: '<= 1.3x', met: h99 / b99 <= 1.3 },
      { name: `throughput (${CONCURRENCY} at once)`, value: `${httpRps.toFixed(1)}/s`, baseline: `${bareRps.toFixed(1)}/s`, ratio: ratio(httpRps, bareRps) },
    ];
  } finally {
    await stack.close();
  }
}
