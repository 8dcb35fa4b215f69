import { createServer } from 'node:http';
import type { EcsCloudEvent } from '../../../local/ecs';
import { listen, closeServer } from '../../../local/common/http';
import { $Ecs, REGION, run, startHarness, type Harness } from './harness';

let h: Harness;
let got: EcsCloudEvent[] = [];
beforeAll(async () => {
  h = await startHarness({ bootSeconds: 10 });
});
afterAll(() => h.emulator.close());
beforeEach(() => {
  got = [];
  h.emulator.control.setEventSink((e) => void got.push(e));
});
afterEach(() => {
  h.emulator.control.setEventSink(undefined);
  h.emulator.control.reset();
});

const settle = () => new Promise((r) => setTimeout(r, 30));
const states = (id: string) => got.filter((e) => e.type === 'ecs:Instance:StateChange' && 'resourceId' in e.data && e.data.resourceId === id).map((e) => (e.data as { state: string }).state);

describe('ECS events from the emulator', () => {
  it('publishes each state change of a RunInstances instance once, in the documented shape', async () => {
    const [id] = await run(h.ecs);
    await settle();
    expect(states(id)).toEqual(['Pending']);
    h.emulator.control.advanceClock({ seconds: 10 });
    await settle();
    expect(states(id)).toEqual(['Pending', 'Starting', 'Running']);
    const running = got.at(-1)!;
    expect(running).toMatchObject({
      source: 'acs.ecs',
      specversion: '1.0',
      type: 'ecs:Instance:StateChange',
      datacontenttype: 'application/json;charset=utf-8',
      aliyuneventbusname: 'default',
      aliyunregionid: REGION,
      subject: expect.stringMatching(new RegExp(`^acs:ecs:${REGION}:\\d+:instance/${id}$`)),
      data: { resourceId: id, resourceType: 'ALIYUN::ECS::Instance', state: 'Running' },
    });
    expect(new Set(got.map((e) => e.id)).size).toBe(got.length);
    expect(running.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // Stop, then delete: Stopping, Stopped, Deleted.
    await h.ecs.stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id }));
    h.emulator.control.advanceClock({ seconds: 10 });
    await h.ecs.deleteInstances(new $Ecs.DeleteInstancesRequest({ regionId: REGION, instanceId: [id] }));
    await settle();
    expect(states(id)).toEqual(['Pending', 'Starting', 'Running', 'Stopping', 'Stopped', 'Deleted']);
  });

  it('sends a spot interruption notice when reclaim starts, and Deleted when the instance is gone', async () => {
    const [id] = await run(h.ecs, { spotStrategy: 'SpotAsPriceGo' });
    h.emulator.control.advanceClock({ seconds: 10 });
    h.emulator.control.reclaimSpot({ instanceId: id, noticeSeconds: 300 });
    await settle();
    const notice = got.find((e) => e.type === 'ecs:Instance:PreemptibleInstanceInterruption');
    expect(notice?.data).toEqual({ instanceId: id, action: 'delete' });
    expect(states(id)).not.toContain('Deleted');
    h.emulator.control.advanceClock({ seconds: 300 });
    await settle();
    expect(states(id).at(-1)).toBe('Deleted');
  });

  it('publishes only what happens after the sink is set', async () => {
    h.emulator.control.setEventSink(undefined);
    const [id] = await run(h.ecs);
    h.emulator.control.setEventSink((e) => void got.push(e));
    await settle();
    expect(got).toEqual([]);
    h.emulator.control.advanceClock({ seconds: 10 });
    await settle();
    expect(states(id)).toEqual(['Starting', 'Running']);
  });

  it('drops and duplicates by seed: the same seed gives the same deliveries', async () => {
    const once = async () => {
      h.emulator.control.reset();
      got = [];
      h.emulator.control.configureEvents({ drop: 0.3, duplicate: 0.3, seed: 42 });
      await run(h.ecs, { amount: 20 });
      h.emulator.control.advanceClock({ seconds: 10 });
      await settle();
      return { counts: h.emulator.control.events().counts, n: got.length, kinds: got.map((e) => (e.data as { state: string }).state) };
    };
    const a = await once();
    const b = await once();
    expect(a.counts.published).toBe(60);
    expect(a.counts.dropped).toBeGreaterThan(0);
    expect(a.counts.duplicated).toBeGreaterThan(0);
    expect(a.n).toBe(a.counts.published - a.counts.dropped + a.counts.duplicated);
    expect(b).toEqual(a);
  });

  it('delays and reorders: with reorder a later event can arrive first', async () => {
    h.emulator.control.configureEvents({ reorder: 1, reorderMs: 200, seed: 3 });
    await run(h.ecs, { amount: 10 });
    h.emulator.control.advanceClock({ seconds: 10 });
    await new Promise((r) => setTimeout(r, 400));
    expect(got).toHaveLength(30);
    const times = got.map((e) => Date.parse(e.time));
    expect(times.some((t, i) => i > 0 && t < times[i - 1])).toBe(true);
  });

  it('refuses bad knobs with the field named, and posts to a URL sink', async () => {
    expect(() => h.emulator.control.configureEvents({ drop: 2 } as never)).toThrow(/drop/);
    const bodies: unknown[] = [];
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        bodies.push(JSON.parse(raw));
        res.writeHead(204).end();
      });
    });
    const port = await listen(server, 0);
    try {
      const res = await fetch(`${h.emulator.url}/__control/events`, { method: 'POST', body: JSON.stringify({ sinkUrl: `http://127.0.0.1:${port}/events` }) });
      expect(res.status).toBe(200);
      const [id] = await run(h.ecs);
      for (let i = 0; i < 50 && bodies.length === 0; i++) await settle();
      expect(bodies).toEqual([expect.objectContaining({ type: 'ecs:Instance:StateChange', data: expect.objectContaining({ resourceId: id, state: 'Pending' }) })]);
      expect(((await (await fetch(`${h.emulator.url}/__control/events`)).json()) as any).counts).toMatchObject({ published: 1, delivered: 1 });
    } finally {
      await closeServer(server);
    }
  });
});
