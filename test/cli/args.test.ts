import { durationToIso, parseCommandLine, untilToIso, UsageError } from '../../cli/args';
import { exitForStatus, EXIT } from '../../cli/exit-codes';
import { countsText, listText } from '../../cli/output';

describe('the CLI command line', () => {
  it('parses each command with its flags', () => {
    expect(parseCommandLine(['up', 'demo', '3', '--for', '9h', '--wait', '--key', 'nightly-1', '--json']).command).toEqual({ kind: 'up', profile: 'demo', amount: 3, releaseAfter: 'PT9H', dryRun: false, wait: true, key: 'nightly-1' });
    expect(parseCommandLine(['up', 'demo', '1', '--dry-run', '--name', 'web-[1,3]']).command).toMatchObject({ dryRun: true, name: 'web-[1,3]' });
    expect(parseCommandLine(['ls', '--status', 'running', '--owner', 'slack:U1']).command).toEqual({ kind: 'ls', status: 'RUNNING', owner: 'slack:U1' });
    expect(parseCommandLine(['show', 'b-1', '--wait']).command).toEqual({ kind: 'show', id: 'b-1', wait: true });
    expect(parseCommandLine(['cancel', 'b-1', '--release']).command).toEqual({ kind: 'cancel', id: 'b-1', release: true });
    expect(parseCommandLine(['release', 'b-1']).command).toEqual({ kind: 'release', id: 'b-1' });
    expect(parseCommandLine(['extend', 'b-1', '--for', '2h']).command).toEqual({ kind: 'extend', id: 'b-1', releaseAfter: 'PT2H' });
    expect(parseCommandLine(['ls', '--url', 'http://x', '--token', 't']).global).toEqual({ url: 'http://x', token: 't', json: false });
    expect(parseCommandLine([]).command).toEqual({ kind: 'help' });
  });

  it.each([
    [['nope']],
    [['up', 'demo']],
    [['up', 'demo', 'three']],
    [['up', 'demo', '3', '--fro', '9h']],
    [['up', 'demo', '3', '--for', '9x']],
    [['up', 'demo', '3', '--for', '9h', '--until', '18:00']],
    [['up', 'demo', '3', '--until', '25:00']],
    [['extend', 'b-1']],
    [['show', 'b-1', 'extra']],
    [['ls', '--limit', 'many']],
    [['cancel', '--release']],
  ])('refuses %j with a usage error', (argv) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
  });

  it('turns --for and --until into what the API takes', () => {
    expect(durationToIso('90m')).toBe('PT90M');
    expect(durationToIso('1h30m')).toBe('PT1H30M');
    expect(durationToIso('2d')).toBe('PT48H');
    const now = new Date(2030, 0, 1, 17, 0);
    expect(new Date(untilToIso('18:00', now)).getTime() - now.getTime()).toBe(3600_000);
    expect(new Date(untilToIso('16:00', now)).getTime() - now.getTime()).toBe(23 * 3600_000);
  });

  it('maps each outcome to its own exit code', () => {
    expect(['RUNNING', 'PENDING', 'PARTIAL', 'FAILED', 'TIMED_OUT', 'CANCELLED'].map(exitForStatus)).toEqual([EXIT.ok, EXIT.ok, EXIT.partial, EXIT.failed, EXIT.timedOut, EXIT.cancelled]);
    expect(new Set(Object.values(EXIT)).size).toBe(Object.values(EXIT).length);
  });

  it('prints plain tab-separated lines when piped and a table with a header on a terminal', () => {
    const b = { id: 'b-1', status: 'RUNNING', profile: 'demo', amount: 2, createdAt: '2030-01-01T00:00:00.000Z', counts: { Released: 1, Running: 1 } };
    expect(listText([b], false)).toBe('b-1\tRUNNING\tdemo\t2\t2030-01-01T00:00:00.000Z\tRunning 1, Released 1');
    expect(listText([b], true).split('\n')[0]).toMatch(/^ID\s+STATUS\s+PROFILE/);
    expect(countsText({})).toBe('no instances yet');
  });
});
