import Ecs, * as $Ecs from '@alicloud/ecs20140526';
import { Config } from '@alicloud/openapi-core/dist/utils';
import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppDeps } from '../../functions/api/deps';
import { loadChatOpsConfig } from '../../functions/chatops';
import { httpPoster } from '../../functions/cloud/webhook';
import { sweep } from '../../functions/sweeper/sweep';
import { appDeps, call, CREDS, profiles, startStack, type Stack } from '../support/stack';

/*
 * Chat webhooks end to end: signed requests built here with node:crypto from each platform's documented
 * recipe (not with the code under test), the in-process API on both emulators, and a node:http receiver on
 * 127.0.0.1 standing in for DingTalk's sessionWebhook, Slack's response_url and the Feishu bot webhook.
 */

const SLACK_SECRET = 'slack-signing-secret-0123';
const DING_SECRET = 'dingtalk-app-secret-0123';
const FEISHU_KEY = 'feishu-encrypt-key-0123';
const FEISHU_TOKEN = 'feishu-verification-token';

const ACL = {
  slack: { users: { 'U-ALICE': { profiles: '*', maxAmount: 50, dailyLimit: 200 }, 'U-VIEWER': { profiles: '*', maxAmount: 0, dailyLimit: 0 } } },
  dingtalk: { conversations: { 'cid-ops': { profiles: ['demo'], maxAmount: 5, dailyLimit: 20 } } },
  feishu: { users: { ou_alice: { profiles: ['demo'], maxAmount: 5, dailyLimit: 20 } } },
};

interface Received {
  path: string;
  body: any;
}

let s: Stack;
let deps: AppDeps;
let receiver: Server;
let base: string;
const received: Received[] = [];
/** The Feishu bot webhook answers this many posts with HTTP 500. */
let failFeishuBot = 0;
let seq = 0;

beforeAll(async () => {
  s = await startStack();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/feishu-bot' && failFeishuBot > 0) {
        failFeishuBot--;
        res.writeHead(500).end();
        return;
      }
      received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const config = loadChatOpsConfig({
    SLACK_SIGNING_SECRET: SLACK_SECRET,
    DINGTALK_APP_SECRET: DING_SECRET,
    FEISHU_ENCRYPT_KEY: FEISHU_KEY,
    FEISHU_VERIFICATION_TOKEN: FEISHU_TOKEN,
    FEISHU_BOT_WEBHOOK: `${base}/feishu-bot`,
    CHATOPS_ALLOW_LOOPBACK_REPLIES: 'true',
    CHATOPS_ACL: JSON.stringify(ACL),
  });
  if (!config.ok) throw new Error(config.error);
  deps = appDeps(s, { chatops: config.config, post: httpPoster(2_000), profiles: { ...profiles, demo: { ...profiles.demo, timeZone: 'Asia/Shanghai' } } });
});
afterAll(async () => {
  await new Promise((r) => receiver.close(r));
  await s.close();
});
beforeEach(async () => {
  await s.reset();
  received.length = 0;
  failFeishuBot = 0;
});

const ledger = () => s.ecsEmu.control.instances();
const feishuPosts = () => received.filter((r) => r.path === '/feishu-bot');
const batchRows = () => s.tsEmu.control.dumpTable(s.tables.batches) ?? [];
const nowSeconds = () => String(Math.floor(s.clock.now() / 1000));
const runSweep = () => sweep({ ...s, post: httpPoster(2_000), owner: 'sweeper-1', leaseMs: 60_000, concurrency: 4 }, s.clock.now() + 60_000);

// ------------------------------------------------------------------------------------------------ Slack

function slackForm(text: string, over: Record<string, string> = {}): string {
  const trigger = over.trigger_id ?? `trig-${++seq}`;
  return new URLSearchParams({
    team_id: 'T1',
    channel_id: 'C-OPS',
    user_id: 'U-ALICE',
    user_name: 'alice',
    command: '/ecs',
    text,
    response_url: `${base}/slack/${trigger}`,
    trigger_id: trigger,
    ...over,
  }).toString();
}

