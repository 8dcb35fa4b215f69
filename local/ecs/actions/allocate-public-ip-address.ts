import { ecsError } from '../errors';
import { nextPublicIp } from '../launch';
import type { Params } from '../params';
import { statusOf } from '../store/state';
import { findInstance } from './common';
import type { ActionContext, EcsAction } from './context';

/** Running or Stopped only, one address per instance, and only with public bandwidth bought. */
export const allocatePublicIpAddress: EcsAction = {
  name: 'AllocatePublicIpAddress',
  mutates: true,
  run(p: Params, ctx: ActionContext) {
    const inst = findInstance(ctx, p.required('InstanceId'));
    const status = statusOf(inst, ctx.now);
    if (status !== 'Running' && status !== 'Stopped') {
      throw ecsError('IncorrectInstanceStatus', `The current status of ${inst.instanceId} (${status}) does not support this operation; it must be Running or Stopped.`);
    }
    if (inst.publicIp) throw ecsError('AllocatedAlready');
    if (inst.internetMaxBandwidthOut <= 0) throw ecsError('OperationDenied.NoBandwidth');
    inst.publicIp = nextPublicIp(ctx);
    return { IpAddress: inst.publicIp };
  },
};
