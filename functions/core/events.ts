/**
 * ECS events as the core sees them, and what each one calls for. ECS pushes `ecs:Instance:StateChange`
 * and `ecs:Instance:PreemptibleInstanceInterruption` through EventBridge (see README "Tracking by push").
 * An event only ever makes a batch due now; DescribeInstances stays the source of truth.
 */
export type EcsEvent =
  | { kind: 'state'; key: string; region: string; instanceId: string; state: string; at: number }
  | { kind: 'interruption'; key: string; region: string; instanceId: string; at: number };

/**
 * - `look`: the batch is due now and the look confirms with one DescribeInstances (which it needs anyway
 *   for IPs): Running may end it, Stopped needs a start, Deleted starts the missing grace.
 * - `interrupt`: mark the instance interrupted, replace it at once for a replaceLost batch, then look.
 * - `none`: Pending, Created, Starting, Stopping (and states we do not know) change nothing we act on:
 *   they cost no read, no DescribeInstances.
 */
export type EventAction = 'look' | 'interrupt' | 'none';

const LOOK_STATES: ReadonlySet<string> = new Set(['Running', 'Stopped', 'Deleted']);

export function eventAction(e: EcsEvent): EventAction {
  if (e.kind === 'interruption') return 'interrupt';
  return LOOK_STATES.has(e.state) ? 'look' : 'none';
}
