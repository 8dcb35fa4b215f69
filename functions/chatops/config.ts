import { parseAcl, type Acl } from './acl';
import type { FeishuSecrets } from './feishu';

/**
 * Chat-ops configuration from the function's environment. A platform whose secret is unset is off: its
 * webhooks are rejected as `not_configured`. Secrets may list several values, comma-separated, while one
 * is being rotated.
 *
 *   DINGTALK_APP_SECRET         outgoing robot AppSecret
 *   SLACK_SIGNING_SECRET        app Signing Secret
 *   FEISHU_ENCRYPT_KEY          Events & Callbacks Encrypt Key (enables decryption and signatures)
 *   FEISHU_VERIFICATION_TOKEN   Events & Callbacks Verification Token
 *   CHATOPS_ACL                 JSON, see acl.ts
 */
export interface ChatOpsConfig {
  dingtalk?: { appSecrets: string[] };
  slack?: { signingSecrets: string[] };
  feishu?: FeishuSecrets;
  acl: Acl;
}

const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

export function loadChatOpsConfig(env: Record<string, string | undefined>): { ok: true; config: ChatOpsConfig } | { ok: false; error: string } {
  const acl = parseAcl(env.CHATOPS_ACL);
  if (!acl.ok) return acl;
  const config: ChatOpsConfig = { acl: acl.acl };
  const ding = list(env.DINGTALK_APP_SECRET);
  if (ding.length > 0) config.dingtalk = { appSecrets: ding };
  const slack = list(env.SLACK_SIGNING_SECRET);
  if (slack.length > 0) config.slack = { signingSecrets: slack };
  const encryptKey = env.FEISHU_ENCRYPT_KEY?.trim();
  const verificationToken = env.FEISHU_VERIFICATION_TOKEN?.trim();
  if (encryptKey || verificationToken) {
    config.feishu = { ...(encryptKey ? { encryptKey } : {}), ...(verificationToken ? { verificationToken } : {}) };
  }
  return { ok: true, config };
}
