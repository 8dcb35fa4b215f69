import type { IdSource } from '../ids';
import type { Params } from '../params';
import type { LifecycleTimings } from '../store/lifecycle';
import type { EcsState } from '../store/state';
import type { World } from '../world';

/** What one call can see: the state, the time of the call and who made it. */
export interface ActionContext {
  state: EcsState;
  world: World;
  /** The clock's reading when the call arrived; every decision in the call uses this one instant. */
  now: number;
  timings: LifecycleTimings;
  ids: IdSource;
  requestId: string;
  accessKeyId: string;
}

/**
 * One ECS operation. `run` is synchronous on purpose: Node runs it to the end without interleaving
 * another request, which is what makes check-then-create (ClientToken, stock, quota) atomic.
 */
export interface EcsAction {
  name: string;
  /** Whether a successful call changes state (and so is persisted with `--data`). */
  mutates: boolean;
  run(params: Params, ctx: ActionContext): Record<string, unknown>;
}
