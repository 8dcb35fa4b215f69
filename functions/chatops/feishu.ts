import { createDecipheriv, createHash } from 'node:crypto';
import { z } from 'zod';
import type { ParseResult, RawWebhook, Rejection, Verification } from './types';
import { checkTimestamp, describeIssues, header, parseJson, reject, safeEqual } from './webhook';

/**
 * Both are set in the app's "Events & Callbacks" page. With an Encrypt Key, Feishu encrypts bodies and signs
 * every event push; the Verification Token travels inside the body. At least one must be configured.
 */
export interface FeishuSecrets {
  encryptKey?: string;
  verificationToken?: string;
}

/**
 * Replay window for X-Lark-Request-Timestamp: 8 hours. Feishu re-pushes an event it saw fail after 15 s,
 * 5 min, 1 h and 6 h, so the last push comes about 7.1 h after the first ("将事件发送至开发者服务器",
 * open.feishu.cn, event subscription: "请检查和处理在 7.1 小时内的重复事件", dedupe by event_id). Whether a
 * re-push is signed with a fresh timestamp or keeps the first one is not documented (Feishu's own
 * larksuite/node-sdk checks no timestamp at all, dispatcher/request-handle.ts), so the window covers the
 * whole schedule either way: a re-push that is the first delivery we see is never refused as stale. That is
 * safe because the signature covers the whole body: a replay can only re-deliver the same event_id, and the
 * chat commands remember each answered event for longer than this window (functions/chatops/commands.ts).
 */
export const FEISHU_WINDOW_MS = 8 * 60 * 60 * 1000;

/**
 * `X-Lark-Signature == hex(SHA256(timestamp + nonce + encryptKey + rawBody))`, checked whenever an Encrypt
 * Key is configured. Two exceptions, both still authenticated:
 * - the `url_verification` challenge Feishu sends while the URL is being saved may come unsigned; it is
 *   accepted only if it opens with the Encrypt Key and carries the configured Verification Token;
 * - with only a Verification Token configured nothing is signed, so the token is the whole check.
 */
export function verify(raw: RawWebhook, secrets: FeishuSecrets, nowMs: number, windowMs = FEISHU_WINDOW_MS): Verification {
  const { encryptKey, verificationToken } = secrets;
  if (!encryptKey && !verificationToken) return reject('not_configured', 'no Feishu encrypt key or verification token is configured');

  if (encryptKey) {
    const timestamp = header(raw.headers, 'x-lark-request-timestamp');
    const nonce = header(raw.headers, 'x-lark-request-nonce');
    const sig = header(raw.headers, 'x-lark-signature');
    if (timestamp !== undefined && nonce !== undefined && sig !== undefined) {
      const stale = checkTimestamp(timestamp, 1000, nowMs, windowMs, 'X-Lark-Request-Timestamp');
      if (stale) return stale;
      return safeEqual(sig.toLowerCase(), signature(timestamp, nonce, encryptKey, raw.body))
        ? { ok: true }
        : reject('bad_signature', 'X-Lark-Signature does not match');
    }
    const unsignedChallenge = verificationToken ? isChallengeWithToken(raw, secrets, verificationToken) : false;
    return unsignedChallenge
      ? { ok: true }
      : reject('missing_header', 'the X-Lark-Request-Timestamp, X-Lark-Request-Nonce and X-Lark-Signature headers are required');
  }

  const opened = open(raw.body, secrets);
  if (!opened.ok) return opened;
  return tokenMatches(opened.value, verificationToken!) ? { ok: true } : reject('bad_token', 'verification token does not match');
}

export function signature(timestamp: string, nonce: string, encryptKey: string, body: Buffer): string {
  return createHash('sha256').update(`${timestamp}${nonce}${encryptKey}`, 'utf8').update(body).digest('hex');
}

