import { createHmac } from 'node:crypto';
import { loadChatOpsConfig, receive } from '../../functions/chatops';

const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);

describe('loadChatOpsConfig', () => {
  it('turns on only the platforms whose secrets are set, accepting rotated secrets', () => {
    const r = loadChatOpsConfig({ SLACK_SIGNING_SECRET: 'new, old', FEISHU_VERIFICATION_TOKEN: 'tok' });
    expect(r).toEqual({ ok: true, config: { acl: {}, slack: { signingSecrets: ['new', 'old'] }, feishu: { verificationToken: 'tok' } } });
  });

  it('fails closed on a malformed CHATOPS_ACL', () => {
    expect(loadChatOpsConfig({ CHATOPS_ACL: '[]' }).ok).toBe(false);
  });
});

describe('receive', () => {
  it('verifies, then decodes', () => {
    const body = new URLSearchParams({ team_id: 'T1', channel_id: 'C1', user_id: 'U1', text: 'list', response_url: 'https://hooks.slack.com/c/1', trigger_id: 't1' }).toString();
    const ts = String(NOW / 1000);
    const sig = `v0=${createHmac('sha256', 's3cret').update(`v0:${ts}:${body}`).digest('hex')}`;
    const raw = { headers: { 'x-slack-request-timestamp': ts, 'x-slack-signature': sig }, body: Buffer.from(body) };
    const config = { acl: {}, slack: { signingSecrets: ['s3cret'] } };
    expect(receive('slack', raw, config, NOW)).toMatchObject({ ok: true, kind: 'message', request: { messageId: 'slack:T1:t1', text: 'list' } });
    expect(receive('slack', { ...raw, body: Buffer.from(body.replace('list', 'help')) }, config, NOW)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a platform that is not configured', () => {
    expect(receive('dingtalk', { headers: {}, body: Buffer.from('{}') }, { acl: {} }, NOW)).toMatchObject({ ok: false, reason: 'not_configured' });
  });
});
