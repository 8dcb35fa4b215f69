import { z } from 'zod';

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

const ContextCredentials = z.object({
  accessKeyId: z.string().min(1),
  accessKeySecret: z.string().min(1),
  // FC passes an empty token when the credentials are not STS ones.
  securityToken: z
    .string()
    .optional()
    .transform((t) => t || undefined),
});

/**
 * On Function Compute: the function role's STS credentials from `context.credentials` (they rotate, so
 * they are read on every invocation). Locally: the standard ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET
 * (and optional ALIBABA_CLOUD_SECURITY_TOKEN) variables. Never logged.
 */
export function resolveCredentials(context: unknown, env: NodeJS.ProcessEnv): Credentials {
  const fromContext = ContextCredentials.safeParse((context as { credentials?: unknown } | undefined)?.credentials);
  if (fromContext.success) {
    const { securityToken, ...keys } = fromContext.data;
    return securityToken ? { ...keys, securityToken } : keys;
  }
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (!accessKeyId || !accessKeySecret) {
    throw new Error('no credentials: context.credentials is empty and ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET are not set');
  }
  const securityToken = env.ALIBABA_CLOUD_SECURITY_TOKEN || undefined;
  return { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
}

/** A stable cache key for clients built from credentials, without keeping the secret readable. */
export function credentialsKey(c: Credentials): string {
  return `${c.accessKeyId}:${require('node:crypto').createHash('sha256').update(`${c.accessKeySecret}\n${c.securityToken ?? ''}`).digest('hex').slice(0, 16)}`;
}
