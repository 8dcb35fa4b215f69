import { ecsError } from '../errors';
import type { Params } from '../params';
import { checkStartable, start } from '../store/commands';
import { findInstance } from './common';
import type { ActionContext, EcsAction } from './context';

export const startInstance: EcsAction = {
  name: 'StartInstance',
  mutates: true,
  run(p: Params, ctx: ActionContext) {
    const inst = findInstance(ctx, p.required('InstanceId'));
    checkStartable(ctx, inst);
    if (p.bool('DryRun')) throw ecsError('DryRunOperation');
    start(ctx, inst);
    return {};
  },
};
