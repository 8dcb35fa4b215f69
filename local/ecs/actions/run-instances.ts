import { ecsError } from '../errors';
import { capacityFor, createInstances, nextPublicIp, parseLaunchSpec, priceOf } from '../launch';
import { checkHostName, checkInstanceName, expandNames } from '../names';
import type { Params } from '../params';
import { bootTimeline } from '../store/lifecycle';
import type { ActionContext, EcsAction } from './context';
import { clientTokenFor } from './idempotency';

export const runInstances: EcsAction = {
  name: 'RunInstances',
  mutates: true,
  run(p: Params, ctx: ActionContext) {
    const amount = p.int('Amount', { min: 1, max: 100 }, 1);
    const minAmount = p.int('MinAmount', { min: 1, max: 100 }, amount);
    if (minAmount > amount) throw ecsError('InvalidParameter', `MinAmount (${minAmount}) must not be greater than Amount (${amount}).`);
    const dryRun = p.bool('DryRun');
    // A retry with the same token returns the first answer before anything else is checked:
    // the world may have changed since (stock gone, AutoReleaseTime nearer), the answer has not.
    const idem = clientTokenFor(p, ctx, 'RunInstances', dryRun);
    if (idem.previous) return idem.previous;

    const spec = parseLaunchSpec(p, ctx);
    const uniqueSuffix = p.bool('UniqueSuffix');
    const hostNames = p.list('HostNames');
    if (hostNames.length && hostNames.length !== amount) {
      throw ecsError('InvalidParameter', `HostNames.N must name exactly Amount (${amount}) hosts.`);
    }
    const instanceNames = expandNames(p.str('InstanceName') ?? '', amount, uniqueSuffix, 'InvalidInstanceName.Malformed');
    const hosts = hostNames.length ? hostNames : expandNames(p.str('HostName') ?? '', amount, uniqueSuffix, 'InvalidHostName.Malformed');
    instanceNames.filter(Boolean).forEach(checkInstanceName);
    hosts.filter(Boolean).forEach(checkHostName);

    const count = capacityFor(ctx, spec, amount, minAmount);
    if (dryRun) throw ecsError('DryRunOperation');

    const names = instanceNames.slice(0, count).map((n, i) => ({ instanceName: n || undefined, hostName: hosts[i] || undefined }));
    const held = ctx.state.holdNew;
    const created = createInstances(ctx, spec, names, (now) => bootTimeline(now, ctx.timings, held), { action: 'RunInstances', clientToken: idem.token });
    for (const inst of created) {
      if (held) inst.held = true;
      if (spec.internetMaxBandwidthOut > 0) inst.publicIp = nextPublicIp(ctx);
    }

    const response: Record<string, unknown> = {
      InstanceIdSets: { InstanceIdSet: created.map((i) => i.instanceId) },
      TradePrice: priceOf(ctx.world, spec, created.length),
    };
    if (spec.instanceChargeType === 'PrePaid') response.OrderId = ctx.ids.orderId();
    idem.remember(response);
    return response;
  },
};

