import { authorize, parseAcl, type Acl } from '../../functions/chatops/acl';
import { parseCommand, type Command } from '../../functions/chatops/command';

const cmd = (text: string) => parseCommand(text) as Command;

const acl = (): Acl => {
  const r = parseAcl(
    JSON.stringify({
      slack: {
        users: {
          U_SRE: { profiles: '*', maxAmount: 50, dailyLimit: 200 },
          U_VIEW: { profiles: ['web'], maxAmount: 0, dailyLimit: 0 },
        },
        conversations: { C_OPS: { profiles: ['web', 'batch'], maxAmount: 5, dailyLimit: 20 } },
      },
      feishu: { users: { ou_alice: { profiles: ['gpu'], maxAmount: 2, dailyLimit: 4 } } },
    }),
  );
  if (!r.ok) throw new Error(r.error);
  return r.acl;
};

describe('authorize', () => {
  it('refuses everyone who is not listed, politely, naming their ids', () => {
    const r = authorize(acl(), 'slack', 'U_STRANGER', 'C_RANDOM', cmd('status'));
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/not on this bot's list.*U_STRANGER.*C_RANDOM/) });
  });

  it('refuses a user listed on another platform only', () => {
    expect(authorize(acl(), 'dingtalk', 'ou_alice', 'x', cmd('list')).ok).toBe(false);
  });

  it('lets a listed user scale out within their scope anywhere', () => {
    expect(authorize(acl(), 'slack', 'U_SRE', 'D_DIRECT', cmd('scale-out gpu 50 for 9h'))).toMatchObject({ ok: true, scope: { profiles: '*', maxAmount: 50 } });
  });

  it('lets anyone in a listed conversation use its scope', () => {
    expect(authorize(acl(), 'slack', 'U_NEW', 'C_OPS', cmd('scale-out batch 5')).ok).toBe(true);
    expect(authorize(acl(), 'slack', 'U_NEW', 'C_OPS', cmd('scale-out gpu 1'))).toEqual({
      ok: false,
      reason: 'You may not use the profile "gpu". Your profiles: web, batch.',
    });
    expect(authorize(acl(), 'slack', 'U_NEW', 'C_OPS', cmd('scale-out web 6'))).toEqual({ ok: false, reason: 'You may start at most 5 at once; you asked for 6.' });
  });

  it('adds up grants when both the user and the conversation are listed', () => {
    const r = authorize(acl(), 'slack', 'U_VIEW', 'C_OPS', cmd('scale-out batch 3'));
    expect(r).toEqual({ ok: true, scope: { profiles: ['web', 'batch'], maxAmount: 5, dailyLimit: 20 } });
  });

  it('lets a viewer look but not start or cancel', () => {
    expect(authorize(acl(), 'slack', 'U_VIEW', 'D1', cmd('status b-1')).ok).toBe(true);
    expect(authorize(acl(), 'slack', 'U_VIEW', 'D1', cmd('list')).ok).toBe(true);
    expect(authorize(acl(), 'slack', 'U_VIEW', 'D1', cmd('scale-out web 1'))).toMatchObject({ ok: false, reason: expect.stringMatching(/not start/) });
    expect(authorize(acl(), 'slack', 'U_VIEW', 'D1', cmd('cancel b-1 release'))).toMatchObject({ ok: false, reason: expect.stringMatching(/not cancel/) });
  });

  it('applies the same checks to a dry run', () => {
    expect(authorize(acl(), 'feishu', 'ou_alice', 'oc_1', cmd('scale-out gpu 3 dry-run')).ok).toBe(false);
  });

  it('never finds inherited properties as ids', () => {
    expect(authorize(acl(), 'slack', '__proto__', 'constructor', cmd('list')).ok).toBe(false);
  });
});

describe('parseAcl', () => {
  it('treats an unset CHATOPS_ACL as nobody allowed', () => {
    expect(parseAcl(undefined)).toEqual({ ok: true, acl: {} });
  });

  it('rejects malformed configuration with the path of the problem', () => {
    expect(parseAcl('{')).toEqual({ ok: false, error: 'CHATOPS_ACL is not JSON' });
    expect(parseAcl(JSON.stringify({ slack: { users: { U1: { profiles: ['Bad Name'], maxAmount: 1, dailyLimit: 1 } } } }))).toMatchObject({
      ok: false,
      error: expect.stringContaining('slack.users.U1.profiles.0'),
    });
    expect(parseAcl(JSON.stringify({ slack: { users: { U1: { profiles: '*', maxAmount: -1, dailyLimit: 1 } } } })).ok).toBe(false);
    expect(parseAcl(JSON.stringify({ teams: {} })).ok).toBe(false);
  });
});
