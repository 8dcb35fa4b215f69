import { z } from 'zod';
import type { Acs3Credential } from '../common/acs3';

export const CredentialSchema = z
  .object({
    accessKeyId: z.string().min(1),
    accessKeySecret: z.string().min(1),
    /** STS: requests signed with this key must carry this `x-acs-security-token`. */
    securityToken: z.string().min(1).optional(),
  })
  .strict();
export type EmulatorCredential = z.infer<typeof CredentialSchema>;

export const DEFAULT_CREDENTIAL: EmulatorCredential = { accessKeyId: 'local', accessKeySecret: 'local-secret' };

/** The default pair plus any extra ones; a later pair with the same id replaces the earlier. */
export function credentialMap(extra: EmulatorCredential[] = []): Map<string, Acs3Credential> {
  const map = new Map<string, Acs3Credential>();
  for (const c of [DEFAULT_CREDENTIAL, ...extra]) map.set(c.accessKeyId, { secret: c.accessKeySecret, securityToken: c.securityToken });
  return map;
}

/** `ECS_EMULATOR_CREDENTIALS='[{"accessKeyId":"STS.x","accessKeySecret":"s","securityToken":"t"}]'`. */
export function parseCredentialsJson(json: string | undefined): EmulatorCredential[] {
  if (!json) return [];
  return z.array(CredentialSchema).parse(JSON.parse(json));
}

/** `--credential id:secret[:token]` (the token may itself contain colons). */
export function parseCredentialFlag(flag: string): EmulatorCredential {
  const [accessKeyId, accessKeySecret, ...token] = flag.split(':');
  return CredentialSchema.parse({ accessKeyId, accessKeySecret, securityToken: token.length ? token.join(':') : undefined });
}
