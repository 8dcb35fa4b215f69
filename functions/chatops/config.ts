import { z } from 'zod';
import { parseAcl, type Acl } from './acl';
import type { FeishuSecrets } from './feishu';
import { isLoopbackUrl } from './webhook';

/**
 * Chat-ops configuration from the function's environment. A platform whose secret is unset is off: its
 * webhooks are rejected as `not_configured`. Secrets may list several values, comma-separated, while one
 * is being rotated.
 *
 *   DINGTALK_APP_SECRET         outgoing robot AppSecret
 *   SLACK_SIGNING_SECRET        app Signing Secret
 *   FEISHU_ENCRYPT_KEY          Events & Callbacks Encrypt Key (enables decryption and signatures)
 *   FEISHU_VERIFICATION_TOKEN   Events & Callbacks Verification Token
 *   FEISHU_BOT_WEBHOOK          the group's custom bot webhook, where Feishu replies and final outcomes go
 *   CHATOPS_ACL                 JSON, see acl.ts
 *   CHATOPS_ALLOW_LOOPBACK_REPLIES  `true` lets reply URLs point at http://127.0.0.1 / localhost: for
 *                               `npm start` and tests only, never in production (a forged DingTalk body
 *                               could otherwise aim our replies at the function's own network)
 */
export interface ChatOpsConfig {
  dingtalk?: { appSecrets: string[] };
  slack?: { signingSecrets: string[] };
  feishu?: FeishuSecrets;
  acl: Acl;
  /** Custom bot webhook of the Feishu group (https://open.feishu.cn/open-apis/bot/v2/hook/...). */
  feishuBotWebhook?: string;
  /** Present (true) only when loopback reply URLs are allowed: local runs and tests. */
  allowLoopbackReplies?: true;
}

const FEISHU_BOT_HOSTS = /^open\.(feishu\.cn|larksuite\.com)$/;
const FeishuBotWebhook = z.url({ protocol: /^https$/, hostname: FEISHU_BOT_HOSTS });

const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

export function loadChatOpsConfig(env: Record<string, string | undefined>): { ok: true; config: ChatOpsConfig } | { ok: false; error: string } {
  const acl = parseAcl(env.CHATOPS_ACL);
  if (!acl.ok) return acl;
  const config: ChatOpsConfig = { acl: acl.acl };
  const loopback = env.CHATOPS_ALLOW_LOOPBACK_REPLIES?.trim().toLowerCase() ?? '';
  if (!['', 'false', 'true'].includes(loopback)) return { ok: false, error: 'CHATOPS_ALLOW_LOOPBACK_REPLIES must be true or false' };
  if (loopback === 'true') config.allowLoopbackReplies = true;
  const bot = env.FEISHU_BOT_WEBHOOK?.trim();
  if (bot) {
    // The URL carries the bot's token: say what is wrong with it, never echo it.
    if (!FeishuBotWebhook.safeParse(bot).success && !(config.allowLoopbackReplies && isLoopbackUrl(bot))) {
      return { ok: false, error: 'FEISHU_BOT_WEBHOOK must be an https URL on open.feishu.cn or open.larksuite.com' };
    }
    config.feishuBotWebhook = bot;
  }
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
