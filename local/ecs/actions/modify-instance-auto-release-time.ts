import { ecsError } from '../errors';
import { parseAutoRelease } from '../launch';
import type { Params } from '../params';
import type { ActionContext, EcsAction } from './context';

/**
 * ModifyInstanceAutoReleaseTime: one instance per call. Parameters, limits and codes as documented
 * (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-modifyinstanceautoreleasetime,
 * and the SDK model `@alicloud/ecs20140526` ModifyInstanceAutoReleaseTimeRequest: RegionId, InstanceId,
 * AutoReleaseTime):
 * - `InstanceId` is required (400 MissingParameter); `RegionId` is optional.
 * - `AutoReleaseTime` is UTC `yyyy-MM-ddTHH:mm:ssZ`, seconds dropped, at least 30 minutes and at most three
 *   years ahead, else 400 InvalidAutoReleaseTime.Malformed; absent means "no automatic release".
 * - Only pay-as-you-go and spot instances: a subscription one is 403 ChargeTypeViolation.
 * - An instance that does not exist (or no longer does) is 404 NoSuchResource, the code the API's own
 *   error table lists (https://www.alibabacloud.com/help/doc-detail/47576.htm).
 */
export const modifyInstanceAutoReleaseTime: EcsAction = {
  name: 'ModifyInstanceAutoReleaseTime',
  mutates: true,
  run(p: Params, ctx: ActionContext) {
    const regionId = p.str('RegionId');
    if (regionId !== undefined && regionId !== ctx.world.regionId) throw ecsError('InvalidRegionId.NotFound', `The specified RegionId "${regionId}" does not exist.`);
    const instanceId = p.str('InstanceId');
    if (instanceId === undefined) throw ecsError('MissingParameter', 'InstanceId should not be null.');
    const releaseAt = parseAutoRelease(p.str('AutoReleaseTime'), ctx.now);
    const inst = ctx.state.find(instanceId, ctx.now);
    if (!inst || inst.regionId !== (regionId ?? inst.regionId)) throw ecsError('NoSuchResource', `The specified instance "${instanceId}" is not found.`);
    if (inst.instanceChargeType === 'PrePaid') throw ecsError('ChargeTypeViolation');
    if (releaseAt === undefined) delete inst.autoReleaseAt;
    else inst.autoReleaseAt = releaseAt;
    return {};
  },
};
