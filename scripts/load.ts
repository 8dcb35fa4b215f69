// `npm run load -- --batches 200`: concurrent submissions plus status polling through local/fc.
import { parseArgs } from 'node:util';
import { startLocalStack } from './local-stack';

const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { batches: { type: 'string', default: '200' }, amount: { type: 'string', default: '2' } } });
  const n = Number(values.batches);
  const amount = Number(values.amount);
  const token = 'load-token-0123456789';
  const stack = await startLocalStack({ port: 0, token, bootSeconds: 2, timers: true, sweepSeconds: 2 });
  stack.ecsControl?.setQuota({ instances: n * amount + 100 });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const errors: string[] = [];
  const submitMs: number[] = [];
  const started = Date.now();

  const ids = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const t0 = Date.now();
      const res = await fetch(`${stack.apiUrl}/batches`, { method: 'POST', headers: { ...headers, 'idempotency-key': `load-${i}` }, body: JSON.stringify({ profile: 'demo', amount }) });
      submitMs.push(Date.now() - t0);
      const body = (await res.json()) as { id?: string; error?: { code: string } };
      if (res.status !== 202) errors.push(`POST ${res.status} ${body.error?.code}`);
      return body.id;
    }),
  );
  const submittedAt = Date.now();
  const endedMs: number[] = [];
  let polls = 0;
  await Promise.all(
    ids.map(async (id) => {
      if (!id) return;
      for (let k = 0; k < 30; k++) {
        polls++;
        const res = await fetch(`${stack.apiUrl}/batches/${id}?wait=10`, { headers });
        const b = (await res.json()) as { status: string };
        if (res.status !== 200) errors.push(`GET ${res.status}`);
        if (['RUNNING', 'PARTIAL', 'FAILED', 'TIMED_OUT', 'CANCELLED'].includes(b.status)) {
          if (b.status !== 'RUNNING') errors.push(`batch ${id} ended ${b.status}`);
          endedMs.push(Date.now() - started);
          return;
        }
      }
      errors.push(`batch ${id} did not end`);
    }),
  );
  clearInterval(sampler);
  const ledger = stack.ecsControl?.instances() ?? [];
  await stack.close();
  console.log(`load: ${n} concurrent batches of ${amount} through local/fc (boot 2 s)`);
  console.log(`  POST /batches      p50 ${pct(submitMs, 50)} ms   p99 ${pct(submitMs, 99)} ms   all accepted in ${submittedAt - started} ms`);
  console.log(`  ended RUNNING      ${endedMs.length}/${n}, last after ${Math.max(...endedMs)} ms; ${polls} status polls`);
  console.log(`  instances created  ${ledger.length} (expected ${n * amount})`);
  console.log(`  peak RSS           ${(peakRss / 2 ** 20).toFixed(0)} MB (whole stack in one process: emulators, runtime, workers)`);
  console.log(`  errors             ${errors.length}${errors.length ? ': ' + [...new Set(errors)].slice(0, 5).join('; ') : ''}`);
  if (errors.length || ledger.length !== n * amount) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
