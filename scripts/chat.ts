// `npm run chat -- <dingtalk|slack|feishu> "<command>"`: talk to the api of `npm start` as the chat platform
// would, signed with the local secrets, and print the bot's answers. See docs/chatops.md "Try chat-ops locally".
import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

export const CHAT_PLATFORMS = ['dingtalk', 'slack', 'feishu'] as const;
export type ChatPlatform = (typeof CHAT_PLATFORMS)[number];

/**
 * Local-only chat-ops configuration, shared by `npm start` (scripts/local-stack.ts gives it to the api) and
 * `npm run chat`. Both read overrides from the same variables, so setting one in the shell changes both.
 */
export const LOCAL_CHAT_DEFAULTS = {
  DINGTALK_APP_SECRET: 'local-only-dingtalk-app-secret',
  SLACK_SIGNING_SECRET: 'local-only-slack-signing-secret',
  FEISHU_ENCRYPT_KEY: 'local-only-feishu-encrypt-key',
  FEISHU_VERIFICATION_TOKEN: 'local-only-feishu-verification-token',
  LOCAL_CHAT_USER: 'local-user',
  LOCAL_CHAT_CONVERSATION: 'local-chat',
  LOCAL_FEISHU_BOT_PORT: '9099',
} as const;

type Env = Record<string, string | undefined>;
const pick = (env: Env, name: keyof typeof LOCAL_CHAT_DEFAULTS) => env[name]?.trim() || LOCAL_CHAT_DEFAULTS[name];
/** Secrets may be comma-separated lists while rotating; the client signs with the first. */
const first = (v: string) => v.split(',').map((s) => s.trim()).find((s) => s !== '') ?? v;

export interface LocalChatSettings {
  dingtalkAppSecret: string;
  slackSigningSecret: string;
  feishuEncryptKey: string;
  feishuVerificationToken: string;
  userId: string;
  conversationId: string;
  /** Where the api posts Feishu replies: FEISHU_BOT_WEBHOOK, else a fixed loopback URL. */
  feishuBotWebhook: string;
}

export function localChatSettings(env: Env = process.env): LocalChatSettings {
  return {
    dingtalkAppSecret: pick(env, 'DINGTALK_APP_SECRET'),
    slackSigningSecret: pick(env, 'SLACK_SIGNING_SECRET'),
    feishuEncryptKey: pick(env, 'FEISHU_ENCRYPT_KEY'),
    feishuVerificationToken: pick(env, 'FEISHU_VERIFICATION_TOKEN'),
    userId: pick(env, 'LOCAL_CHAT_USER'),
    conversationId: pick(env, 'LOCAL_CHAT_CONVERSATION'),
    feishuBotWebhook: env.FEISHU_BOT_WEBHOOK?.trim() || `http://127.0.0.1:${pick(env, 'LOCAL_FEISHU_BOT_PORT')}/feishu-bot`,
  };
}

/** The api's chat-ops environment under `npm start`: the settings above, loopback replies, and an ACL for the local user. */
export function localChatEnv(env: Env = process.env): Record<string, string> {
  const s = localChatSettings(env);
  const grant = { profiles: ['demo'], maxAmount: 50, dailyLimit: 500 };
  const platform = { users: { [s.userId]: grant }, conversations: { [s.conversationId]: grant } };
  return {
    DINGTALK_APP_SECRET: s.dingtalkAppSecret,
    SLACK_SIGNING_SECRET: s.slackSigningSecret,
    FEISHU_ENCRYPT_KEY: s.feishuEncryptKey,
    FEISHU_VERIFICATION_TOKEN: s.feishuVerificationToken,
    FEISHU_BOT_WEBHOOK: s.feishuBotWebhook,
    CHATOPS_ALLOW_LOOPBACK_REPLIES: 'true',
    CHATOPS_ACL: env.CHATOPS_ACL?.trim() || JSON.stringify({ dingtalk: platform, slack: platform, feishu: platform }),
  };
}

// ------------------------------------------------------------------------------------------- requests

interface SignedRequest {
  headers: Record<string, string>;
  body: string;
}

