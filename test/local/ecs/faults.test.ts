import { $Ecs, failureOf, REGION, run, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ seed: 42 });
});
afterAll(() => h.emulator.close());
afterEach(() => h.emulator.control.reset());

describe('injected faults', () => {
  it('throttles the next call of one action as a ThrottlingError carrying retryAfter', async () => {
    h.emulator.control.addFault({ action: 'RunInstances', kind: 'throttle', times: 1, retryAfterMs: 1500 });
    const e = await failureOf(run(h.ecs));
    expect(e).toMatchObject({ name: 'ThrottlingError', code: 'Throttling.User', retryAfter: 1500 });
    expect(h.emulator.control.instances()).toHaveLength(0);
    expect(await run(h.ecs)).toHaveLength(1);
  });

  it('leaves other actions alone when scoped to one', async () => {
    h.emulator.control.addFault({ action: 'DescribeInstances', kind: 'throttle' });
    expect(await run(h.ecs)).toHaveLength(1);
  });

  it('answers InternalError (500) and ServiceUnavailable (503) as ServerErrors without processing', async () => {
    h.emulator.control.addFault({ kind: 'internalError', times: 1 });
    h.emulator.control.addFault({ kind: 'serviceUnavailable', times: 1 });
    expect(await failureOf(run(h.ecs))).toMatchObject({ name: 'ServerError', code: 'InternalError', statusCode: 500 });
    expect(await failureOf(run(h.ecs))).toMatchObject({ name: 'ServerError', code: 'ServiceUnavailable', statusCode: 503 });
    expect(h.emulator.control.instances()).toHaveLength(0);
  });

  it('adds latency to an answer that still arrives', async () => {
    h.emulator.control.addFault({ kind: 'latency', latencyMs: 300, times: 1 });
    const started = Date.now();
    expect(await run(h.ecs)).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('can give no answer at all, so the client times out and nothing is created', async () => {
    h.emulator.control.addFault({ action: 'RunInstances', kind: 'noAnswer', times: 1 });
    const impatient = h.clientWith({ readTimeout: 300 });
    const e = await failureOf(run(impatient, { clientToken: 'lost-request' }));
    expect(String(e.name) + String(e.message)).toMatch(/timeout/i);
    expect(h.emulator.control.instances()).toHaveLength(0);
  });

  it('can apply a call and lose its answer; a retry with the same ClientToken returns the created ids', async () => {
    h.emulator.control.addFault({ action: 'RunInstances', kind: 'answerLost', times: 1 });
    await failureOf(run(h.ecs, { amount: 3, clientToken: 'lost-answer' }));
    const created = h.emulator.control.instances();
    expect(created).toHaveLength(3);
    const retried = await run(h.ecs, { amount: 3, clientToken: 'lost-answer' });
    expect(retried.sort()).toEqual(created.map((i) => i.instanceId).sort());
    expect(h.emulator.control.instances()).toHaveLength(3);
  });

  it('fires probabilistic faults in the same pattern every time under the same seed', async () => {
    const pattern = async () => {
      h.emulator.control.clearFaults();
      h.emulator.control.addFault({ action: 'DescribeInstances', kind: 'internalError', probability: 0.5 });
      const outcomes: string[] = [];
      for (let i = 0; i < 12; i++) {
        outcomes.push(await h.ecs.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION })).then(() => 'ok', (e) => e.code));
      }
      return outcomes.join(',');
    };
    const first = await pattern();
    expect(first).toMatch(/ok/);
    expect(first).toMatch(/InternalError/);
    expect(await pattern()).toBe(first);
  });

  it('can be ordered over HTTP and listed', async () => {
    const res = await fetch(`${h.emulator.url}/__control/faults`, {
      method: 'POST',
      body: JSON.stringify({ action: 'RunInstances', kind: 'serviceUnavailable', times: 2 }),
    });
    expect(res.status).toBe(200);
    expect(h.emulator.control.faults()).toEqual([expect.objectContaining({ kind: 'serviceUnavailable', times: 2 })]);
    const bad = await fetch(`${h.emulator.url}/__control/faults`, { method: 'POST', body: JSON.stringify({ kind: 'meteor' }) });
    expect(bad.status).toBe(400);
  });
});
