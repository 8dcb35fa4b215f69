import { ecsError } from '../errors';
import { capacityFor, createInstances, parseLaunchSpec, priceOf } from '../launch';
import { checkHostName, checkInstanceName } from '../names';
import type { Params } from '../params';
import type { ActionContext, EcsAction } from './context';
import { clientTokenFor } from './idempotency';

/** The legacy path: one instance, Stopped at once, no public IP until AllocatePublicIpAddress. */
export const createInstance: EcsAction = {
  name: 'CreateInstance',
  mutates: true,
  run(p: Params, ctx: ActionContext) {
    const dryRun = p.bool('DryRun');
    const idem = clientTokenFor(p, ctx, 'CreateInstance', dryRun);
    if (idem.previous) return idem.previous;

    const spec = parseLaunchSpec(p, ctx);
    const instanceName = p.str('InstanceName');
    const hostName = p.str('HostName');
    if (instanceName) checkInstanceName(instanceName);
    if (hostName) checkHostName(hostName);
    capacityFor(ctx, spec, 1, 1);
    if (dryRun) throw ecsError('DryRunOperation');

    const [inst] = createInstances(ctx, spec, [{ instanceName, hostName }], (now) => [{ status: 'Stopped', at: now }], {
      action: 'CreateInstance',
      clientToken: idem.token,
    });
    const response: Record<string, unknown> = { InstanceId: inst.instanceId, TradePrice: priceOf(ctx.world, spec, 1) };
    if (spec.instanceChargeType === 'PrePaid') response.OrderId = ctx.ids.orderId();
    idem.remember(response);
    return response;
  },
};
