import { ecsError } from '../errors';
import type { Params } from '../params';
import { checkDeletable, remove } from '../store/commands';
import { findInstance } from './common';
import type { ActionContext, EcsAction } from './context';

export const deleteInstance: EcsAction = {
  name: 'DeleteInstance',
  mutates: true,
  run(p: Params, ctx: ActionContext) {
    const inst = findInstance(ctx, p.required('InstanceId'));
    const force = p.bool('Force');
    checkDeletable(ctx, inst, force);
    if (p.bool('DryRun')) throw ecsError('DryRunOperation');
    remove(ctx, inst, force);
    return {};
  },
};