function slack(body: string, opts: { secret?: string; ts?: string; headers?: Record<string, string> } = {}) {
  const ts = opts.ts ?? nowSeconds();
  const sig = `v0=${createHmac('sha256', opts.secret ?? SLACK_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  return call(deps, 'POST', '/chatops/slack', {
    raw: body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig, ...opts.headers },
  });
}

const batchIdIn = (text: string) => /b-[0-9a-f]{24}/.exec(text)?.[0];

describe('POST /chatops/slack', () => {
  it('starts a batch once even when Slack retries the same body three times', async () => {
    const body = slackForm('scale-out demo 2 for 9h');
    const first = await slack(body);
    expect(first.statusCode).toBe(200);
    expect(first.json.response_type).toBe('in_channel');
    expect(first.json.text).toContain('Starting 2 instances of demo');
    const id = batchIdIn(first.json.text)!;
    for (let retry = 1; retry <= 3; retry++) {
      const again = await slack(body, { headers: { 'x-slack-retry-num': String(retry), 'x-slack-retry-reason': 'http_timeout' } });
      expect(again.statusCode).toBe(200);
      expect(batchIdIn(again.json.text)).toBe(id);
    }
    expect(ledger()).toHaveLength(2);
    expect(batchRows()).toHaveLength(1);
    expect((await s.store.getBatch(id))!.owner).toBe('slack:U-ALICE');
  });

  it('answers 401 to a wrong signature or a stale timestamp and creates nothing', async () => {
    const body = slackForm('scale-out demo 2');
    const wrong = await slack(body, { secret: 'not-the-secret' });
    expect(wrong.statusCode).toBe(401);
    const stale = await slack(body, { ts: String(Math.floor(s.clock.now() / 1000) - 600) });
    expect(stale.statusCode).toBe(401);
    expect(JSON.stringify([wrong.json, stale.json])).not.toContain(SLACK_SECRET);
    expect(ledger()).toHaveLength(0);
    expect(batchRows()).toHaveLength(0);
  });

  it('answers Slack\'s unsigned ssl_check probe 200 and does nothing, even with a command smuggled in', async () => {
    // Slack sends `ssl_check=1&token=…` without X-Slack-Signature; bolt-js answers it 200 before verifying.
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const probe = await call(deps, 'POST', '/chatops/slack', { raw: 'ssl_check=1&token=legacy', headers: form });
    expect(probe.statusCode).toBe(200);
    expect(probe.body).toBe('');
    const smuggled = await call(deps, 'POST', '/chatops/slack', { raw: `ssl_check=1&${slackForm('scale-out demo 2')}`, headers: form });
    expect(smuggled.statusCode).toBe(200);
    expect(smuggled.body).toBe('');
    // Anything else still needs the signature.
    expect((await call(deps, 'POST', '/chatops/slack', { raw: slackForm('scale-out demo 2'), headers: form })).statusCode).toBe(401);
    expect((await call(deps, 'POST', '/chatops/slack', { raw: 'ssl_check=0&token=legacy', headers: form })).statusCode).toBe(401);
    expect(ledger()).toHaveLength(0);
    expect(batchRows()).toHaveLength(0);
    expect(received).toHaveLength(0);
  });

  it('answers 400 to a signed body that is not a slash command, and 404 for an unknown platform', async () => {
    const res = await slack('hello=world');
    expect(res.statusCode).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    expect((await call(deps, 'POST', '/chatops/teams', { raw: '{}' })).statusCode).toBe(404);
    expect((await call(deps, 'GET', '/chatops/slack')).statusCode).toBe(405);
  });

  it('refuses a reply URL outside Slack unless loopback replies are allowed', async () => {
    const strict = loadChatOpsConfig({ SLACK_SIGNING_SECRET: SLACK_SECRET, CHATOPS_ACL: JSON.stringify(ACL) });
    if (!strict.ok) throw new Error(strict.error);
    const body = slackForm('help');
    const ts = nowSeconds();
    const sig = `v0=${createHmac('sha256', SLACK_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
    const res = await call({ ...deps, chatops: strict.config }, 'POST', '/chatops/slack', { raw: body, headers: { 'x-slack-request-timestamp': ts, 'x-slack-signature': sig } });
    expect(res.statusCode).toBe(400);
  });

  it('politely refuses a user who is not on the list, and a viewer who asks for instances', async () => {
    const stranger = await slack(slackForm('scale-out demo 1', { user_id: 'U-MALLORY', channel_id: 'C-RANDOM' }));
    expect(stranger.statusCode).toBe(200);
    expect(stranger.json.response_type).toBe('ephemeral');
    expect(stranger.json.text).toMatch(/not allowed.*\n.*not on this bot's list/);
    const viewer = await slack(slackForm('scale-out demo 1', { user_id: 'U-VIEWER' }));
    expect(viewer.json.text).toContain('not start instances');
    expect(ledger()).toHaveLength(0);
    expect(batchRows()).toHaveLength(0);
  });

  it('turns "until 18:00" in the profile\'s Asia/Shanghai into that AutoReleaseTime', async () => {
    // 18:00 in Shanghai (UTC+8, no DST) is 10:00 UTC: the next one, at least 30 minutes ahead.
    const DAY = 86_400_000;
    let next = Math.floor(s.clock.now() / DAY) * DAY + 10 * 3_600_000;
    while (next <= s.clock.now()) next += DAY;
    if (next - s.clock.now() < 31 * 60_000) {
      s.clock.advance(next - s.clock.now() + 60_000);
      next += DAY;
    }
    const res = await slack(slackForm('scale-out demo 1 until 18:00'));
    const id = batchIdIn(res.json.text)!;
    expect((await s.store.getBatch(id))!.releaseAt).toBe(next);
    const sdk = new Ecs(new Config({ ...CREDS, endpoint: s.ecsEmu.endpoint, protocol: 'HTTP', regionId: 'cn-hangzhou', readTimeout: 3000 }));
    const described = await sdk.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: 'cn-hangzhou', instanceIds: JSON.stringify([ledger()[0]!.instanceId]) }));
    expect(described.body!.instances!.instance![0]!.autoReleaseTime).toBe(new Date(next).toISOString().replace(':00.000Z', 'Z'));
  });

  it('refuses a release less than 30 minutes ahead before anything is created', async () => {
    const soon = new Date(s.clock.now() + 8 * 3_600_000 + 10 * 60_000);
    const hhmm = `${String(soon.getUTCHours()).padStart(2, '0')}:${String(soon.getUTCMinutes()).padStart(2, '0')}`;
    const until = await slack(slackForm(`scale-out demo 1 until ${hhmm}`));
    expect(until.statusCode).toBe(200);
    expect(until.json.text).toContain('30 minutes');
    const forTen = await slack(slackForm('scale-out demo 1 for 10m'));
    expect(forTen.json.text).toContain('too soon');
    expect(ledger()).toHaveLength(0);
    expect(batchRows()).toHaveLength(0);
  });

  it('answers status, list, cancel and help, and a usage line for a mistake', async () => {
    const id = batchIdIn((await slack(slackForm('scale-out demo 2'))).json.text)!;
    expect((await slack(slackForm(`status ${id}`))).json.text).toContain(`Batch ${id} is starting`);
    expect((await slack(slackForm('status'))).json.text).toContain(id);
    expect((await slack(slackForm('list'))).json.text).toContain(`${id}  PENDING  0/2 demo`);
    expect((await slack(slackForm(`status ${id}`, { user_id: 'U-VIEWER' }))).json.text).toContain(`no batch ${id} of yours`);
    s.clock.advance(3_000); // ECS refuses to release an instance while it is Pending
    const cancel = await slack(slackForm(`cancel ${id} release`));
    expect(cancel.json.text).toContain(`Cancelling batch ${id}`);
    expect(ledger().map((i) => i.fate)).toEqual(['deleted', 'deleted']);
    expect((await s.store.getBatch(id))!.status).toBe('CANCELLED');
    expect((await slack(slackForm(`cancel ${id}`))).json.text).toContain('already cancelled');
    expect((await slack(slackForm('help'))).json.text).toContain('Commands: scale-out, status, list, cancel, release, extend, help');
    const typo = await slack(slackForm('scale-out demo'));
    expect(typo.json.text).toContain('usage: scale-out &lt;profile&gt; &lt;amount&gt;');
  });

  it('delivers the final reply to response_url once, when the batch is Running, with the IPs', async () => {
    const body = slackForm('scale-out demo 2 for 2h');
    const id = batchIdIn((await slack(body)).json.text)!;
    s.clock.advance(10_000);
    await runSweep();
    expect((await s.store.getBatch(id))!.status).toBe('RUNNING');
    s.clock.advance(60_000);
    await runSweep();
    const replies = received.filter((r) => r.path.startsWith('/slack/'));
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body.response_type).toBe('in_channel');
    expect(replies[0]!.body.text).toContain(`Batch ${id}: all 2 demo instances are Running`);
    expect(replies[0]!.body.text).toMatch(/public \d+\.\d+\.\d+\.\d+/);
    expect((await s.store.getBatch(id))!.chatReply).toMatchObject({ state: 'delivered', attempts: 1 });
  });
});

