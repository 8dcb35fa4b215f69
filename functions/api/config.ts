import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, parseProfiles, type Profiles } from '../core/profile';
import { CloudEnvSchema, parseEnv, type CloudEnv } from '../cloud/env';
import { parseTokens, type TokenScope } from './auth';

export interface ApiConfig {
  cloud: CloudEnv;
  profiles: Profiles;
  tokens: TokenScope[];
  submitLeaseMs: number;
  pollMs: number;
}

const ApiEnvSchema = z.object({
  SUBMIT_LEASE_SECONDS: z.coerce.number().int().min(10).max(3600).default(120),
  LONG_POLL_MS: z.coerce.number().int().min(10).max(5000).default(1000),
});

/** Read and check all configuration once, at cold start; a bad value stops the function with its name. */
export function loadApiConfig(env: NodeJS.ProcessEnv): ApiConfig {
  const cloud = parseEnv(CloudEnvSchema, env);
  const own = parseEnv(ApiEnvSchema, env);
  return { cloud, profiles: loadProfiles(env), tokens: parseTokens(env.API_TOKENS), submitLeaseMs: own.SUBMIT_LEASE_SECONDS * 1000, pollMs: own.LONG_POLL_MS };
}

export function loadProfiles(env: NodeJS.ProcessEnv): Profiles {
  if (env.LAUNCH_PROFILES) return parseProfiles(env.LAUNCH_PROFILES, 'LAUNCH_PROFILES');
  if (env.LAUNCH_PROFILES_FILE) {
    let text: string;
    try {
      text = readFileSync(env.LAUNCH_PROFILES_FILE, 'utf8');
    } catch {
      throw new ConfigError(`LAUNCH_PROFILES_FILE: cannot read ${env.LAUNCH_PROFILES_FILE}`);
    }
    return parseProfiles(text, 'LAUNCH_PROFILES_FILE');
  }
  return {};
}
