import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import * as feishu from '../../functions/chatops/feishu';

const ENCRYPT_KEY = 'kudryavtsev-encrypt-KEY';
const TOKEN = 'verification-TOKEN-123';
const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);
const TS = String(Math.floor(NOW / 1000) - 3);
const NONCE = '1234567890';

/** Encrypts exactly as Feishu documents: base64(iv16 || AES-256-CBC(key = SHA256(encryptKey))). */
function encrypt(plain: unknown, key = ENCRYPT_KEY): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', createHash('sha256').update(key).digest(), iv);
  return Buffer.concat([iv, cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]).toString('base64');
}

const sign = (ts: string, nonce: string, body: string, key = ENCRYPT_KEY) =>
  createHash('sha256').update(ts + nonce + key + body).digest('hex');

const signedRequest = (bodyValue: unknown, ts = TS) => {
  const body = JSON.stringify(bodyValue);
  return {
    headers: { 'X-Lark-Request-Timestamp': ts, 'X-Lark-Request-Nonce': NONCE, 'X-Lark-Signature': sign(ts, NONCE, body) },
    body: Buffer.from(body),
  };
};

const messageEvent = (over: { text?: string; token?: string; messageType?: string; senderType?: string; eventType?: string } = {}) => ({
  schema: '2.0',
  header: {
    event_id: '5e3702a84e847582be8db7fb73283c02',
    event_type: over.eventType ?? 'im.message.receive_v1',
    create_time: '1608725989000',
    token: over.token ?? TOKEN,
    app_id: 'cli_a0000',
    tenant_key: 'tk',
  },
  event: {
    sender: { sender_id: { union_id: 'on_1', user_id: 'u1', open_id: 'ou_alice' }, sender_type: over.senderType ?? 'user', tenant_key: 'tk' },
    message: {
      message_id: 'om_5ce6d572455d361153b7cb51da133945',
      root_id: '',
      parent_id: '',
      create_time: '1609073151345',
      chat_id: 'oc_ops',
      chat_type: 'group',
      message_type: over.messageType ?? 'text',
      content: JSON.stringify({ text: over.text ?? '@_user_1 scale-out web 3' }),
      mentions: [{ key: '@_user_1', id: { open_id: 'ou_bot' }, name: 'ecs-bot', tenant_key: 'tk' }],
    },
  },
});

const secrets = { encryptKey: ENCRYPT_KEY, verificationToken: TOKEN };