// --------------------------------------------------------------------------------------------- DingTalk

function dingtalk(text: string, opts: { msgId?: string; secret?: string; conversationId?: string } = {}) {
  const msgId = opts.msgId ?? `msg-${++seq}`;
  const body = JSON.stringify({
    msgtype: 'text',
    text: { content: `@ecs-bot ${text}` },
    msgId,
    conversationId: opts.conversationId ?? 'cid-ops',
    conversationType: '2',
    senderId: '$:LWCP_v1:$abc',
    senderStaffId: 'staff-1',
    senderNick: 'Bob',
    isAdmin: false,
    sessionWebhook: `${base}/ding/${msgId}`,
    sessionWebhookExpiredTime: s.clock.now() + 90 * 60_000,
  });
  const timestamp = String(s.clock.now());
  const secret = opts.secret ?? DING_SECRET;
  const sign = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  return call(deps, 'POST', '/chatops/dingtalk', { raw: body, headers: { 'content-type': 'application/json', timestamp, sign } });
}

describe('POST /chatops/dingtalk', () => {
  it('answers with a markdown message, starts the batch once per msgId, and replies through sessionWebhook', async () => {
    const first = await dingtalk('scale-out demo 2 for 2h', { msgId: 'msg-ding-1' });
    expect(first.statusCode).toBe(200);
    expect(first.json.msgtype).toBe('markdown');
    expect(first.json.markdown.title).toBe('Starting 2 instances of demo');
    const id = batchIdIn(first.json.markdown.text)!;
    const redelivered = await dingtalk('scale-out demo 2 for 2h', { msgId: 'msg-ding-1' });
    expect(batchIdIn(redelivered.json.markdown.text)).toBe(id);
    expect(ledger()).toHaveLength(2);
    s.clock.advance(10_000);
    await runSweep();
    await runSweep();
    const replies = received.filter((r) => r.path === '/ding/msg-ding-1');
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toMatchObject({ msgtype: 'markdown', markdown: { title: `Batch ${id}: all 2 demo instances are Running` } });
  });

  it('refuses a signature seen before on another message: DingTalk signs the timestamp, not the body', async () => {
    s.clock.freeze(); // same timestamp, so the same sign, for both requests
    try {
      expect((await dingtalk('status', { msgId: 'msg-honest' })).statusCode).toBe(200);
      const forged = await dingtalk('scale-out demo 5', { msgId: 'msg-forged' });
      expect(forged.statusCode).toBe(401);
      expect(forged.json.error.message).toContain('already used');
      expect((await dingtalk('status', { msgId: 'msg-honest' })).statusCode).toBe(200); // a redelivery is fine
      expect(ledger()).toHaveLength(0);
    } finally {
      s.clock.unfreeze();
    }
  });

  it('says a profile does not exist (listing only the ones this user may use), and still refuses one that exists but is not theirs', async () => {
    const unknown = await dingtalk('scale-out nosuch 1');
    expect(unknown.statusCode).toBe(200);
    expect(unknown.json.markdown.title).toBe('There is no launch profile "nosuch"');
    expect(unknown.json.markdown.text).toContain('Profiles you may use: demo.');
    expect(unknown.json.markdown.text).not.toContain('other');
    expect(unknown.json.markdown.text).not.toContain('not allowed');
    const notTheirs = await dingtalk('scale-out other 1');
    expect(notTheirs.json.markdown.title).toBe('Sorry, you are not allowed to do that');
    // "constructor" is a well-formed profile name and a property of every object: still no such profile.
    expect((await slack(slackForm('scale-out constructor 1'))).json.text).toContain('There is no launch profile "constructor"');
    // Someone not on the list learns nothing about which profiles exist.
    const stranger = await dingtalk('scale-out nosuch 1', { conversationId: 'cid-random' });
    expect(stranger.json.markdown.text).toContain("not on this bot's list");
    expect(stranger.json.markdown.text).not.toContain('demo');
    expect(ledger()).toHaveLength(0);
    expect(batchRows()).toHaveLength(0);
  });

  it('answers 401 to a wrong sign, and refuses an unknown conversation in the chat', async () => {
    expect((await dingtalk('scale-out demo 1', { secret: 'wrong' })).statusCode).toBe(401);
    const elsewhere = await dingtalk('scale-out demo 1', { conversationId: 'cid-random' });
    expect(elsewhere.json.markdown.text).toContain("not on this bot's list");
    expect(ledger()).toHaveLength(0);
    expect(batchRows()).toHaveLength(0);
  });
});

