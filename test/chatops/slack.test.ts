import { createHmac } from 'node:crypto';
import * as slack from '../../functions/chatops/slack';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);
const TS = String(Math.floor(NOW / 1000) - 10);

const form = (over: Record<string, string> = {}) =>
  new URLSearchParams({
    token: 'legacy',
    team_id: 'T0001',
    team_domain: 'example',
    channel_id: 'C2147483705',
    channel_name: 'ops',
    user_id: 'U2147483697',
    user_name: 'steve',
    command: '/ecs',
    text: 'scale-out web 3 &amp; more',
    response_url: 'https://hooks.slack.com/commands/1234/5678',
    trigger_id: '13345224609.738474920.8088930838d88f008e0',
    ...over,
  }).toString();

const sign = (ts: string, body: string, secret = SECRET) => `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;

const request = (body: string, headers: Record<string, string | undefined>) => ({ headers, body: Buffer.from(body) });
const signed = (body = form(), ts = TS) =>
  request(body, { 'X-Slack-Request-Timestamp': ts, 'X-Slack-Signature': sign(ts, body), 'Content-Type': 'application/x-www-form-urlencoded' });

describe('slack.verify', () => {
  it('accepts a request signed with the signing secret', () => {
    expect(slack.verify(signed(), SECRET, NOW)).toEqual({ ok: true });
  });

  it('reads lower-case header names too', () => {
    const body = form();
    expect(slack.verify(request(body, { 'x-slack-request-timestamp': TS, 'x-slack-signature': sign(TS, body) }), SECRET, NOW).ok).toBe(true);
  });

  it('rejects a signature made with another secret', () => {
    const body = form();
    const r = slack.verify(request(body, { 'X-Slack-Request-Timestamp': TS, 'X-Slack-Signature': sign(TS, body, 'other') }), SECRET, NOW);
    expect(r).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a request older than five minutes', () => {
    const ts = String(Math.floor(NOW / 1000) - 301);
    expect(slack.verify(signed(form(), ts), SECRET, NOW)).toMatchObject({ ok: false, reason: 'stale_timestamp' });
  });

  it('rejects a request from more than five minutes in the future', () => {
    const ts = String(Math.floor(NOW / 1000) + 301);
    expect(slack.verify(signed(form(), ts), SECRET, NOW)).toMatchObject({ ok: false, reason: 'stale_timestamp' });
  });

  it('rejects a request missing the signature header', () => {
    expect(slack.verify(request(form(), { 'X-Slack-Request-Timestamp': TS }), SECRET, NOW)).toMatchObject({ ok: false, reason: 'missing_header' });
  });

  it('rejects a signature of the wrong length without throwing', () => {
    const r = slack.verify(request(form(), { 'X-Slack-Request-Timestamp': TS, 'X-Slack-Signature': 'v0=abc' }), SECRET, NOW);
    expect(r).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a body changed after signing', () => {
    const good = signed();
    const tampered = { headers: good.headers, body: Buffer.from(form({ text: 'scale-out web 99' })) };
    expect(slack.verify(tampered, SECRET, NOW)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('never puts the secret or the expected signature in its reason', () => {
    const r = slack.verify(request(form(), { 'X-Slack-Request-Timestamp': TS, 'X-Slack-Signature': 'v0=00' }), SECRET, NOW);
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(JSON.stringify(r)).not.toContain(sign(TS, form()).slice(3));
  });
});

describe('slack.parse', () => {
  it('turns a slash command into a ChatRequest keyed by team and trigger id', () => {
    expect(slack.parse(signed())).toEqual({
      ok: true,
      kind: 'message',
      request: {
        platform: 'slack',
        messageId: 'slack:T0001:13345224609.738474920.8088930838d88f008e0',
        userId: 'U2147483697',
        userName: 'steve',
        conversationId: 'C2147483705',
        text: 'scale-out web 3 & more',
        reply: { kind: 'slack', responseUrl: 'https://hooks.slack.com/commands/1234/5678' },
      },
    });
  });

  it('gives a redelivered body the same key, and falls back to a hash of the body without trigger_id', () => {
    const body = form({ trigger_id: '' }).replace('&trigger_id=', '');
    const a = slack.parse(request(body, {}));
    const b = slack.parse(request(body, {}));
    expect(a.ok && a.kind === 'message' && a.request.messageId).toMatch(/^slack:sha256:[0-9a-f]{64}$/);
    expect(a).toEqual(b);
  });

  it('recognises Slack ssl_check probes, and nothing else, as probes', () => {
    expect(slack.isSslCheck(request('ssl_check=1&token=x', {}))).toBe(true);
    expect(slack.isSslCheck(request(`ssl_check=1&${form()}`, {}))).toBe(true);
    expect(slack.isSslCheck(request('ssl_check=0&token=x', {}))).toBe(false);
    expect(slack.isSslCheck(request(form(), {}))).toBe(false);
  });

  it('rejects a form without the fields of a slash command', () => {
    expect(slack.parse(request('hello=world', {}))).toMatchObject({ ok: false, reason: 'malformed_body' });
  });

  it('rejects a response_url outside Slack', () => {
    expect(slack.parse(request(form({ response_url: 'https://evil.example/x' }), {}))).toMatchObject({ ok: false, reason: 'malformed_body' });
  });
});
