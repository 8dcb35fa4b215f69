import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { readBody } from '../common/http';
import { apiMinute } from './actions/common';
import { EventKnobsSchema, type EventCounts, type EventKnobs, type EventSink } from './events';
import type { FaultRule, FaultRuleInput } from './faults';
import type { RateLimit, RateLimitInput } from './rate-limit';
import type { EcsRuntime } from './runtime';
import { pastOnly, type InstanceStatus } from './store/lifecycle';
import { fateOf, goneAt, statusOf, type Fate } from './store/state';
import { stockKey, type World } from './world';

/** A control request that cannot be done; HTTP answers it with `status` and `{ error }`. */
export class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** One entry of the ledger: every instance ever created, whatever became of it. */
export interface CreatedInstance {
  instanceId: string;
  action: string;
  clientToken?: string;
  requestId: string;
  accessKeyId: string;
  createdAt: string;
  zoneId: string;
  instanceType: string;
  /** Its status now, or the last one it had before it went. */
  status: InstanceStatus;
  fate: Fate;
  goneAt?: string;
  /** Its AutoReleaseTime now (ISO), or null for none. */
  autoReleaseAt: string | null;
  tags: { key: string; value: string }[];
}

const StockInput = z.object({ zoneId: z.string().optional(), instanceType: z.string().optional(), available: z.number().int().nonnegative() }).strict();
const QuotaInput = z
  .object({
    /** Live instances in the account. */
    instances: z.number().int().nonnegative().optional(),
    /** Live instances per instance type in the region (merged; null removes a limit). */
    instanceTypes: z.record(z.string(), z.number().int().nonnegative().nullable()).optional(),
    /** vCPUs of all types per zone (merged; null removes a limit). */
    zoneVcpus: z.record(z.string(), z.number().int().nonnegative().nullable()).optional(),
  })
  .strict();
const VanishInput = z
  .object({ instanceIds: z.array(z.string()).optional(), next: z.number().int().positive().optional(), afterSeconds: z.number().nonnegative().default(0) })
  .strict();
const ReclaimInput = z
  .object({
    instanceId: z.string(),
    noticeSeconds: z.number().nonnegative().default(300),
    /** Current ECS docs spell the lock `Recycling`; older ones (and older answers) `recycling`. */
    lockReason: z.enum(['Recycling', 'recycling']).default('Recycling'),
  })
  .strict();
const HoldInput = z.object({ instanceIds: z.array(z.string()).optional(), allNew: z.boolean().optional() }).strict();
const ReleaseInput = z.object({ instanceIds: z.array(z.string()).optional() }).strict();
const SkewInput = z.object({ ms: z.number() }).strict();
const AdvanceInput = z.object({ ms: z.number().nonnegative().optional(), seconds: z.number().nonnegative().optional() }).strict();

function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input ?? {});
  if (!r.success) throw new ControlError(z.prettifyError(r.error));
  return r.data;
}

/** The test and demo handle: same powers in-process as over `/__control/...`. */
export class EcsControl {
  constructor(private readonly rt: EcsRuntime) {}

  addFault(rule: FaultRuleInput): FaultRule {
    try {
      return this.rt.faults.add(rule);
    } catch (e) {
      throw e instanceof z.ZodError ? new ControlError(z.prettifyError(e)) : e;
    }
  }

  faults(): FaultRule[] {
    return this.rt.faults.list();
  }

  /** Gateway flow control: `{perSecond, burst?, action?}`; over it, calls get Throttling.User + x-acs-retry-after. */
  rateLimit(input: RateLimitInput): RateLimit {
    try {
      return this.rt.rateLimits.set(input);
    } catch (e) {
      throw e instanceof z.ZodError ? new ControlError(z.prettifyError(e)) : e;
    }
  }

  rateLimits(): Array<RateLimit & { throttled: number }> {
    return this.rt.rateLimits.list();
  }

  clearRateLimits(): void {
    this.rt.rateLimits.clear();
  }

  clearFaults(): void {
    this.rt.faults.clear();
  }

  /** Available count for one (zone, type), or for every zone and/or type left out. */
  setStock(input: z.input<typeof StockInput>): Record<string, number> {
    const { zoneId, instanceType, available } = parse(StockInput, input);
    const zones = zoneId ? [zoneId] : this.rt.world.zones;
    const types = instanceType ? [instanceType] : this.rt.world.instanceTypes.map((t) => t.instanceType);
    for (const z of zones) for (const t of types) this.rt.state.stock[stockKey(z, t)] = available;
    this.rt.changed();
    return this.stock();
  }

  stock(): Record<string, number> {
    return { ...this.rt.state.stock };
  }

