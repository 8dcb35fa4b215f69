import { EcsError, ecsError } from '../errors';
import type { Params } from '../params';
import { checkStartable, start } from '../store/commands';
import { statusOf } from '../store/state';
import { checkRegion, instanceIdList } from './common';
import type { ActionContext, EcsAction } from './context';

/**
 * AllTogether (default): every instance starts or none does, and the first refusal is the error.
 * SuccessFirst: those that can start do; each instance gets its own Code in InstanceResponses.
 */
export const startInstances: EcsAction = {
  name: 'StartInstances',
  mutates: true,
  run(p: Params, ctx: ActionContext) {
    checkRegion(p, ctx);
    const ids = instanceIdList(p, 100);
    const mode = p.oneOf('BatchOptimization', ['AllTogether', 'SuccessFirst'], 'AllTogether', 'InvalidBatchOptimization.ValueNotSupported');
    const dryRun = p.bool('DryRun');

    const checks = ids.map((instanceId) => {
      const inst = ctx.state.find(instanceId, ctx.now);
      try {
        if (!inst) throw ecsError('InvalidInstanceId.NotFound', `The specified InstanceId "${instanceId}" does not exist.`);
        checkStartable(ctx, inst);
        return { instanceId, inst, error: undefined };
      } catch (e) {
        if (!(e instanceof EcsError)) throw e;
        return { instanceId, inst, error: e };
      }
    });
    const firstError = checks.find((c) => c.error)?.error;
    // A dry run answers DRYRUN.SUCCESS when it passes; with SuccessFirst it answers only that (docs).
    if (dryRun && mode === 'SuccessFirst') throw ecsError('DRYRUN.SUCCESS');
    if (mode === 'AllTogether' && firstError) throw firstError;
    if (dryRun) throw ecsError('DRYRUN.SUCCESS');

    const responses = checks.map(({ instanceId, inst, error }) => {
      const previous = inst ? statusOf(inst, ctx.now) : '';
      if (inst && !error) start(ctx, inst);
      return {
        InstanceId: instanceId,
        Code: error ? error.code : '200',
        Message: error ? error.message : 'success',
        PreviousStatus: previous,
        CurrentStatus: inst ? statusOf(inst, ctx.now) : '',
      };
    });
    return { InstanceResponses: { InstanceResponse: responses } };
  },
};