function dingtalkRequest(s: LocalChatSettings, text: string, replyBase: string): SignedRequest {
  const msgId = `msg-local-${randomBytes(8).toString('hex')}`;
  const body = JSON.stringify({
    msgtype: 'text',
    text: { content: `@ecs-bot ${text}` },
    msgId,
    conversationId: s.conversationId,
    conversationType: '2',
    senderId: `$:LWCP_v1:$${s.userId}`,
    senderStaffId: s.userId,
    senderNick: s.userId,
    isAdmin: false,
    sessionWebhook: `${replyBase}/dingtalk/${msgId}`,
    sessionWebhookExpiredTime: Date.now() + 90 * 60_000,
  });
  // The outgoing robot signs the timestamp (ms) only: base64(HmacSHA256(secret, timestamp + "\n" + secret)).
  const timestamp = String(Date.now());
  const secret = first(s.dingtalkAppSecret);
  const sign = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  return { headers: { 'content-type': 'application/json', timestamp, sign }, body };
}

function slackRequest(s: LocalChatSettings, text: string, replyBase: string): SignedRequest {
  const trigger = `local.${randomBytes(8).toString('hex')}`;
  const body = new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0LOCAL',
    team_domain: 'local',
    channel_id: s.conversationId,
    channel_name: 'local',
    user_id: s.userId,
    user_name: s.userId,
    command: '/ecs',
    text,
    response_url: `${replyBase}/slack/${trigger}`,
    trigger_id: trigger,
  }).toString();
  // X-Slack-Signature = "v0=" + hex(HMAC-SHA256(secret, "v0:" + ts + ":" + body)), ts in seconds.
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = `v0=${createHmac('sha256', first(s.slackSigningSecret)).update(`v0:${ts}:${body}`).digest('hex')}`;
  return { headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig }, body };
}