/** `{"encrypt": base64(iv16 || AES-256-CBC(key = SHA256(encryptKey), PKCS#7))}` -> the plaintext JSON text. */
export function decrypt(encrypted: string, encryptKey: string): string | undefined {
  const buf = Buffer.from(encrypted, 'base64');
  if (buf.length < 32 || buf.length % 16 !== 0) return undefined;
  try {
    const key = createHash('sha256').update(encryptKey, 'utf8').digest();
    const decipher = createDecipheriv('aes-256-cbc', key, buf.subarray(0, 16));
    return Buffer.concat([decipher.update(buf.subarray(16)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

const Encrypted = z.object({ encrypt: z.string().min(1) });

/** The body as JSON, decrypted first when Feishu encrypted it. */
function open(body: Buffer, secrets: FeishuSecrets): { ok: true; value: unknown } | Rejection {
  const json = parseJson(body);
  if (!json.ok) return json;
  const enc = Encrypted.safeParse(json.value);
  if (!enc.success) return json;
  if (!secrets.encryptKey) return reject('not_configured', 'the body is encrypted but no Feishu encrypt key is configured');
  const plain = decrypt(enc.data.encrypt, secrets.encryptKey);
  // A wrong key still yields valid padding about once in 256 tries; the garbage then fails as JSON.
  const inner = plain === undefined ? undefined : parseJson(Buffer.from(plain, 'utf8'));
  if (inner === undefined || !inner.ok) return reject('undecryptable', 'the encrypted body does not decrypt with the configured key');
  return inner;
}

const Challenge = z.object({ type: z.literal('url_verification'), challenge: z.string().min(1).max(500), token: z.string().optional() });

const EventV2 = z.object({
  schema: z.literal('2.0'),
  header: z.object({
    event_id: z.string().min(1).max(200),
    event_type: z.string(),
    token: z.string().optional(),
  }),
  event: z.unknown(),
});

const MessageReceive = z.object({
  sender: z.object({
    sender_id: z.object({ open_id: z.string().min(1).max(200) }),
    sender_type: z.string(),
  }),
  message: z.object({
    message_id: z.string().min(1).max(200),
    chat_id: z.string().min(1).max(200),
    message_type: z.string(),
    content: z.string().max(20_000),
    mentions: z.array(z.object({ key: z.string().min(1), name: z.string().optional() })).optional(),
  }),
});

const TextContent = z.object({ text: z.string() });

/** The token of a challenge (top level) or of a 2.0 event (in its header). */
function tokenOf(value: unknown): string | undefined {
  const c = Challenge.safeParse(value);
  if (c.success) return c.data.token;
  const e = EventV2.safeParse(value);
  return e.success ? e.data.header.token : undefined;
}

const tokenMatches = (value: unknown, expected: string) => {
  const token = tokenOf(value);
  return token !== undefined && safeEqual(token, expected);
};

function isChallengeWithToken(raw: RawWebhook, secrets: FeishuSecrets, expected: string): boolean {
  const opened = open(raw.body, secrets);
  return opened.ok && Challenge.safeParse(opened.value).success && tokenMatches(opened.value, expected);
}

export function parse(raw: RawWebhook, secrets: FeishuSecrets): ParseResult {
  const opened = open(raw.body, secrets);
  if (!opened.ok) return opened;
  const value = opened.value;
  if (secrets.verificationToken && !tokenMatches(value, secrets.verificationToken)) {
    return reject('bad_token', 'verification token does not match');
  }

  const challenge = Challenge.safeParse(value);
  if (challenge.success) return { ok: true, kind: 'challenge', challenge: challenge.data.challenge };

  const event = EventV2.safeParse(value);
  if (!event.success) {
    const legacy = z.object({ type: z.literal('event_callback') }).safeParse(value).success;
    return legacy
      ? { ok: true, kind: 'ignored', why: 'schema 1.0 events are not handled; subscribe to im.message.receive_v1' }
      : reject('malformed_body', `not a Feishu event (${describeIssues(event.error)})`);
  }
  if (event.data.header.event_type !== 'im.message.receive_v1') {
    return { ok: true, kind: 'ignored', why: `event type ${event.data.header.event_type} carries no command` };
  }
  const received = MessageReceive.safeParse(event.data.event);
  if (!received.success) return reject('malformed_body', `not a Feishu message event (${describeIssues(received.error)})`);
  const { sender, message } = received.data;
  if (sender.sender_type !== 'user') return { ok: true, kind: 'ignored', why: `sender type ${sender.sender_type} is not a person` };
  if (message.message_type !== 'text') return { ok: true, kind: 'ignored', why: `message type ${message.message_type} carries no command` };

  let content: unknown;
  try {
    content = JSON.parse(message.content);
  } catch {
    return reject('malformed_body', 'message content is not JSON');
  }
  const text = TextContent.safeParse(content);
  if (!text.success) return reject('malformed_body', 'text message content has no text');

  // Feishu writes mentions as placeholders (`@_user_1`); drop them so only the command words remain.
  let words = text.data.text;
  // Longest key first, so `@_user_1` never eats the front of `@_user_10`.
  const keys = (message.mentions ?? []).map((m) => m.key).sort((a, b) => b.length - a.length);
  for (const key of keys) words = words.split(key).join(' ');

  return {
    ok: true,
    kind: 'message',
    request: {
      platform: 'feishu',
      messageId: `feishu:${event.data.header.event_id}`,
      userId: sender.sender_id.open_id,
      conversationId: message.chat_id,
      text: words,
      reply: { kind: 'feishu', chatId: message.chat_id, messageId: message.message_id },
    },
  };
}
