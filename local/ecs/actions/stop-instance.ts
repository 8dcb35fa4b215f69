import { ecsError } from '../errors';
import type { Params } from '../params';
import { checkStoppable, stop } from '../store/commands';
import { findInstance } from './common';
import type { ActionContext, EcsAction } from './context';

export const stopInstance: EcsAction = {
  name: 'StopInstance',
  mutates: true,
  run(p: Params, ctx: ActionContext) {
    const inst = findInstance(ctx, p.required('InstanceId'));
    p.bool('ForceStop');
    checkStoppable(ctx, inst);
    if (p.bool('DryRun')) throw ecsError('DryRunOperation');
    stop(ctx, inst);
    return {};
  },
};