function feishuRequest(s: LocalChatSettings, text: string): SignedRequest {
  const eventId = `ev-local-${randomBytes(8).toString('hex')}`;
  const event = {
    schema: '2.0',
    header: { event_id: eventId, event_type: 'im.message.receive_v1', token: s.feishuVerificationToken, create_time: String(Date.now()), app_id: 'cli_local', tenant_key: 'local' },
    event: {
      sender: { sender_id: { open_id: s.userId }, sender_type: 'user' },
      message: {
        message_id: `om_${eventId}`,
        chat_id: s.conversationId,
        chat_type: 'group',
        message_type: 'text',
        content: JSON.stringify({ text: `@_user_1 ${text}` }),
        mentions: [{ key: '@_user_1', name: 'ecs-bot' }],
      },
    },
  };
  // {"encrypt": base64(iv || AES-256-CBC(SHA256(encryptKey), json))}, then
  // X-Lark-Signature = hex(SHA256(timestamp + nonce + encryptKey + body)).
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', createHash('sha256').update(s.feishuEncryptKey).digest(), iv);
  const body = JSON.stringify({ encrypt: Buffer.concat([iv, cipher.update(JSON.stringify(event), 'utf8'), cipher.final()]).toString('base64') });
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(8).toString('hex');
  const sig = createHash('sha256').update(`${ts}${nonce}${s.feishuEncryptKey}${body}`).digest('hex');
  return { headers: { 'content-type': 'application/json', 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': nonce, 'x-lark-signature': sig }, body };
}

// -------------------------------------------------------------------------------------------- replies

const unescapeSlack = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** A platform's message body as the lines a person would read. */
export function readable(platform: ChatPlatform, body: unknown): string {
  const b = body as any;
  if (platform === 'dingtalk' && typeof b?.markdown?.text === 'string') {
    return b.markdown.text.replace(/^#{1,6} /, '').replace(/\n\n/g, '\n');
  }
  if (platform === 'slack' && typeof b?.text === 'string') {
    return unescapeSlack(b.text.replace(/^\*(.*)\*(\n|$)/, '$1$2'));
  }
  if (platform === 'feishu' && typeof b?.content?.text === 'string') return b.content.text;
  return JSON.stringify(body);
}

const BATCH_ID = /\bb-[0-9a-f]{24}\b/;
/** A scale-out acknowledgement promises a final reply (functions/chatops/reply.ts `acknowledgement`). */
export const promisesFinalReply = (text: string) => BATCH_ID.test(text) && /I will reply here/.test(text);

interface Receiver {
  url: string;
  server: Server;
  close(): Promise<void>;
}

function startReceiver(port: number, onMessage: (path: string, body: unknown) => void, platform: ChatPlatform): Promise<Receiver> {
  // Each platform's "ok" answer, in case anyone looks.
  const ok = platform === 'dingtalk' ? '{"errcode":0,"errmsg":"ok"}' : platform === 'feishu' ? '{"code":0,"msg":"success"}' : 'ok';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* shown raw */
      }
      res.writeHead(200, { 'content-type': platform === 'slack' ? 'text/plain' : 'application/json' }).end(ok);
      if (req.method === 'POST') onMessage(req.url ?? '/', body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'EADDRINUSE'
          ? new Error(
              `port ${port} on 127.0.0.1 is taken, so the Feishu bot replies cannot be received here (another "npm run chat -- feishu" still waiting?). ` +
                'Free it, or set LOCAL_FEISHU_BOT_PORT to another port for both npm start and npm run chat.',
            )
          : e,
      );
    });
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${bound}`, server, close: () => new Promise<void>((r) => server.close(() => r())) });
    });
  });
}

// ----------------------------------------------------------------------------------------------- run

export interface ChatOptions {
  platform: ChatPlatform;
  text: string;
  /** The api, e.g. http://127.0.0.1:9000. */
  apiUrl: string;
  waitSeconds: number;
  /** Defaults from `localChatSettings()` (the environment). */
  settings?: Partial<LocalChatSettings>;
  /** Where progress goes (default console.log). */
  print?: (line: string) => void;
}

export interface ChatResult {
  status: number;
  /** The acknowledgement as a person reads it (for Feishu, the first bot message). */
  ack?: string;
  /** Every reply posted to the receiver, readable. */
  replies: string[];
  /** The final outcome, when one was expected and arrived. */
  final?: string;
  /** True when the command needs no follow-up or its follow-up arrived. */
  complete: boolean;
}

const indent = (text: string) => text.split('\n').map((l) => `  ${l}`).join('\n');

export async function runChat(o: ChatOptions): Promise<ChatResult> {
  const print = o.print ?? ((line: string) => console.log(line));
  const s = { ...localChatSettings(), ...o.settings };
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const replies: string[] = [];
  let wake: (() => void) | undefined;

  let bindPort = 0;
  let botPath = '';
  if (o.platform === 'feishu') {
    const hook = new URL(s.feishuBotWebhook);
    if (hook.protocol !== 'http:' || !['127.0.0.1', 'localhost'].includes(hook.hostname)) {
      throw new Error(`Feishu replies go to FEISHU_BOT_WEBHOOK (${hook.origin}), which is not on this machine; unset it to use the local one`);
    }
    bindPort = Number(hook.port || 80);
    botPath = hook.pathname;
  }
  const receiver = await startReceiver(
    bindPort,
    (path, body) => {
      if (o.platform === 'feishu' && path !== botPath) return;
      const text = readable(o.platform, body);
      replies.push(text);
      print(`<- reply via ${o.platform === 'dingtalk' ? 'sessionWebhook' : o.platform === 'slack' ? 'response_url' : 'bot webhook'} (${elapsed()})\n${indent(text)}`);
      wake?.();
    },
    o.platform,
  );
  try {
    const req = o.platform === 'dingtalk' ? dingtalkRequest(s, o.text, receiver.url) : o.platform === 'slack' ? slackRequest(s, o.text, receiver.url) : feishuRequest(s, o.text);
    const url = `${o.apiUrl.replace(/\/+$/, '')}/chatops/${o.platform}`;
    print(`-> POST ${url} as ${s.userId} in ${s.conversationId}: ${JSON.stringify(o.text)}`);
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers: req.headers, body: req.body, signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`no answer from ${url} (${cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e))}): is "npm start" running?`);
    }
    const raw = await res.text();
    let json: any;
    try {
      json = JSON.parse(raw);
    } catch {
      json = undefined;
    }
    if (res.status !== 200) {
      const why = json?.error?.message ?? raw.slice(0, 300);
      print(`<- HTTP ${res.status}: ${why}`);
      if (res.status === 404) print('   (this platform is not configured on that api: "npm start" configures all three with local secrets)');
      if (res.status === 401) print('   (the signature was refused: the secrets differ between npm start and npm run chat; both read DINGTALK_APP_SECRET, SLACK_SIGNING_SECRET, FEISHU_ENCRYPT_KEY, FEISHU_VERIFICATION_TOKEN)');
      return { status: res.status, replies, complete: false };
    }

    let ack: string | undefined;
    if (o.platform === 'feishu') {
      // Feishu gets 200 {} at once; the acknowledgement travels through the bot webhook, before the answer.
      print(`<- HTTP 200 ${raw} (${elapsed()}): the acknowledgement comes through the bot webhook`);
    } else {
      ack = readable(o.platform, json ?? raw);
      print(`<- HTTP 200, the acknowledgement (${elapsed()})\n${indent(ack)}`);
    }

    const until = started + o.waitSeconds * 1000;
    let seen = 0;
    const waitForReply = async (): Promise<string | undefined> => {
      while (replies.length <= seen) {
        const left = until - Date.now();
        if (left <= 0) return undefined;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      // Replies that raced the HTTP answer are already queued.
      return replies[seen++];
    };

    if (o.platform === 'feishu') {
      ack = await waitForReply();
      if (ack === undefined) {
        print(`no bot message arrived within ${o.waitSeconds} s: is npm start's FEISHU_BOT_WEBHOOK ${s.feishuBotWebhook}?`);
        return { status: 200, replies, complete: false };
      }
    }
    if (!promisesFinalReply(ack!)) return { status: 200, ack, replies, complete: true };

    const batchId = BATCH_ID.exec(ack!)![0];
    print(`   waiting up to ${Math.max(0, Math.round((until - Date.now()) / 1000))} s for the final reply about ${batchId}...`);
    for (;;) {
      const reply = await waitForReply();
      if (reply === undefined) {
        print(`no final reply within ${o.waitSeconds} s; the batch may still be starting: try "status ${batchId}", or --wait longer`);
        return { status: 200, ack, replies, complete: false };
      }
      if (o.platform !== 'feishu' || reply.includes(batchId)) return { status: 200, ack, replies, final: reply, complete: true };
    }
  } finally {
    await receiver.close();
  }
}

