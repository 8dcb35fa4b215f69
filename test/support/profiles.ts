import { LaunchProfileSchema, type Profiles } from '../../functions/core/profile';

/** Profiles over the ECS emulator's default world, shared by unit and integration tests. */
export const profiles: Profiles = {
  demo: LaunchProfileSchema.parse({
    region: 'cn-hangzhou',
    imageId: 'aliyun_3_x64_20G_alibase_20240819.vhd',
    instanceTypes: ['ecs.g7.large', 'ecs.c7.large'],
    vSwitches: [
      { id: 'vsw-local-h', zoneId: 'cn-hangzhou-h' },
      { id: 'vsw-local-i', zoneId: 'cn-hangzhou-i' },
    ],
    securityGroupId: 'sg-local',
    internetMaxBandwidthOut: 5,
    limits: { maxPerRequest: 1000 },
    deadlineSeconds: 600,
  }),
  other: LaunchProfileSchema.parse({
    region: 'cn-hangzhou',
    imageId: 'aliyun_3_x64_20G_alibase_20240819.vhd',
    instanceTypes: ['ecs.t6-c1m1.large'],
    vSwitches: [{ id: 'vsw-local-j', zoneId: 'cn-hangzhou-j' }],
    securityGroupId: 'sg-local',
    limits: { maxPerRequest: 5 },
  }),
};

const { limits: _limits, deadlineSeconds: _deadline, timeZone: _tz, ...launch } = profiles.demo;
/** The demo profile as a bare launch spec. */
export const demoSpec = launch;
