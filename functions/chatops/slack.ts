import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import type { ParseResult, RawWebhook, Verification } from './types';
import { checkTimestamp, describeIssues, header, isLoopbackUrl, reject, safeEqual, secretList, type ParseOptions, type Secrets } from './webhook';

/** Slack's documented replay window for X-Slack-Request-Timestamp. */
export const SLACK_WINDOW_MS = 5 * 60 * 1000;

/** Slash command: `X-Slack-Signature == "v0=" + hex(HMAC-SHA256(signingSecret, "v0:" + ts + ":" + rawBody))`. */
export function verify(raw: RawWebhook, signingSecret: Secrets, nowMs: number): Verification {
  const secrets = secretList(signingSecret);
  if (secrets.length === 0) return reject('not_configured', 'no Slack signing secret is configured');
  const timestamp = header(raw.headers, 'x-slack-request-timestamp');
  const sig = header(raw.headers, 'x-slack-signature');
  if (timestamp === undefined || sig === undefined) {
    return reject('missing_header', 'the X-Slack-Request-Timestamp and X-Slack-Signature headers are required');
  }
  const stale = checkTimestamp(timestamp, 1000, nowMs, SLACK_WINDOW_MS, 'X-Slack-Request-Timestamp');
  if (stale) return stale;
  const matches = secrets.some((secret) => safeEqual(sig, signature(timestamp, raw.body, secret)));
  return matches ? { ok: true } : reject('bad_signature', 'X-Slack-Signature does not match');
}

export function signature(timestamp: string, body: Buffer, signingSecret: string): string {
  const mac = createHmac('sha256', signingSecret);
  mac.update(`v0:${timestamp}:`, 'utf8');
  mac.update(body);
  return `v0=${mac.digest('hex')}`;
}

const ResponseUrl = z.url({ protocol: /^https$/, hostname: /^hooks\.slack(-gov)?\.com$/ });

const FormSchema = z.object({
  team_id: z.string().min(1).max(100),
  channel_id: z.string().min(1).max(100),
  user_id: z.string().min(1).max(100),
  user_name: z.string().max(200).optional(),
  command: z.string().max(100).optional(),
  text: z.string().max(4000).default(''),
  response_url: z.string().max(2048),
  trigger_id: z.string().min(1).max(200).optional(),
});

/** Slack escapes these three in command text; undo it so the grammar sees what the person typed. */
const unescapeSlack = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * Slack checks a slash command's certificate with `ssl_check=1&token=…`, unsigned. Slack's own bolt-js answers
 * it 200 before any signature check and does nothing else, whatever else the form carries
 * (src/receivers/HTTPModuleFunctions.ts, HTTPReceiver.ts, AwsLambdaReceiver.ts; Slack's "Implementing slash
 * commands", responding_basic_receipt). So do we: the probe is answered and never read further.
 */
export const isSslCheck = (raw: RawWebhook): boolean => new URLSearchParams(raw.body.toString('utf8')).get('ssl_check') === '1';

export function parse(raw: RawWebhook, options: ParseOptions = {}): ParseResult {
  const form = Object.fromEntries(new URLSearchParams(raw.body.toString('utf8')));
  const parsed = FormSchema.safeParse(form);
  if (!parsed.success) return reject('malformed_body', `not a Slack slash command (${describeIssues(parsed.error)})`);
  const f = parsed.data;
  const url = ResponseUrl.safeParse(f.response_url);
  if (!url.success && !(options.allowLoopbackReplies && isLoopbackUrl(f.response_url))) {
    return reject('malformed_body', `not a Slack slash command (response_url: ${url.error?.issues[0]?.message ?? 'invalid'})`);
  }
  const messageId =
    f.trigger_id !== undefined
      ? `slack:${f.team_id}:${f.trigger_id}`
      : `slack:sha256:${createHash('sha256').update(raw.body).digest('hex')}`;
  return {
    ok: true,
    kind: 'message',
    request: {
      platform: 'slack',
      messageId,
      userId: f.user_id,
      ...(f.user_name !== undefined ? { userName: f.user_name } : {}),
      conversationId: f.channel_id,
      text: unescapeSlack(f.text),
      reply: { kind: 'slack', responseUrl: f.response_url },
    },
  };
}