  setQuota(input: z.input<typeof QuotaInput>): void {
    const q = parse(QuotaInput, input);
    const state = this.rt.state;
    if (q.instances !== undefined) state.quota = q.instances;
    const merge = (into: Record<string, number>, from: Record<string, number | null> = {}) => {
      for (const [k, v] of Object.entries(from)) {
        if (v === null) delete into[k];
        else into[k] = v;
      }
    };
    merge(state.typeQuota, q.instanceTypes);
    merge(state.zoneVcpuQuota, q.zoneVcpus);
    this.rt.changed();
  }

  /**
   * A SystemFailure.Delete: the named instances, or the next `next` created ones, disappear
   * `afterSeconds` after now (named) or after their creation (next).
   */
  vanish(input: z.input<typeof VanishInput>): { instanceIds: string[] } {
    const { instanceIds = [], next, afterSeconds } = parse(VanishInput, input);
    const now = this.rt.clock.now();
    for (const id of instanceIds) this.live(id).vanishAt = now + afterSeconds * 1000;
    if (next) this.rt.state.vanishNext = { remaining: next, afterMs: afterSeconds * 1000 };
    this.rt.changed();
    return { instanceIds };
  }

  /** Spot reclaim: a Recycling lock now, the instance gone after the notice (5 minutes by default). */
  reclaimSpot(input: z.input<typeof ReclaimInput>): void {
    const { instanceId, noticeSeconds, lockReason } = parse(ReclaimInput, input);
    const inst = this.live(instanceId);
    if (inst.spotStrategy === 'NoSpot') throw new ControlError(`${instanceId} is not a spot instance`);
    const now = this.rt.clock.now();
    inst.recyclingAt = now;
    if (lockReason !== 'Recycling') inst.recyclingLock = lockReason;
    inst.vanishAt = now + noticeSeconds * 1000;
    this.rt.changed();
  }

  /** Keep the named instances (still booting) where they are, and/or every new instance Pending. */
  hold(input: z.input<typeof HoldInput>): void {
    const { instanceIds = [], allNew } = parse(HoldInput, input);
    const now = this.rt.clock.now();
    for (const id of instanceIds) {
      const inst = this.live(id);
      const status = statusOf(inst, now);
      if (status !== 'Pending' && status !== 'Starting') throw new ControlError(`${id} is ${status}; only a booting instance can be held`);
      inst.timeline = pastOnly(inst.timeline, now);
      inst.held = true;
    }
    if (allNew !== undefined) this.rt.state.holdNew = allNew;
    this.rt.changed();
  }

  /** Let held instances (the named ones, or all of them and stop holding new ones) go on booting from now. */
  release(input?: z.input<typeof ReleaseInput>): { instanceIds: string[] } {
    const { instanceIds } = parse(ReleaseInput, input);
    const now = this.rt.clock.now();
    const { startingMs } = this.rt.timings;
    if (!instanceIds) this.rt.state.holdNew = false;
    const targets = instanceIds?.map((id) => this.live(id)) ?? [...this.rt.state.instances.values()].filter((i) => i.held);
    for (const inst of targets) {
      if (!inst.held) continue;
      inst.held = false;
      const booting = statusOf(inst, now) === 'Starting' ? [] : [{ status: 'Starting' as const, at: now }];
      inst.timeline = [...inst.timeline, ...booting, { status: 'Running' as const, at: now + startingMs }];
    }
    this.rt.changed();
    return { instanceIds: targets.map((i) => i.instanceId) };
  }

  advanceClock(input: z.input<typeof AdvanceInput>): { now: string } {
    const { ms = 0, seconds = 0 } = parse(AdvanceInput, input);
    const clock = this.rt.clock as { advance?: (ms: number) => void };
    if (typeof clock.advance !== 'function') throw new ControlError('this emulator runs on a clock that cannot be advanced');
    clock.advance(ms + seconds * 1000);
    this.rt.events.scan();
    return { now: new Date(this.rt.clock.now()).toISOString() };
  }

  /** Shift the gateway's idea of the time (not the lifecycle clock); 20 minutes makes every signature stale. */
  skewGateway(input: z.input<typeof SkewInput>): void {
    this.rt.gatewaySkewMs = parse(SkewInput, input).ms;
  }

  now(): number {
    return this.rt.clock.now();
  }

  /**
   * Publish ECS events (StateChange, PreemptibleInstanceInterruption) to `sink`: a function, or a URL that
   * takes one event per POST. Undefined stops publishing. Only what happens from now on is published.
   */
  setEventSink(sink: EventSink | string | undefined): void {
    try {
      this.rt.events.setSink(sink);
    } catch (e) {
      throw new ControlError(e instanceof Error ? e.message : String(e));
    }
  }

  /** Delivery faults by seed: `{drop, duplicate, delayMs, reorder, reorderMs, seed}` (see events.ts). */
  configureEvents(input: z.input<typeof EventKnobsSchema>): EventKnobs {
    try {
      return this.rt.events.configure(input);
    } catch (e) {
      throw e instanceof z.ZodError ? new ControlError(z.prettifyError(e)) : e;
    }
  }

