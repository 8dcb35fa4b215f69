import { allocatePublicIpAddress } from './allocate-public-ip-address';
import type { EcsAction } from './context';
import { createInstance } from './create-instance';
import { deleteInstance } from './delete-instance';
import { deleteInstances } from './delete-instances';
import { describeInstanceStatus } from './describe-instance-status';
import { describeInstances } from './describe-instances';
import { modifyInstanceAutoReleaseTime } from './modify-instance-auto-release-time';
import { runInstances } from './run-instances';
import { startInstance } from './start-instance';
import { startInstances } from './start-instances';
import { stopInstance } from './stop-instance';

export const ACTIONS: ReadonlyMap<string, EcsAction> = new Map(
  [
    runInstances,
    createInstance,
    describeInstances,
    describeInstanceStatus,
    startInstance,
    startInstances,
    stopInstance,
    allocatePublicIpAddress,
    deleteInstance,
    deleteInstances,
    modifyInstanceAutoReleaseTime,
  ].map((a) => [a.name, a]),
);
