import { z } from 'zod';
import { loadChatOpsConfig, type ChatOpsConfig } from '../chatops';
import { ConfigError } from '../core/errors';
import type { Profiles } from '../core/profile';
import { CloudEnvSchema, loadProfiles, parseEnv, type CloudEnv } from '../cloud/env';
import { parseTokens, type TokenScope } from './auth';

export interface ApiConfig {
  cloud: CloudEnv;
  profiles: Profiles;
  tokens: TokenScope[];
  chatops: ChatOpsConfig;
  submitLeaseMs: number;
  pollMs: number;
}

const ApiEnvSchema = z.object({
  SUBMIT_LEASE_SECONDS: z.coerce.number().int().min(10).max(3600).default(120),
  // `GET /batches/{id}?wait=` re-reads the one batch row this often: a waiting client sees a change within
  // 0.2 s of the row changing, for at most 167 single-row reads (GetRow) in a 25 s wait.
  LONG_POLL_MS: z.coerce.number().int().min(10).max(5000).default(150),
});

/** Read and check all configuration once, at cold start; a bad value stops the function with its name. */
export function loadApiConfig(env: NodeJS.ProcessEnv, codeDir: string): ApiConfig {
  const cloud = parseEnv(CloudEnvSchema, env);
  const own = parseEnv(ApiEnvSchema, env);
  // s.yaml writes `${env('X', '')}`: an empty variable is unset, as everywhere else.
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const chat = loadChatOpsConfig(set);
  if (!chat.ok) throw new ConfigError(`configuration: ${chat.error}`);
  return {
    cloud,
    profiles: loadProfiles(env, codeDir),
    tokens: parseTokens(env.API_TOKENS),
    chatops: chat.config,
    submitLeaseMs: own.SUBMIT_LEASE_SECONDS * 1000,
    pollMs: own.LONG_POLL_MS,
  };
}
