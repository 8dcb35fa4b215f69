import { LaunchProfileSchema, type LaunchProfile } from '../../functions/core/profile';

/** The emulator's default world as a profile (mirrors the `demo` profile shipped for npm start). */
export const demoProfile: LaunchProfile = LaunchProfileSchema.parse({
  region: 'cn-hangzhou',
  imageId: 'aliyun_3_x64_20G_alibase_20240819.vhd',
  instanceTypes: ['ecs.g7.large', 'ecs.c7.large'],
  vSwitches: [
    { id: 'vsw-local-h', zoneId: 'cn-hangzhou-h' },
    { id: 'vsw-local-i', zoneId: 'cn-hangzhou-i' },
  ],
  securityGroupId: 'sg-local',
  internetMaxBandwidthOut: 5,
  tags: [{ key: 'team', value: 'ops' }],
  limits: { maxPerRequest: 1000 },
});

export const { limits: _limits, deadlineSeconds: _deadline, timeZone: _tz, ...demoSpec } = demoProfile;
