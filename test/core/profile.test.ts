import { isTimeZone, parseProfiles } from '../../functions/core/profile';

/** What the check asked before it had a fast path: does Intl.DateTimeFormat accept the zone? */
function dateTimeFormatAccepts(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

describe('isTimeZone', () => {
  it('gives Intl.DateTimeFormat’s verdict for every canonical zone, links, other cases and bad names', () => {
    const names = [
      ...Intl.supportedValuesOf('timeZone'),
      ...['UTC', 'Etc/UTC', 'GMT', 'US/Pacific', 'Asia/Kolkata', 'Asia/Calcutta', 'asia/shanghai', 'utc', '+08:00'],
      ...['', 'Mars/Olympus', 'Asia/Shanghai ', 'UTC+8', '../etc/passwd', 'x'.repeat(300)],
    ];
    for (const tz of names) expect([tz, isTimeZone(tz)]).toEqual([tz, dateTimeFormatAccepts(tz)]);
  });

  it('still rejects a profile whose time zone is not one', () => {
    const profile = { region: 'cn-hangzhou', imageId: 'img', instanceTypes: ['ecs.g7.large'], vSwitches: [{ id: 'vsw-a', zoneId: 'cn-hangzhou-h' }], securityGroupId: 'sg-a' };
    expect(() => parseProfiles(JSON.stringify({ p: { ...profile, timeZone: 'Mars/Olympus' } }), 'LAUNCH_PROFILES')).toThrow(/timeZone/);
    expect(parseProfiles(JSON.stringify({ p: { ...profile, timeZone: 'US/Pacific' } }), 'LAUNCH_PROFILES').p.timeZone).toBe('US/Pacific');
  });
});
