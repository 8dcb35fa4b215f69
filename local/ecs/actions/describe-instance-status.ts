import { ecsError } from '../errors';
import type { Params } from '../params';
import { isLive, statusOf, type InstanceRecord } from '../store/state';
import { checkRegion } from './common';
import type { ActionContext, EcsAction } from './context';
import { pageOf } from './paging';

export const describeInstanceStatus: EcsAction = {
  name: 'DescribeInstanceStatus',
  mutates: false,
  run(p: Params, ctx: ActionContext) {
    checkRegion(p, ctx);
    const ids = p.list('InstanceId');
    if (ids.length > 100) throw ecsError('InvalidParameter', 'InstanceId.N may name at most 100 instances.');
    const zoneId = p.str('ZoneId');
    const wanted = ids.length ? new Set(ids) : undefined;
    const matches = (inst: InstanceRecord) =>
      isLive(inst, ctx.now) && (!wanted || wanted.has(inst.instanceId)) && (!zoneId || inst.zoneId === zoneId);
    const page = pageOf(p, [...ctx.state.instances.values()], matches, { defaultSize: 10, maxSize: 50 });
    return {
      ...page.meta,
      InstanceStatuses: { InstanceStatus: page.items.map((i) => ({ InstanceId: i.instanceId, Status: statusOf(i, ctx.now) })) },
    };
  },
};
