import type { ActionContext } from '../actions/context';
import { ecsError } from '../errors';
import { stockKey } from '../world';
import { pastOnly, type InstanceStatus } from './lifecycle';
import { statusOf, type InstanceRecord } from './state';

function refuse(inst: InstanceRecord, status: InstanceStatus, wanted: string): never {
  throw ecsError('IncorrectInstanceStatus', `The current status of ${inst.instanceId} (${status}) does not support this operation; it must be ${wanted}.`);
}

/** Only a Stopped instance starts; it passes through Starting on the way to Running. */
export function checkStartable(ctx: ActionContext, inst: InstanceRecord): InstanceStatus {
  const status = statusOf(inst, ctx.now);
  if (status !== 'Stopped') refuse(inst, status, 'Stopped');
  return status;
}

export function start(ctx: ActionContext, inst: InstanceRecord): void {
  checkStartable(ctx, inst);
  inst.timeline = [
    ...pastOnly(inst.timeline, ctx.now),
    { status: 'Starting', at: ctx.now },
    { status: 'Running', at: ctx.now + ctx.timings.startingMs },
  ];
}

export function checkStoppable(ctx: ActionContext, inst: InstanceRecord): void {
  const status = statusOf(inst, ctx.now);
  if (status !== 'Running') refuse(inst, status, 'Running');
}

export function stop(ctx: ActionContext, inst: InstanceRecord): void {
  checkStoppable(ctx, inst);
  inst.timeline = [
    ...pastOnly(inst.timeline, ctx.now),
    { status: 'Stopping', at: ctx.now },
    { status: 'Stopped', at: ctx.now + ctx.timings.stoppingMs },
  ];
}

/** Release needs Stopped; Force releases a running one too, but nothing still being created. */
export function checkDeletable(ctx: ActionContext, inst: InstanceRecord, force: boolean): void {
  const status = statusOf(inst, ctx.now);
  if (force && status === 'Pending') {
    throw ecsError('IncorrectInstanceStatus.Initializing', `${inst.instanceId} is still being initialized (Pending); try again later.`);
  }
  if (!force && status !== 'Stopped') refuse(inst, status, 'Stopped (or use Force)');
}

export function remove(ctx: ActionContext, inst: InstanceRecord, force: boolean): void {
  checkDeletable(ctx, inst, force);
  inst.deletedAt = ctx.now;
  // A release gives the capacity back to the zone; a vanish or auto release does not (see README).
  const key = stockKey(inst.zoneId, inst.instanceType);
  ctx.state.stock[key] = (ctx.state.stock[key] ?? 0) + 1;
}