  events(): { enabled: boolean; knobs: EventKnobs; counts: EventCounts } {
    return { enabled: this.rt.events.enabled, knobs: this.rt.events.settings, counts: { ...this.rt.events.counts } };
  }

  /** Empty account, world stock and quota, no faults or rate limits, no counters, no gateway skew. The clock is left alone. */
  reset(): void {
    this.rt.reset();
  }

  instances(): CreatedInstance[] {
    const now = this.rt.clock.now();
    return [...this.rt.state.instances.values()].map((inst) => {
      const gone = goneAt(inst);
      const fate = fateOf(inst, now);
      return {
        instanceId: inst.instanceId,
        action: inst.origin.action,
        clientToken: inst.origin.clientToken,
        requestId: inst.origin.requestId,
        accessKeyId: inst.origin.accessKeyId,
        createdAt: new Date(inst.createdAt).toISOString(),
        zoneId: inst.zoneId,
        instanceType: inst.instanceType,
        status: statusOf(inst, fate === 'live' ? now : gone! - 1),
        fate,
        goneAt: fate === 'live' || gone === undefined ? undefined : apiMinute(gone),
        autoReleaseAt: inst.autoReleaseAt === undefined ? null : new Date(inst.autoReleaseAt).toISOString(),
        tags: inst.tags,
      };
    });
  }

  calls(): Record<string, number> {
    return { ...this.rt.calls };
  }

  /** Start counting calls afresh (a benchmark phase), leaving everything else as it is. */
  clearCalls(): void {
    this.rt.calls = {};
  }

  world(): World {
    return this.rt.world;
  }

  private live(instanceId: string) {
    const inst = this.rt.state.find(instanceId, this.rt.clock.now());
    if (!inst) throw new ControlError(`no live instance ${instanceId}`, 404);
    return inst;
  }
}

// Bodies are validated by each EcsControl method, so the router passes them through untyped.
type Route = (c: EcsControl, body: any) => unknown;
const ROUTES: Record<string, Route> = {
  'GET /__control/instances': (c) => ({ instances: c.instances() }),
  'GET /__control/calls': (c) => ({ calls: c.calls() }),
  'DELETE /__control/calls': (c) => (c.clearCalls(), {}),
  'GET /__control/faults': (c) => ({ faults: c.faults() }),
  'POST /__control/faults': (c, b) => c.addFault(b),
  'DELETE /__control/faults': (c) => (c.clearFaults(), {}),
  'GET /__control/rate-limit': (c) => ({ rateLimits: c.rateLimits() }),
  'POST /__control/rate-limit': (c, b) => c.rateLimit(b),
  'DELETE /__control/rate-limit': (c) => (c.clearRateLimits(), {}),
  'GET /__control/stock': (c) => ({ stock: c.stock() }),
  'POST /__control/stock': (c, b) => ({ stock: c.setStock(b) }),
  'POST /__control/quota': (c, b) => (c.setQuota(b), {}),
  'POST /__control/vanish': (c, b) => c.vanish(b),
  'POST /__control/reclaim': (c, b) => (c.reclaimSpot(b), {}),
  'POST /__control/hold': (c, b) => (c.hold(b), {}),
  'POST /__control/release': (c, b) => c.release(b),
  'GET /__control/clock': (c) => ({ now: new Date(c.now()).toISOString() }),
  'POST /__control/clock/advance': (c, b) => c.advanceClock(b),
  'POST /__control/gateway-skew': (c, b) => (c.skewGateway(b), {}),
  'POST /__control/reset': (c) => (c.reset(), {}),
  'GET /__control/events': (c) => c.events(),
  'POST /__control/events': (c, b) => {
    const { sinkUrl, ...knobs } = (b ?? {}) as { sinkUrl?: unknown };
    if (sinkUrl !== undefined) {
      if (sinkUrl !== null && typeof sinkUrl !== 'string') throw new ControlError('sinkUrl must be a URL string, or null to stop');
      c.setEventSink(sinkUrl ?? undefined);
    }
    c.configureEvents(knobs);
    return c.events();
  },
  'GET /__control/world': (c) => c.world(),
};

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** `/__control/...`: JSON in and out, no signature, loopback callers only. */
export async function handleControl(control: EcsControl, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) return send(403, { error: 'the control API answers loopback callers only' });
  const path = (req.url ?? '').split('?')[0].replace(/\/+$/, '');
  const route = ROUTES[`${req.method} ${path}`];
  if (!route) return send(404, { error: `no control endpoint ${req.method} ${path}`, endpoints: Object.keys(ROUTES) });
  try {
    const raw = (await readBody(req, 1024 * 1024)).toString('utf8');
    const body: unknown = raw.trim() ? JSON.parse(raw) : {};
    send(200, route(control, body) ?? {});
  } catch (e) {
    if (e instanceof ControlError) return send(e.status, { error: e.message });
    if (e instanceof SyntaxError) return send(400, { error: `body is not JSON: ${e.message}` });
    send(500, { error: String(e) });
  }
}