// ------------------------------------------------------------------------------------------------ cli

const USAGE = `npm run chat -- <dingtalk|slack|feishu> "<command>" [--wait SECONDS] [--api URL] [--user ID] [--conversation ID]

Sends the command to the api of "npm start" exactly as the platform would (signed with the local secrets)
and prints the acknowledgement and the replies, serving the reply webhook itself.
  --api URL            default $LOCAL_API_URL, else http://127.0.0.1:\${PORT:-9000}
  --user ID            default $LOCAL_CHAT_USER, else ${LOCAL_CHAT_DEFAULTS.LOCAL_CHAT_USER} (allowed by npm start's ACL)
  --conversation ID    default $LOCAL_CHAT_CONVERSATION, else ${LOCAL_CHAT_DEFAULTS.LOCAL_CHAT_CONVERSATION}
  --wait SECONDS       how long to wait for the final reply (default 120)
env (read by npm start too): DINGTALK_APP_SECRET, SLACK_SIGNING_SECRET, FEISHU_ENCRYPT_KEY,
  FEISHU_VERIFICATION_TOKEN, FEISHU_BOT_WEBHOOK / LOCAL_FEISHU_BOT_PORT (default ${LOCAL_CHAT_DEFAULTS.LOCAL_FEISHU_BOT_PORT})
e.g. npm run chat -- dingtalk "scale-out demo 3 for 2h"`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      api: { type: 'string' },
      user: { type: 'string' },
      conversation: { type: 'string' },
      wait: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [platform, ...words] = positionals;
  if (!platform || !(CHAT_PLATFORMS as readonly string[]).includes(platform) || words.length === 0) {
    console.error(USAGE);
    return 2;
  }
  const wait = Number(values.wait ?? 120);
  if (!Number.isFinite(wait) || wait < 0) throw new Error('--wait must be a number of seconds');
  const env = process.env;
  const result = await runChat({
    platform: platform as ChatPlatform,
    text: words.join(' '),
    apiUrl: values.api ?? (env.LOCAL_API_URL || `http://127.0.0.1:${env.PORT || 9000}`),
    waitSeconds: wait,
    settings: {
      ...(values.user ? { userId: values.user } : {}),
      ...(values.conversation ? { conversationId: values.conversation } : {}),
    },
  });
  return result.complete ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`npm run chat: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
