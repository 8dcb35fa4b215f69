import type { Acs3Credential } from '../common/acs3';
import type { Clock } from '../common/clock';
import type { ActionContext, EcsAction } from './actions/context';
import { EventPublisher } from './events';
import { IdSource } from './ids';
import { Faults } from './faults';
import { RateLimits } from './rate-limit';
import type { Params } from './params';
import { timingsFor, type LifecycleTimings } from './store/lifecycle';
import { loadSnapshot, saveSnapshot } from './store/persist';
import { EcsState } from './store/state';
import type { World } from './world';
import { NonceLog } from '../common/rpc-v1';

/** Everything one emulator holds: world, state, clock, faults, counters. Shared by the server and the control API. */
export class EcsRuntime {
  state: EcsState;
  readonly faults: Faults;
  /** Flow control, off until a test or demo sets a limit. */
  readonly rateLimits = new RateLimits();
  readonly ids: IdSource;
  readonly timings: LifecycleTimings;
  /** ECS events (StateChange, spot interruption) to a sink; off until one is set. */
  readonly events: EventPublisher;
  calls: Record<string, number> = {};
  /**
   * Signature freshness is judged against wall time (what the SDK stamps), not the lifecycle clock:
   * tests advance the lifecycle clock by hours and must still get their calls through. This offset
   * skews the gateway's own view, to provoke InvalidTimeStamp.Expired on purpose.
   */
  gatewaySkewMs = 0;
  /** SignatureNonce values of RPC v1 calls within the freshness window (a repeat is a replay). */
  readonly nonces = new NonceLog();
  private readonly dataDir: string | undefined;

  constructor(
    readonly world: World,
    readonly clock: Clock,
    readonly credentials: Map<string, Acs3Credential>,
    opts: { bootSeconds: number; seed: number; dataDir?: string },
  ) {
    this.dataDir = opts.dataDir;
    this.timings = timingsFor(opts.bootSeconds);
    this.ids = new IdSource(opts.seed);
    this.faults = new Faults(opts.seed);
    this.state = new EcsState(world);
    const saved = this.dataDir ? loadSnapshot(this.dataDir) : undefined;
    if (saved) this.state.restore(saved);
    this.events = new EventPublisher(() => this.state, clock, opts.seed);
  }

  gatewayNow(): number {
    return Date.now() + this.gatewaySkewMs;
  }

  count(action: string): void {
    this.calls[action] = (this.calls[action] ?? 0) + 1;
  }

  run(action: EcsAction, params: Params, requestId: string, accessKeyId: string): Record<string, unknown> {
    const ctx: ActionContext = {
      state: this.state,
      world: this.world,
      now: this.clock.now(),
      timings: this.timings,
      ids: this.ids,
      requestId,
      accessKeyId,
    };
    const result = action.run(params, ctx);
    if (action.mutates) {
      this.persist();
      this.events.scan();
    }
    return result;
  }

  /** With `--data`, the whole state is written after every change (small: one JSON file). */
  persist(): void {
    if (this.dataDir) saveSnapshot(this.dataDir, this.state.snapshot());
  }

  /** A change made outside an action (control API, clock): publish what it made happen. */
  changed(): void {
    this.persist();
    this.events.scan();
  }

  reset(): void {
    this.state = new EcsState(this.world);
    this.faults.clear();
    this.rateLimits.clear();
    this.calls = {};
    this.gatewaySkewMs = 0;
    this.events.reset();
    this.persist();
  }
}