// ----------------------------------------------------------------------------------------------- Feishu

/** One push as Feishu signs it; sending the same value again is a re-push that keeps the first timestamp. */
function feishuPush(plain: unknown, opts: { key?: string } = {}) {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', createHash('sha256').update(FEISHU_KEY).digest(), iv);
  const encrypt = Buffer.concat([iv, cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]).toString('base64');
  const raw = JSON.stringify({ encrypt });
  const ts = nowSeconds();
  const nonce = randomBytes(8).toString('hex');
  const sig = createHash('sha256').update(`${ts}${nonce}${opts.key ?? FEISHU_KEY}${raw}`).digest('hex');
  return { raw, headers: { 'content-type': 'application/json', 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': nonce, 'x-lark-signature': sig } };
}

const deliver = (push: ReturnType<typeof feishuPush>) => call(deps, 'POST', '/chatops/feishu', push);
const feishu = (plain: unknown, opts: { key?: string } = {}) => deliver(feishuPush(plain, opts));

const feishuMessage = (eventId: string, text: string) => ({
  schema: '2.0',
  header: { event_id: eventId, event_type: 'im.message.receive_v1', token: FEISHU_TOKEN, create_time: String(Date.now()), app_id: 'cli_x', tenant_key: 't' },
  event: {
    sender: { sender_id: { open_id: 'ou_alice' }, sender_type: 'user' },
    message: { message_id: `om_${eventId}`, chat_id: 'oc_ops', message_type: 'text', content: JSON.stringify({ text: `@_user_1 ${text}` }), mentions: [{ key: '@_user_1', name: 'ecs-bot' }] },
  },
});

describe('POST /chatops/feishu', () => {
  it('answers the encrypted url_verification challenge', async () => {
    const res = await feishu({ challenge: 'challenge-123', token: FEISHU_TOKEN, type: 'url_verification' });
    expect(res.statusCode).toBe(200);
    expect(res.json).toEqual({ challenge: 'challenge-123' });
  });

  it('answers 200 {} to an encrypted message, acknowledges through the bot webhook, and starts the batch once', async () => {
    const res = await feishu(feishuMessage('ev-1', 'scale-out demo 1 for 1h'));
    expect(res.statusCode).toBe(200);
    expect(res.json).toEqual({});
    const again = await feishu(feishuMessage('ev-1', 'scale-out demo 1 for 1h'));
    expect(again.statusCode).toBe(200);
    expect(again.json).toEqual({});
    expect(ledger()).toHaveLength(1);
    const acks = feishuPosts();
    expect(acks).toHaveLength(1);
    expect(acks[0]!.body.msg_type).toBe('text');
    expect(acks[0]!.body.content.text).toContain('Starting 1 instance of demo');
    s.clock.advance(10_000);
    await runSweep();
    const final = feishuPosts().slice(1);
    expect(final).toHaveLength(1);
    expect(final[0]!.body.content.text).toContain('the demo instance is Running');
  });

  // Feishu re-pushes an event it thinks failed after 15 s, 5 min, 1 h and 6 h, with the same event_id.
  const REPUSH_GAPS_MS = [15_000, 5 * 60_000, 3_600_000, 6 * 3_600_000];

  it('posts nothing and runs nothing again when Feishu re-pushes an answered event, signed afresh or not', async () => {
    const scale = feishuPush(feishuMessage('ev-repush-1', 'scale-out demo 1 for 1h'));
    const status = feishuPush(feishuMessage('ev-repush-2', 'status'));
    expect((await deliver(scale)).statusCode).toBe(200);
    expect((await deliver(status)).statusCode).toBe(200);
    expect(feishuPosts()).toHaveLength(2);
    for (const gap of REPUSH_GAPS_MS) {
      s.clock.advance(gap);
      for (const again of [scale, status, feishuPush(feishuMessage('ev-repush-1', 'scale-out demo 1 for 1h')), feishuPush(feishuMessage('ev-repush-2', 'status'))]) {
        const res = await deliver(again);
        expect(res.statusCode).toBe(200);
        expect(res.json).toEqual({});
      }
    }
    expect(feishuPosts()).toHaveLength(2);
    expect(ledger()).toHaveLength(1);
    expect(batchRows()).toHaveLength(1);
  });

  it('handles a re-push that is the first delivery we see, even 7 hours after Feishu signed it', async () => {
    const push = feishuPush(feishuMessage('ev-late', 'scale-out demo 1 for 1h'));
    s.clock.advance(REPUSH_GAPS_MS.reduce((a, b) => a + b, 0)); // the 6 h re-push, original timestamp kept
    const res = await deliver(push);
    expect(res.statusCode).toBe(200);
    expect(ledger()).toHaveLength(1);
    expect(feishuPosts()).toHaveLength(1);
    expect(feishuPosts()[0]!.body.content.text).toContain('Starting 1 instance of demo');
    expect((await deliver(push)).statusCode).toBe(200);
    expect(feishuPosts()).toHaveLength(1);
    // Past every re-push Feishu makes, an old signature is a replay: refused.
    const stale = feishuPush(feishuMessage('ev-stale', 'scale-out demo 1 for 1h'));
    s.clock.advance(9 * 3_600_000);
    expect((await deliver(stale)).statusCode).toBe(401);
    expect(ledger()).toHaveLength(1);
  });

  it('answers a failure when the acknowledgement cannot be posted, so the re-push posts it, and starts the batch once', async () => {
    const push = feishuPush(feishuMessage('ev-bot-down', 'scale-out demo 1 for 1h'));
    failFeishuBot = 1;
    const first = await deliver(push);
    expect(first.statusCode).toBeGreaterThanOrEqual(500);
    expect(feishuPosts()).toHaveLength(0);
    s.clock.advance(15_000);
    expect((await deliver(push)).statusCode).toBe(200);
    expect(feishuPosts()).toHaveLength(1);
    expect(feishuPosts()[0]!.body.content.text).toContain('Starting 1 instance of demo');
    expect(ledger()).toHaveLength(1);
    expect(batchRows()).toHaveLength(1);
  });

  it('acknowledges once when two deliveries of one event arrive together', async () => {
    const push = feishuPush(feishuMessage('ev-twice', 'scale-out demo 2 for 1h'));
    const answers = await Promise.all([deliver(push), deliver(push), deliver(push)]);
    // The one that is still working when another arrives answers a failure, so that Feishu pushes again
    // if that one dies: nothing is dropped.
    for (const a of answers) expect([200, 503]).toContain(a.statusCode);
    expect(answers.filter((a) => a.statusCode === 200).length).toBeGreaterThanOrEqual(1);
    expect(feishuPosts()).toHaveLength(1);
    expect(ledger()).toHaveLength(2);
    s.clock.advance(15_000);
    await Promise.all([deliver(push), deliver(push)]);
    expect(feishuPosts()).toHaveLength(1);
  });

  it('answers 401 to a wrong signature and creates nothing', async () => {
    const res = await feishu(feishuMessage('ev-2', 'scale-out demo 1'), { key: 'wrong-key' });
    expect(res.statusCode).toBe(401);
    expect(ledger()).toHaveLength(0);
    expect(received).toHaveLength(0);
  });
});
