/**
 * The normalized shape every chat platform is decoded into. Nothing here knows about HTTP or SDKs: the
 * HTTP function rebuilds the raw bytes from the FC event, and the rest of chat-ops works on these types.
 */

export const PLATFORMS = ['dingtalk', 'slack', 'feishu'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** What the webhook delivered, byte for byte: signatures are computed over `body`, never a re-serialization. */
export interface RawWebhook {
  headers: Record<string, string | undefined>;
  body: Buffer;
}

/** Where and how to answer the person who sent the command. */
export type ReplyTarget =
  /** POST to `sessionWebhook` until `expiresAt` (epoch ms); no credentials needed, DingTalk minted the URL. */
  | { kind: 'dingtalk'; sessionWebhook: string; expiresAt: number }
  /** POST to `responseUrl` (at most 5 times within 30 min of the command). */
  | { kind: 'slack'; responseUrl: string }
  /** im/v1/messages/{messageId}/reply with the app's tenant token; `chatId` for a fresh message later. */
  | { kind: 'feishu'; chatId: string; messageId: string };

export interface ChatRequest {
  platform: Platform;
  /**
   * Idempotency key for the whole app (DESIGN: chat's `Idempotency-Key` is the message id), prefixed with
   * the platform so keys never collide across platforms:
   * - DingTalk `dingtalk:<msgId>`.
   * - Slack `slack:<team_id>:<trigger_id>`: Slack mints a trigger_id per invocation and a redelivery carries
   *   the very same form body, so it keeps the same key; a person typing the command again gets a new one
   *   (on purpose: that is a second request, and the acknowledgement is what discourages it). A body without
   *   trigger_id falls back to `slack:sha256:<hex of the raw body>`.
   * - Feishu `feishu:<header.event_id>`: Feishu re-pushes an event with the same event_id.
   */
  messageId: string;
  /** DingTalk senderStaffId (else senderId), Slack user_id, Feishu sender open_id. */
  userId: string;
  userName?: string;
  /** DingTalk conversationId, Slack channel_id, Feishu chat_id. */
  conversationId: string;
  /** The words the person typed, still raw; `parseCommand` strips mentions and the slash command. */
  text: string;
  reply: ReplyTarget;
}

/** Why a webhook was turned away. Codes are stable; messages never contain secrets or signatures. */
export type RejectReason =
  | 'not_configured'
  | 'missing_header'
  | 'bad_timestamp'
  | 'stale_timestamp'
  | 'bad_signature'
  | 'bad_token'
  | 'undecryptable'
  | 'malformed_body';

export interface Rejection {
  ok: false;
  reason: RejectReason;
  message: string;
}

export type Verification = { ok: true } | Rejection;

export type ParseResult =
  | { ok: true; kind: 'message'; request: ChatRequest }
  /** Feishu `url_verification`: answer 200 with `{ challenge }` as JSON. */
  | { ok: true; kind: 'challenge'; challenge: string }
  /** Authentic but nothing to do (a picture, a bot's own message, Slack's ssl_check): answer 200, stay quiet. */
  | { ok: true; kind: 'ignored'; why: string }
  | Rejection;
