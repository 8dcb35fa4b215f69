import { z } from 'zod';
import { ConfigError } from './errors';
import { formatIssues } from './validation';

/**
 * Launch profiles: named, validated launch settings so that chat users and schedules never pass raw
 * image ids. Instance types and vSwitches are listed in fallback order: when ECS has no stock for one
 * (type, zone) the next offering is tried.
 */

const id = (prefix: string) => z.string().regex(new RegExp(`^${prefix}[A-Za-z0-9-]{1,60}$`), `must look like ${prefix}...`);

export const TagSchema = z.strictObject({
  key: z
    .string()
    .min(1)
    .max(128)
    .refine((k) => !/^(aliyun|acs:)/i.test(k), 'tag keys must not start with "aliyun" or "acs:"'),
  value: z.string().max(128),
});
export type Tag = z.infer<typeof TagSchema>;

export const SystemDiskSchema = z.strictObject({
  category: z.enum(['cloud_efficiency', 'cloud_ssd', 'cloud_essd', 'cloud', 'cloud_auto', 'cloud_essd_entry']),
  size: z.int().min(20).max(2048),
});

export const BillingSchema = z.discriminatedUnion('chargeType', [
  z.strictObject({
    chargeType: z.literal('PostPaid'),
    spotStrategy: z.enum(['NoSpot', 'SpotWithPriceLimit', 'SpotAsPriceGo']).default('NoSpot'),
    spotPriceLimit: z.number().positive().optional(),
    spotDuration: z.int().min(0).max(6).optional(),
  }),
  z.strictObject({
    chargeType: z.literal('PrePaid'),
    period: z.int().min(1).max(60),
    periodUnit: z.enum(['Month', 'Week']).default('Month'),
    autoRenew: z.boolean().default(false),
  }),
]);

export const VSwitchSchema = z.strictObject({ id: id('vsw-'), zoneId: z.string().regex(/^[a-z]{2}-[a-z0-9-]+$/) });

/** The settings RunInstances needs, shared by profiles and by raw specs (tokens with `raw-spec`). */
export const LaunchSpecSchema = z.strictObject({
  region: z.string().regex(/^[a-z]{2}-[a-z0-9-]+$/, 'must be a region id such as cn-hangzhou'),
  imageId: z.string().min(1).max(128),
  instanceTypes: z.array(z.string().regex(/^ecs\.[a-z0-9.-]+$/, 'must be an instance type such as ecs.g7.large')).min(1).max(10),
  vSwitches: z.array(VSwitchSchema).min(1).max(10),
  securityGroupId: id('sg-'),
  systemDisk: SystemDiskSchema.default({ category: 'cloud_essd', size: 40 }),
  internetMaxBandwidthOut: z.int().min(0).max(100).default(0),
  internetChargeType: z.enum(['PayByTraffic', 'PayByBandwidth']).default('PayByTraffic'),
  billing: BillingSchema.default({ chargeType: 'PostPaid', spotStrategy: 'NoSpot' }),
  keyPairName: z.string().min(1).max(128).optional(),
  tags: z.array(TagSchema).max(20).default([]),
  namePattern: z.string().min(2).max(128).optional(),
});
export type LaunchSpec = z.infer<typeof LaunchSpecSchema>;

export const LaunchProfileSchema = LaunchSpecSchema.extend({
  limits: z.strictObject({ maxPerRequest: z.int().min(1).max(1000).default(100) }).default({ maxPerRequest: 100 }),
  /** How long a batch may take to be all Running before it ends TIMED_OUT. */
  deadlineSeconds: z.int().min(60).max(24 * 3600).default(900),
  /** IANA zone used by chat `until 18:00` and schedules' local release times. */
  timeZone: z.string().default('UTC').refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai'),
});
export type LaunchProfile = z.infer<typeof LaunchProfileSchema>;

/** A launch profile's name, as profiles are keyed and as requests, chat commands and schedules name them. */
export const ProfileNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'a profile name is up to 63 letters, digits, "-" or "_"');

export const ProfilesSchema = z.record(ProfileNameSchema, LaunchProfileSchema);
export type Profiles = Record<string, LaunchProfile>;

/**
 * The first `Intl.DateTimeFormat` with a time zone starts ICU's time-zone machinery, about 15 ms, and this
 * check runs at cold start for every profile. The list of the runtime's canonical zone names is next to free
 * and answers for the usual case; a name it does not hold (a link such as US/Pacific or Etc/UTC, another case) is
 * still asked of DateTimeFormat, so the verdict is the same. Every implementation must support "UTC"
 * (https://tc39.es/ecma262/#sec-time-zone-identifiers), which Node 20's list leaves out.
 */
let canonicalZones: Set<string> | undefined;
export function isTimeZone(tz: string): boolean {
  canonicalZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (tz === 'UTC' || canonicalZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The profile called `name`. Own properties only: "constructor" is a well-formed name and a property of every object. */
export const profileNamed = (profiles: Profiles, name: string): LaunchProfile | undefined => (Object.hasOwn(profiles, name) ? profiles[name] : undefined);

/** What RunInstances needs from a profile: everything but its limits, deadline and time zone. */
export function launchSpecOf(profile: LaunchProfile): LaunchSpec {
  const { limits: _limits, deadlineSeconds: _deadline, timeZone: _timeZone, ...spec } = profile;
  return spec;
}

/** Whether a grant (`"*"` or a list of profile names) lets its holder use the profile `name`. */
export const allowsProfile = (allowed: '*' | readonly string[], name: string): boolean => allowed === '*' || allowed.includes(name);

/** Parse profiles from configuration text; a bad profile names the field that is wrong. */
export function parseProfiles(text: string, source: string): Profiles {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`${source}: not valid JSON`);
  }
  const parsed = ProfilesSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(`${source}: ${formatIssues(parsed.error.issues)}`);
  return parsed.data;
}
