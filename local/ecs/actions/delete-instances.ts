import { ecsError } from '../errors';
import type { InstanceRecord } from '../store/state';
import type { Params } from '../params';
import { checkDeletable, remove } from '../store/commands';
import { checkRegion, instanceIdList } from './common';
import type { ActionContext, EcsAction } from './context';

/** All or nothing: every instance is checked before any is released. */
export const deleteInstances: EcsAction = {
  name: 'DeleteInstances',
  mutates: true,
  run(p: Params, ctx: ActionContext) {
    checkRegion(p, ctx);
    const force = p.bool('Force');
    const ids = instanceIdList(p, 100);
    const found = ids.map((id) => ctx.state.find(id, ctx.now));
    const missing = ids.filter((_, k) => !found[k]);
    if (missing.length) throw ecsError('InvalidInstanceIds.NotFound', `The specified InstanceIds do not exist: ${missing.join(', ')}.`);
    const instances = found as InstanceRecord[];
    for (const inst of instances) checkDeletable(ctx, inst, force);
    if (p.bool('DryRun')) throw ecsError('DryRunOperation');
    for (const inst of new Set(instances)) remove(ctx, inst, force);
    return {};
  },
};
