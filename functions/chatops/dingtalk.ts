import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { ParseResult, RawWebhook, Verification } from './types';
import { checkTimestamp, describeIssues, header, isLoopbackUrl, parseJson, reject, safeEqual, secretList, type ParseOptions, type Secrets } from './webhook';

/** DingTalk's documented tolerance for the `timestamp` header of an outgoing robot call. */
export const DINGTALK_WINDOW_MS = 60 * 60 * 1000;

/**
 * DingTalk outgoing robot: `sign == base64(HmacSHA256(appSecret, timestamp + "\n" + appSecret))`.
 *
 * The signature covers the timestamp only, not the body: anyone holding one signed header pair can pair it
 * with another body for up to an hour. That is why `parse` only accepts reply URLs on DingTalk's own hosts
 * and the message id is the idempotency key; the wiring may also remember (timestamp, sign) pairs it has seen.
 */
export function verify(raw: RawWebhook, appSecret: Secrets, nowMs: number): Verification {
  const secrets = secretList(appSecret);
  if (secrets.length === 0) return reject('not_configured', 'no DingTalk app secret is configured');
  const timestamp = header(raw.headers, 'timestamp');
  const sign = header(raw.headers, 'sign');
  if (timestamp === undefined || sign === undefined) {
    return reject('missing_header', 'the timestamp and sign headers are required');
  }
  const stale = checkTimestamp(timestamp, 1, nowMs, DINGTALK_WINDOW_MS, 'timestamp header');
  if (stale) return stale;
  const matches = secrets.some((secret) => safeEqual(sign, signature(timestamp, secret)));
  return matches ? { ok: true } : reject('bad_signature', 'sign header does not match');
}

export function signature(timestamp: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(`${timestamp}\n${appSecret}`, 'utf8').digest('base64');
}

/** Replies go to DingTalk only: the body is not signed (see `verify`), so its URL must not send us elsewhere. */
const SessionWebhook = z.url({ protocol: /^https$/, hostname: /^(oapi|api)\.dingtalk\.com$/ });

const BodySchema = z.object({
  msgtype: z.string(),
  text: z.object({ content: z.string().max(10_000) }).optional(),
  msgId: z.string().min(1).max(200),
  conversationId: z.string().min(1).max(200),
  conversationType: z.string().optional(),
  senderId: z.string().min(1).max(200),
  senderStaffId: z.string().min(1).max(200).optional(),
  senderNick: z.string().max(200).optional(),
  isAdmin: z.boolean().optional(),
  sessionWebhook: z.string().max(2048),
  sessionWebhookExpiredTime: z.number().int().positive(),
});

export function parse(raw: RawWebhook, options: ParseOptions = {}): ParseResult {
  const json = parseJson(raw.body);
  if (!json.ok) return json;
  const body = BodySchema.safeParse(json.value);
  if (!body.success) return reject('malformed_body', `not a DingTalk robot message (${describeIssues(body.error)})`);
  const b = body.data;
  const hook = SessionWebhook.safeParse(b.sessionWebhook);
  if (!hook.success && !(options.allowLoopbackReplies && isLoopbackUrl(b.sessionWebhook))) {
    return reject('malformed_body', `not a DingTalk robot message (sessionWebhook: ${hook.error?.issues[0]?.message ?? 'invalid'})`);
  }
  if (b.msgtype !== 'text' || b.text === undefined) return { ok: true, kind: 'ignored', why: `msgtype ${b.msgtype} carries no command` };
  return {
    ok: true,
    kind: 'message',
    request: {
      platform: 'dingtalk',
      messageId: `dingtalk:${b.msgId}`,
      // The staff id is the enterprise's own user id, the one admins can list; senderId is a per-robot alias.
      userId: b.senderStaffId ?? b.senderId,
      ...(b.senderNick !== undefined ? { userName: b.senderNick } : {}),
      conversationId: b.conversationId,
      text: b.text.content,
      reply: { kind: 'dingtalk', sessionWebhook: b.sessionWebhook, expiresAt: b.sessionWebhookExpiredTime },
    },
  };
}
