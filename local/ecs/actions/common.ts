import { ecsError } from '../errors';
import type { Params } from '../params';
import type { InstanceRecord } from '../store/state';
import type { ActionContext } from './context';

export function checkRegion(p: Params, ctx: ActionContext): string {
  const regionId = p.required('RegionId');
  if (regionId !== ctx.world.regionId) throw ecsError('InvalidRegionId.NotFound', `The specified RegionId "${regionId}" does not exist.`);
  return regionId;
}

export function findInstance(ctx: ActionContext, instanceId: string): InstanceRecord {
  const inst = ctx.state.find(instanceId, ctx.now);
  if (!inst) throw ecsError('InvalidInstanceId.NotFound', `The specified InstanceId "${instanceId}" does not exist.`);
  return inst;
}

/** `InstanceId.1..N` with the real cap on N. */
export function instanceIdList(p: Params, max: number): string[] {
  const ids = p.list('InstanceId');
  if (ids.length === 0) throw ecsError('MissingParameter', 'The input parameter "InstanceId" that is mandatory for processing this request is not supplied.');
  if (ids.length > max) throw ecsError('InvalidParameter', `The number of InstanceId.N exceeds ${max}.`);
  return ids;
}

/** The API's time format: UTC to the minute, as `2024-08-19T04:04Z`. */
export function apiMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16) + 'Z';
}
