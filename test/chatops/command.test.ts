import { HELP_LINES, USAGE, parseCommand, tokenize } from '../../functions/chatops/command';

const usage = (name: keyof typeof USAGE) => `usage: ${USAGE[name]}`;

describe('parseCommand', () => {
  describe('scale-out', () => {
    it('reads a profile and an amount', () => {
      expect(parseCommand('scale-out web 3')).toEqual({ kind: 'scale-out', profile: 'web', amount: 3, dryRun: false });
    });

    it('reads "for <duration>" into an ISO 8601 duration and milliseconds', () => {
      const cases: [string, string, number][] = [
        ['9h', 'PT9H', 9 * 3_600_000],
        ['90m', 'PT90M', 90 * 60_000],
        ['1h30m', 'PT1H30M', 90 * 60_000],
        ['2d', 'PT48H', 48 * 3_600_000],
        ['1d12h', 'PT36H', 36 * 3_600_000],
        ['2H', 'PT2H', 2 * 3_600_000],
      ];
      for (const [text, iso, ms] of cases) {
        expect(parseCommand(`scale-out web 3 for ${text}`)).toEqual({
          kind: 'scale-out',
          profile: 'web',
          amount: 3,
          dryRun: false,
          lifetime: { kind: 'for', duration: { iso, ms } },
        });
      }
    });

    it('reads "until HH:MM" as a local time for the caller to resolve', () => {
      expect(parseCommand('scale-out web 3 until 9:05')).toMatchObject({ lifetime: { kind: 'until', untilLocalTime: '09:05' } });
      expect(parseCommand('scale-out web 3 until 18:00 dry-run')).toEqual({
        kind: 'scale-out',
        profile: 'web',
        amount: 3,
        dryRun: true,
        lifetime: { kind: 'until', untilLocalTime: '18:00' },
      });
    });

    it('accepts dry-run before or after the lifetime', () => {
      expect(parseCommand('scale-out web 1 dry-run for 2h')).toMatchObject({ dryRun: true, lifetime: { kind: 'for' } });
    });

    it('ignores the case of keywords and profile names, and extra spaces', () => {
      expect(parseCommand('  SCALE-OUT   Web-Tier_2    4   FOR  1H  DRY-RUN ')).toEqual({
        kind: 'scale-out',
        profile: 'web-tier_2',
        amount: 4,
        dryRun: true,
        lifetime: { kind: 'for', duration: { iso: 'PT1H', ms: 3_600_000 } },
      });
    });

    it('strips the slash command and bot mentions first', () => {
      for (const text of ['/ecs scale-out web 3', '@ecs-bot scale-out web 3', '<@U123|ecs> scale-out web 3', '@机器人 scale-out web 3']) {
        expect(parseCommand(text)).toMatchObject({ kind: 'scale-out', profile: 'web', amount: 3 });
      }
    });

    it('tolerates no-break, full-width and zero-width spaces, full-width digits and odd dashes', () => {
      expect(parseCommand('scale-out\u00a0web\u3000３\u200b for\u2002９h')).toMatchObject({ profile: 'web', amount: 3, lifetime: { duration: { iso: 'PT9H' } } });
      expect(parseCommand('scale\u2011out web 2 until 18：30 dry\u2013run')).toMatchObject({
        kind: 'scale-out',
        amount: 2,
        dryRun: true,
        lifetime: { untilLocalTime: '18:30' },
      });
    });

    const rejects: [string, RegExp][] = [
      ['scale-out', /needs a profile and an amount/],
      ['scale-out web', /needs a profile and an amount/],
      ['scale-out web 0', /at least 1/],
      ['scale-out web -3', /whole number/],
      ['scale-out web 2.5', /whole number/],
      ['scale-out web three', /whole number/],
      ['scale-out web 12345678901234567890', /far too large/],
      ['scale-out Web! 3', /profile name/],
      ['scale-out web 3 for', /"for" needs a duration/],
      ['scale-out web 3 for 9', /not a duration/],
      ['scale-out web 3 for 9s', /not a duration/],
      ['scale-out web 3 for 30m2h', /not a duration/],
      ['scale-out web 3 for 0h', /longer than zero/],
      ['scale-out web 3 for 400d', /at most 366d/],
      ['scale-out web 3 until', /"until" needs a time/],
      ['scale-out web 3 until 25:00', /not a time of day/],
      ['scale-out web 3 until 6pm', /not a time of day/],
      ['scale-out web 3 for 1h until 18:00', /either "for <duration>" or "until <HH:MM>"/],
      ['scale-out web 3 please', /did not expect "please"/],
    ];
    it.each(rejects)('answers "%s" with what was wrong and the scale-out usage', (text, error) => {
      const r = parseCommand(text);
      expect(r).toEqual({ kind: 'error', error: expect.stringMatching(error), usage: usage('scale-out') });
    });

    it('shortens an absurdly long word it echoes back', () => {
      const r = parseCommand(`scale-out web ${'9'.repeat(5000)}`);
      expect(r.kind === 'error' && r.error.length).toBeLessThan(80);
    });
  });

  describe('status, list, cancel, help', () => {
    it('reads status with and without a batch id', () => {
      expect(parseCommand('status')).toEqual({ kind: 'status' });
      expect(parseCommand('Status b-1a2b3c')).toEqual({ kind: 'status', batchId: 'b-1a2b3c' });
    });

    it('reads list', () => {
      expect(parseCommand('/ecs LIST')).toEqual({ kind: 'list' });
    });

    it('reads release and extend, and says what is missing', () => {
      expect(parseCommand('release b-1a2b3c')).toEqual({ kind: 'release', batchId: 'b-1a2b3c' });
      expect(parseCommand('extend b-1a2b3c for 2h')).toEqual({ kind: 'extend', batchId: 'b-1a2b3c', duration: { iso: 'PT2H', ms: 7_200_000 } });
      expect(parseCommand('Extend b-1a2b3c FOR 1H30M')).toMatchObject({ kind: 'extend', duration: { ms: 5_400_000 } });
      expect(parseCommand('release')).toEqual({ kind: 'error', error: 'release needs a batch id.', usage: usage('release') });
      expect(parseCommand('extend b-1 2h')).toMatchObject({ kind: 'error', error: expect.stringMatching(/for <duration>/), usage: usage('extend') });
      expect(parseCommand('extend b-1 for')).toMatchObject({ kind: 'error', usage: usage('extend') });
      expect(parseCommand('extend b-1 for soon')).toMatchObject({ kind: 'error', error: expect.stringMatching(/not a duration/) });
      expect(parseCommand('release b-1 now')).toMatchObject({ kind: 'error', error: expect.stringMatching(/"now"/) });
    });

    it('reads cancel with and without release', () => {
      expect(parseCommand('cancel b-1a2b3c')).toEqual({ kind: 'cancel', batchId: 'b-1a2b3c', release: false });
      expect(parseCommand('cancel b-1a2b3c RELEASE')).toEqual({ kind: 'cancel', batchId: 'b-1a2b3c', release: true });
    });

    it('reads help, with an optional topic, and treats an empty message as help', () => {
      expect(parseCommand('help')).toEqual({ kind: 'help' });
      expect(parseCommand('help Cancel')).toEqual({ kind: 'help', topic: 'cancel' });
      expect(parseCommand('@bot')).toEqual({ kind: 'help' });
      expect(parseCommand('')).toEqual({ kind: 'help' });
    });

    it('answers each malformed form with that command\'s usage', () => {
      expect(parseCommand('cancel')).toEqual({ kind: 'error', error: 'cancel needs a batch id.', usage: usage('cancel') });
      expect(parseCommand('cancel b-1 now')).toMatchObject({ error: expect.stringMatching(/"now"/), usage: usage('cancel') });
      expect(parseCommand('status b-1 b-2')).toMatchObject({ error: expect.stringMatching(/"b-2"/), usage: usage('status') });
      expect(parseCommand('status b/1')).toMatchObject({ error: expect.stringMatching(/batch id/), usage: usage('status') });
      expect(parseCommand('list all')).toMatchObject({ usage: usage('list') });
      expect(parseCommand('help me')).toMatchObject({ error: expect.stringMatching(/no command "me"/), usage: usage('help') });
    });
  });

  it('answers an unknown word with the first line of help', () => {
    expect(parseCommand('launch web 3')).toEqual({ kind: 'error', error: 'I don\'t know "launch".', usage: HELP_LINES[0] });
  });
});

describe('tokenize', () => {
  it('splits on every kind of space and drops the mention and slash command', () => {
    expect(tokenize('@bot /ecs\u3000status\u00a0\u00a0b-1\t')).toEqual(['status', 'b-1']);
  });

  it('drops backticks from copy-pasted code formatting', () => {
    expect(tokenize('`status b-1`')).toEqual(['status', 'b-1']);
  });
});
