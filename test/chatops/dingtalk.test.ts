import { createHmac } from 'node:crypto';
import * as dingtalk from '../../functions/chatops/dingtalk';

const SECRET = 'ding-app-secret-SEKRIT';
const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);

const sign = (timestamp: string, secret = SECRET) =>
  createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');

const message = (over: Record<string, unknown> = {}) => ({
  msgtype: 'text',
  text: { content: ' scale-out web 3 for 9h' },
  msgId: 'msgABC123',
  conversationId: 'cidXYZ==',
  conversationType: '2',
  senderId: '$:LWCP_v1:$abc',
  senderStaffId: 'staff001',
  senderNick: 'Li Lei',
  isAdmin: false,
  sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=abc',
  sessionWebhookExpiredTime: NOW + 90 * 60_000,
  ...over,
});

const request = (headers: Record<string, string | undefined>, body: unknown = message()) => ({
  headers,
  body: Buffer.from(JSON.stringify(body)),
});

describe('dingtalk.verify', () => {
  const ts = String(NOW - 5_000);

  it('accepts a request signed with the app secret', () => {
    expect(dingtalk.verify(request({ timestamp: ts, sign: sign(ts) }), SECRET, NOW)).toEqual({ ok: true });
  });

  it('reads the headers whatever their case', () => {
    expect(dingtalk.verify(request({ Timestamp: ts, SIGN: sign(ts) }), SECRET, NOW)).toEqual({ ok: true });
  });

  it('accepts the previous secret while it is being rotated', () => {
    expect(dingtalk.verify(request({ timestamp: ts, sign: sign(ts, 'old-secret') }), ['new-secret', 'old-secret'], NOW).ok).toBe(true);
  });

  it('rejects a signature made with another secret', () => {
    const r = dingtalk.verify(request({ timestamp: ts, sign: sign(ts, 'wrong') }), SECRET, NOW);
    expect(r).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a timestamp more than an hour old, and one more than an hour ahead', () => {
    for (const at of [NOW - 60 * 60_000 - 1, NOW + 60 * 60_000 + 1]) {
      const t = String(at);
      expect(dingtalk.verify(request({ timestamp: t, sign: sign(t) }), SECRET, NOW)).toMatchObject({ ok: false, reason: 'stale_timestamp' });
    }
  });

  it('accepts a timestamp just inside the hour', () => {
    const t = String(NOW - 60 * 60_000);
    expect(dingtalk.verify(request({ timestamp: t, sign: sign(t) }), SECRET, NOW).ok).toBe(true);
  });

  it('rejects a request without the sign header', () => {
    expect(dingtalk.verify(request({ timestamp: ts }), SECRET, NOW)).toMatchObject({ ok: false, reason: 'missing_header' });
  });

  it('rejects a timestamp that is not a number', () => {
    expect(dingtalk.verify(request({ timestamp: '12abc', sign: sign('12abc') }), SECRET, NOW)).toMatchObject({ ok: false, reason: 'bad_timestamp' });
  });

  it('rejects a signature of the wrong length without throwing', () => {
    expect(dingtalk.verify(request({ timestamp: ts, sign: 'c2hvcnQ=' }), SECRET, NOW)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses everything when no secret is configured', () => {
    expect(dingtalk.verify(request({ timestamp: ts, sign: sign(ts, '') }), [], NOW)).toMatchObject({ ok: false, reason: 'not_configured' });
  });

  it('never puts the secret or the expected signature in its reason', () => {
    const r = dingtalk.verify(request({ timestamp: ts, sign: 'x' }), SECRET, NOW);
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(JSON.stringify(r)).not.toContain(sign(ts));
  });
});

describe('dingtalk.parse', () => {
  it('turns a text message into a ChatRequest with the session webhook to reply to', () => {
    const r = dingtalk.parse(request({}));
    expect(r).toEqual({
      ok: true,
      kind: 'message',
      request: {
        platform: 'dingtalk',
        messageId: 'dingtalk:msgABC123',
        userId: 'staff001',
        userName: 'Li Lei',
        conversationId: 'cidXYZ==',
        text: ' scale-out web 3 for 9h',
        reply: { kind: 'dingtalk', sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=abc', expiresAt: NOW + 90 * 60_000 },
      },
    });
  });

  it('falls back to senderId when there is no staff id', () => {
    const r = dingtalk.parse(request({}, message({ senderStaffId: undefined })));
    expect(r.ok && r.kind === 'message' && r.request.userId).toBe('$:LWCP_v1:$abc');
  });

  it('ignores messages that are not text', () => {
    expect(dingtalk.parse(request({}, message({ msgtype: 'picture', text: undefined })))).toMatchObject({ ok: true, kind: 'ignored' });
  });

  it('rejects a reply URL outside DingTalk, because the body is not signed', () => {
    const r = dingtalk.parse(request({}, message({ sessionWebhook: 'https://attacker.example/hook' })));
    expect(r).toMatchObject({ ok: false, reason: 'malformed_body' });
  });

  it('rejects a body that is not JSON, or lacks fields, as a typed rejection', () => {
    expect(dingtalk.parse({ headers: {}, body: Buffer.from('{nope') })).toMatchObject({ ok: false, reason: 'malformed_body' });
    expect(dingtalk.parse(request({}, { msgtype: 'text' }))).toMatchObject({ ok: false, reason: 'malformed_body' });
    expect(dingtalk.parse(request({}, null))).toMatchObject({ ok: false, reason: 'malformed_body' });
  });
});
