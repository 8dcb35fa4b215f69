import { ecsError } from '../errors';
import type { Params } from '../params';
import { checkDeletable, remove } from '../store/commands';
import { checkRegion, findInstance, instanceIdList } from './common';
import type { ActionContext, EcsAction } from './context';

/** All or nothing: every instance is checked before any is released. */
export const deleteInstances: EcsAction = {
  name: 'DeleteInstances',
  mutates: true,
  run(p: Params, ctx: ActionContext) {
    checkRegion(p, ctx);
    const force = p.bool('Force');
    const instances = instanceIdList(p, 100).map((id) => findInstance(ctx, id));
    for (const inst of instances) checkDeletable(ctx, inst, force);
    if (p.bool('DryRun')) throw ecsError('DryRunOperation');
    for (const inst of new Set(instances)) remove(ctx, inst, force);
    return {};
  },
};
