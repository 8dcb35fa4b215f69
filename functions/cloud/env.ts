import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { formatIssues } from '../core/validation';
import { ConfigError } from '../core/errors';
import { LOG_LEVELS } from './log';
import { parseProfiles, type Profiles } from '../core/profile';

/** Where the cloud is. Locally these point at the stand-ins; on FC they are the regional endpoints. */
export const CloudEnvSchema = z.object({
  TABLESTORE_ENDPOINT: z.url({ protocol: /^https?$/ }),
  TABLESTORE_INSTANCE: z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{2,15}$/, 'must be a Tablestore instance name'),
  TABLE_PREFIX: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,40}$/).default('ecsbatch_'),
  /** `host:port` of an ECS endpoint (the local emulator); unset = `ecs.<region>.aliyuncs.com`. */
  ECS_ENDPOINT: z.string().regex(/^[\w.-]+(:\d{1,5})?$/, 'must be host or host:port').optional(),
  ECS_PROTOCOL: z.enum(['HTTP', 'HTTPS']).optional(),
  /**
   * The sweeper's function name, for the fast-path watch; unset or `none` = no watch. (`none`, because
   * under `s` an empty value takes the s.yaml default, the sweeper's name.)
   */
  SWEEPER_FUNCTION: z.string().regex(/^[a-zA-Z_][\w-]{0,127}$/).transform((v) => (v === 'none' ? undefined : v)).optional(),
  /**
   * `host:port` of the FC API (the local runtime); unset = `<account>.<region>.fc.aliyuncs.com`. Not
   * `FC_...`: FC reserves that prefix for its own environment variables.
   */
  FUNCTION_COMPUTE_ENDPOINT: z.string().regex(/^[\w.-]+(:\d{1,5})?$/, 'must be host or host:port').optional(),
  ECS_RETRY_BASE_MS: z.coerce.number().int().min(1).max(10_000).default(500),
  /** This function instance's share of the account's ECS API rate (calls per second, per region). */
  ECS_RATE_PER_SECOND: z.coerce.number().min(0.1).max(1000).default(20),
  /** Lines below this level are not logged; `debug` adds routine ones such as a sweep with nothing due. */
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});
export type CloudEnv = z.infer<typeof CloudEnvSchema>;

/** An empty variable means unset (s.yaml writes `${env('X', '')}` for optional settings). */
export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(set);
  if (!parsed.success) throw new ConfigError(`configuration: ${formatIssues(parsed.error.issues)}`);
  return parsed.data;
}

/**
 * Launch profiles from the environment, shared by the api (HTTP and chat) and the sweeper (schedules):
 * `LAUNCH_PROFILES` (JSON) or `LAUNCH_PROFILES_FILE` (a path to the same JSON). Unset means no profiles.
 * The file is read here, at the edge; functions/core only parses the text. A relative
 * `LAUNCH_PROFILES_FILE` is read from `codeDir`, the function's code folder: FC uploads only that folder,
 * and the build copies the file into it at the same relative path (scripts/build.ts copyProfiles).
 */
export function loadProfiles(env: NodeJS.ProcessEnv, codeDir: string): Profiles {
  if (env.LAUNCH_PROFILES) return parseProfiles(env.LAUNCH_PROFILES, 'LAUNCH_PROFILES');
  if (env.LAUNCH_PROFILES_FILE) {
    let text: string;
    try {
      text = readFileSync(isAbsolute(env.LAUNCH_PROFILES_FILE) ? env.LAUNCH_PROFILES_FILE : join(codeDir, env.LAUNCH_PROFILES_FILE), 'utf8');
    } catch {
      throw new ConfigError(`LAUNCH_PROFILES_FILE: cannot read ${env.LAUNCH_PROFILES_FILE}`);
    }
    return parseProfiles(text, 'LAUNCH_PROFILES_FILE');
  }
  return {};
}