describe('feishu.verify', () => {
  it('accepts a signed push', () => {
    expect(feishu.verify(signedRequest({ encrypt: encrypt(messageEvent()) }), secrets, NOW)).toEqual({ ok: true });
  });

  it('reads lower-case header names too', () => {
    const r = signedRequest({ encrypt: encrypt(messageEvent()) });
    const lower = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(feishu.verify({ headers: lower, body: r.body }, secrets, NOW).ok).toBe(true);
  });

  it('rejects a signature made with another key', () => {
    const body = JSON.stringify({ encrypt: encrypt(messageEvent()) });
    const r = { headers: { 'X-Lark-Request-Timestamp': TS, 'X-Lark-Request-Nonce': NONCE, 'X-Lark-Signature': sign(TS, NONCE, body, 'other') }, body: Buffer.from(body) };
    expect(feishu.verify(r, secrets, NOW)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a body changed after signing', () => {
    const r = signedRequest({ encrypt: encrypt(messageEvent()) });
    expect(feishu.verify({ headers: r.headers, body: Buffer.from(JSON.stringify({ encrypt: encrypt(messageEvent({ text: 'cancel b-1 release' })) })) }, secrets, NOW)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('accepts the 6 h re-push signed with the first timestamp, and rejects a push more than 8 hours old', () => {
    const repush = String(Math.floor(NOW / 1000) - (15 + 300 + 3600 + 6 * 3600));
    expect(feishu.verify(signedRequest({ encrypt: encrypt(messageEvent()) }, repush), secrets, NOW)).toEqual({ ok: true });
    const ts = String(Math.floor(NOW / 1000) - 8 * 3600 - 1);
    expect(feishu.verify(signedRequest({ encrypt: encrypt(messageEvent()) }, ts), secrets, NOW)).toMatchObject({ ok: false, reason: 'stale_timestamp' });
  });

  it('takes a narrower replay window when asked', () => {
    const ts = String(Math.floor(NOW / 1000) - 400);
    expect(feishu.verify(signedRequest({ encrypt: encrypt(messageEvent()) }, ts), secrets, NOW, 300_000)).toMatchObject({ ok: false, reason: 'stale_timestamp' });
  });

  it('rejects a signature of the wrong length without throwing', () => {
    const r = signedRequest({ encrypt: encrypt(messageEvent()) });
    expect(feishu.verify({ headers: { ...r.headers, 'X-Lark-Signature': 'abc' }, body: r.body }, secrets, NOW)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('rejects an unsigned event when an encrypt key is configured', () => {
    const body = Buffer.from(JSON.stringify({ encrypt: encrypt(messageEvent()) }));
    expect(feishu.verify({ headers: {}, body }, secrets, NOW)).toMatchObject({ ok: false, reason: 'missing_header' });
  });

  it('accepts an unsigned url_verification only when it carries the verification token', () => {
    const good = Buffer.from(JSON.stringify({ encrypt: encrypt({ challenge: 'ajls384kdjx98XX', token: TOKEN, type: 'url_verification' }) }));
    const bad = Buffer.from(JSON.stringify({ encrypt: encrypt({ challenge: 'ajls384kdjx98XX', token: 'guess', type: 'url_verification' }) }));
    expect(feishu.verify({ headers: {}, body: good }, secrets, NOW)).toEqual({ ok: true });
    expect(feishu.verify({ headers: {}, body: bad }, secrets, NOW)).toMatchObject({ ok: false, reason: 'missing_header' });
  });

  it('checks the verification token when it is the only secret configured', () => {
    const body = (token: string) => ({ headers: {}, body: Buffer.from(JSON.stringify(messageEvent({ token }))) });
    expect(feishu.verify(body(TOKEN), { verificationToken: TOKEN }, NOW)).toEqual({ ok: true });
    expect(feishu.verify(body('nope'), { verificationToken: TOKEN }, NOW)).toMatchObject({ ok: false, reason: 'bad_token' });
  });

  it('refuses everything when nothing is configured', () => {
    expect(feishu.verify(signedRequest(messageEvent()), {}, NOW)).toMatchObject({ ok: false, reason: 'not_configured' });
  });

  it('never puts a secret in its reason', () => {
    const results = [
      feishu.verify({ headers: { 'X-Lark-Request-Timestamp': TS, 'X-Lark-Request-Nonce': NONCE, 'X-Lark-Signature': 'ff' }, body: Buffer.from('{}') }, secrets, NOW),
      feishu.verify({ headers: {}, body: Buffer.from(JSON.stringify(messageEvent({ token: 'x' }))) }, { verificationToken: TOKEN }, NOW),
    ];
    for (const r of results) {
      expect(JSON.stringify(r)).not.toContain(ENCRYPT_KEY);
      expect(JSON.stringify(r)).not.toContain(TOKEN);
    }
  });
});

describe('feishu.parse', () => {
  it('decrypts an encrypted message event into a ChatRequest without the bot mention', () => {
    const r = feishu.parse(signedRequest({ encrypt: encrypt(messageEvent()) }), secrets);
    expect(r).toEqual({
      ok: true,
      kind: 'message',
      request: {
        platform: 'feishu',
        messageId: 'feishu:5e3702a84e847582be8db7fb73283c02',
        userId: 'ou_alice',
        conversationId: 'oc_ops',
        text: '  scale-out web 3',
        reply: { kind: 'feishu', chatId: 'oc_ops', messageId: 'om_5ce6d572455d361153b7cb51da133945' },
      },
    });
  });

  it('answers the url_verification challenge, encrypted or plain', () => {
    const challenge = { challenge: 'ajls384kdjx98XX', token: TOKEN, type: 'url_verification' };
    expect(feishu.parse({ headers: {}, body: Buffer.from(JSON.stringify({ encrypt: encrypt(challenge) })) }, secrets)).toEqual({
      ok: true,
      kind: 'challenge',
      challenge: 'ajls384kdjx98XX',
    });
    expect(feishu.parse({ headers: {}, body: Buffer.from(JSON.stringify(challenge)) }, { verificationToken: TOKEN })).toMatchObject({ kind: 'challenge' });
  });

  it('rejects an event whose verification token does not match', () => {
    const r = feishu.parse(signedRequest({ encrypt: encrypt(messageEvent({ token: 'other' })) }), secrets);
    expect(r).toMatchObject({ ok: false, reason: 'bad_token' });
  });

  it('rejects a body encrypted with another key, and an encrypted body with no key configured', () => {
    const body = Buffer.from(JSON.stringify({ encrypt: encrypt(messageEvent(), 'another-key') }));
    expect(feishu.parse({ headers: {}, body }, secrets)).toMatchObject({ ok: false, reason: 'undecryptable' });
    expect(feishu.parse({ headers: {}, body }, { verificationToken: TOKEN })).toMatchObject({ ok: false, reason: 'not_configured' });
    const garbage = Buffer.from(JSON.stringify({ encrypt: 'bm90IGVub3VnaA==' }));
    expect(feishu.parse({ headers: {}, body: garbage }, secrets)).toMatchObject({ ok: false, reason: 'undecryptable' });
  });

  it('ignores other event types, other message types and messages from bots', () => {
    for (const over of [{ eventType: 'im.chat.member.bot.added_v1' }, { messageType: 'image' }, { senderType: 'app' }]) {
      expect(feishu.parse({ headers: {}, body: Buffer.from(JSON.stringify(messageEvent(over))) }, { verificationToken: TOKEN })).toMatchObject({
        ok: true,
        kind: 'ignored',
      });
    }
  });

  it('rejects a malformed event as a typed rejection', () => {
    const p = (v: unknown) => feishu.parse({ headers: {}, body: Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)) }, { encryptKey: ENCRYPT_KEY });
    expect(p('not json')).toMatchObject({ ok: false, reason: 'malformed_body' });
    expect(p({ schema: '2.0', header: {} })).toMatchObject({ ok: false, reason: 'malformed_body' });
    const broken = messageEvent();
    broken.event.message.content = '{text';
    expect(p(broken)).toMatchObject({ ok: false, reason: 'malformed_body' });
  });

  it('removes every mention placeholder, even @_user_10 next to @_user_1', () => {
    const e = messageEvent({ text: '@_user_10 @_user_1 status' });
    e.event.message.mentions = [
      { key: '@_user_1', id: { open_id: 'ou_bot' }, name: 'bot', tenant_key: 'tk' },
      { key: '@_user_10', id: { open_id: 'ou_bob' }, name: 'bob', tenant_key: 'tk' },
    ];
    const r = feishu.parse({ headers: {}, body: Buffer.from(JSON.stringify(e)) }, { verificationToken: TOKEN });
    expect(r.ok && r.kind === 'message' && r.request.text.trim()).toBe('status');
  });
});

describe('feishu.decrypt', () => {
  it('round-trips what Feishu encrypts', () => {
    expect(feishu.decrypt(encrypt({ a: 1 }), ENCRYPT_KEY)).toBe('{"a":1}');
  });
});
