import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_ATTEMPTS as MAX_CALLBACK_ATTEMPTS } from '../../functions/core/delivery';
import { startStack, type Stack } from '../support/stack';
import { queueRows, runSweep, SECRET, submit } from './support';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A callback receiver on 127.0.0.1:0 that answers with the next status of `answers` (then 200). */
let server: Server;
let url: string;
let received: Received[] = [];
let answers: number[] = [];

let s: Stack;
beforeAll(async () => {
  s = await startStack();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = answers.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/ecs?token=abc`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await s.close();
});
beforeEach(async () => {
  await s.reset();
  received = [];
  answers = [];
});

/** What a receiver does: recompute the HMAC over the raw body and compare in constant time. */
function verify(r: Received, secret: string): { t: number } {
  const header = String(r.headers['x-ecs-batch-signature']);
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) throw new Error(`malformed signature header: ${header}`);
  const expected = createHmac('sha256', secret).update(`${m[1]}.${r.body}`).digest();
  const given = Buffer.from(m[2], 'hex');
  if (!timingSafeEqual(expected, given)) throw new Error('signature does not match');
  return { t: Number(m[1]) };
}

describe('callbacks', () => {
  it('are delivered once, signed, with a delivery id, when the batch ends', async () => {
    const { id } = await submit(s, { amount: 1, callbackUrl: url });
    s.clock.advance(6_000);
    const summary = await runSweep(s);
    expect(summary).toMatchObject({ ended: { RUNNING: 1 }, callbacksDelivered: 1 });
    expect(received).toHaveLength(1);
    const [r] = received;
    const { t } = verify(r, SECRET);
    expect(Math.abs(t * 1000 - s.clock.now())).toBeLessThan(5_000);
    expect(() => verify(r, 'another-secret-0123456789')).toThrow('does not match');
    expect(() => verify({ ...r, body: r.body.replace('RUNNING', 'FAILED') }, SECRET)).toThrow('does not match');
    expect(r.headers['x-ecs-batch-delivery']).toBe(`${id}-final`);
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({ deliveryId: `${id}-final`, batch: { id, status: 'RUNNING' } });
    expect(r.body).not.toContain('token=abc'); // the URL's secret is not echoed back

    expect((await s.store.getBatch(id))!.callback).toMatchObject({ state: 'delivered', attempts: 1 });
    expect(queueRows(s, id)).toHaveLength(0);
    s.clock.advance(600_000);
    await runSweep(s);
    expect(received).toHaveLength(1);
  });

  it('are retried on a later sweep after the receiver fails, with the same delivery id', async () => {
    answers = [500];
    const { id } = await submit(s, { amount: 1, callbackUrl: url });
    s.clock.advance(6_000);
    expect(await runSweep(s)).toMatchObject({ ended: { RUNNING: 1 }, callbacksDelivered: 0 });
    const failed = (await s.store.getBatch(id))!.callback!;
    expect(failed).toMatchObject({ state: 'pending', attempts: 1, lastError: expect.stringContaining('500') });
    expect(queueRows(s, id).map((r) => r.primaryKey.dueAt)).toEqual([failed.nextAttemptAt]);

    s.clock.advance(failed.nextAttemptAt! - s.clock.now() - 1_000);
    await runSweep(s); // not yet
    expect(received).toHaveLength(1);
    s.clock.advance(1_000);
    expect(await runSweep(s)).toMatchObject({ callbacksDelivered: 1, ended: {} });
    expect(received).toHaveLength(2);
    expect(received.map((r) => r.headers['x-ecs-batch-delivery'])).toEqual([`${id}-final`, `${id}-final`]);
    verify(received[1], SECRET);
    expect((await s.store.getBatch(id))!.callback).toMatchObject({ state: 'delivered', attempts: 2 });
    expect(queueRows(s, id)).toHaveLength(0);
  });

  it('give up after the capped number of attempts, and the batch leaves the queue', async () => {
    answers = Array.from({ length: 50 }, () => 503);
    const { id } = await submit(s, { amount: 1, callbackUrl: url });
    s.clock.advance(6_000);
    for (let i = 0; i < 30 && queueRows(s, id).length > 0; i++) {
      await runSweep(s);
      s.clock.advance(600_000);
    }
    expect(received).toHaveLength(MAX_CALLBACK_ATTEMPTS);
    expect((await s.store.getBatch(id))!.callback).toMatchObject({ state: 'failed', attempts: MAX_CALLBACK_ATTEMPTS });
    expect(queueRows(s, id)).toHaveLength(0);
  });

  it('for a batch that failed at submission are sent by the next sweep', async () => {
    s.ecsEmu.control.setQuota({ instances: 0 });
    const { id, status } = await submit(s, { amount: 2, callbackUrl: url });
    expect(status).toBe('FAILED');
    expect(received).toHaveLength(0);
    await runSweep(s);
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0].body).batch).toMatchObject({ id, status: 'FAILED' });
  });
});
