import { parseCommand, type ScaleOutCommand } from '../../functions/chatops/command';
import * as reply from '../../functions/chatops/reply';
import type { BatchSummary } from '../../functions/chatops/reply';

const scaleOut = (text: string) => parseCommand(text) as ScaleOutCommand;

const batch = (over: Partial<BatchSummary> = {}): BatchSummary => ({
  id: 'b-0123456789abcdef01234567',
  status: 'RUNNING',
  profile: 'web',
  amount: 2,
  instances: [
    { instanceId: 'i-bp1aaaa', status: 'Running', zoneId: 'cn-hangzhou-h', privateIp: '10.0.0.5', publicIp: '47.1.2.3' },
    { instanceId: 'i-bp1bbbb', status: 'Running', zoneId: 'cn-hangzhou-h', privateIp: '10.0.0.6' },
  ],
  ...over,
});

describe('reply messages', () => {
  it('acknowledges a scale-out with the batch id and when it ends', () => {
    const m = reply.acknowledgement(scaleOut('scale-out web 3 for 1h30m'), 'b-1');
    expect(m.title).toBe('Starting 3 instances of web');
    expect(m.lines.join(' ')).toContain('Batch b-1: released after 1h30m.');
    expect(m.audience).toBe('channel');
  });

  it('acknowledges a dry run as such, to the requester only', () => {
    const m = reply.acknowledgement(scaleOut('scale-out web 1 until 18:00 dry-run'), 'b-1');
    expect(m.title).toBe('Dry run: 1 instance of web would be accepted');
    expect(m.lines[0]).toContain("released at 18:00 (the profile's time zone)");
    expect(m.audience).toBe('requester');
  });

  it('reports Running instances with their addresses', () => {
    const m = reply.batchReport(batch());
    expect(m.title).toBe('Batch b-0123456789abcdef01234567: all 2 web instances are Running');
    expect(m.lines).toEqual(['i-bp1aaaa  Running  cn-hangzhou-h  private 10.0.0.5  public 47.1.2.3', 'i-bp1bbbb  Running  cn-hangzhou-h  private 10.0.0.6']);
  });

  it('caps a long instance list with "and N more"', () => {
    const instances = Array.from({ length: 25 }, (_, i) => ({ instanceId: `i-${i}`, status: 'Running' }));
    const m = reply.batchReport(batch({ amount: 25, instances }));
    expect(m.lines).toHaveLength(reply.MAX_INSTANCE_LINES + 1);
    expect(m.lines.at(-1)).toBe('and 15 more');
  });

  it('explains a failure and what to try, by error code', () => {
    const m = reply.batchReport(batch({ status: 'FAILED', instances: [], error: { code: 'OperationDenied.NoStock', message: 'The resource is out of stock.' } }));
    expect(m.title).toContain('failed');
    expect(m.lines).toEqual(['Reason: OperationDenied.NoStock: The resource is out of stock.', expect.stringMatching(/no stock.*smaller amount/)]);
    expect(reply.hintFor('QuotaExceed.PostPaidInstance')).toMatch(/quota/);
    expect(reply.hintFor('Throttling.User')).toMatch(/try again in a minute/);
    expect(reply.hintFor('ThrottlingX')).toBeUndefined();
  });

  it('reports a partial batch with the running ones, the reason and the release time', () => {
    const m = reply.batchReport(
      batch({ status: 'PARTIAL', amount: 3, error: { code: 'Weird.Code', message: 'x'.repeat(1000) }, releaseAt: '2024-06-01T10:00:00Z' }),
    );
    expect(m.title).toBe('Batch b-0123456789abcdef01234567: only 2 of 3 web instances are Running');
    expect(m.lines.some((l) => l.startsWith('Reason: Weird.Code') && l.length < 340)).toBe(true);
    expect(m.lines).toContain('Ask an administrator to look at batch b-0123456789abcdef01234567.');
    // The report comes before that time: the release is scheduled, not done.
    expect(m.lines.at(-1)).toBe('Scheduled to be released automatically at 2024-06-01T10:00:00Z.');
    expect(m.lines.some((l) => /^Released/.test(l))).toBe(false);
  });

  it('tells a timed-out batch how to follow up', () => {
    const m = reply.batchReport(batch({ status: 'TIMED_OUT', amount: 5 }));
    expect(m.lines.at(-1)).toBe('Stragglers may still start: check with "status b-0123456789abcdef01234567".');
  });

  it('lists batches, and says so when there are none', () => {
    expect(reply.batchList([batch()]).lines).toEqual(['b-0123456789abcdef01234567  RUNNING  2/2 web']);
    expect(reply.batchList([]).title).toBe('No recent batches');
  });

  it('renders help, usage errors and refusals for the requester only', () => {
    expect(reply.help().lines[0]).toMatch(/^Commands:/);
    expect(reply.help('cancel').lines).toEqual(['usage: cancel <batchId> [release]   e.g. cancel b-1a2b3c release']);
    const err = parseCommand('cancel');
    if (err.kind !== 'error') throw new Error('expected an error');
    expect(reply.usageError(err)).toEqual({ title: 'cancel needs a batch id.', lines: [err.usage], audience: 'requester' });
    expect(reply.refusal('You may not use the profile "gpu".')).toMatchObject({ title: 'Sorry, you are not allowed to do that', audience: 'requester' });
  });
});

describe('reply bodies', () => {
  const m = { title: 'Batch b-1 <done> & dusted', lines: ['one', 'two'], audience: 'channel' as const };

  it('renders a DingTalk markdown message', () => {
    expect(reply.toDingTalk(m)).toEqual({ msgtype: 'markdown', markdown: { title: 'Batch b-1 <done> & dusted', text: '#### Batch b-1 <done> & dusted\n\none\n\ntwo' } });
  });

  it('renders a Slack message, escaping its three markup characters', () => {
    expect(reply.toSlack(m)).toEqual({ response_type: 'in_channel', text: '*Batch b-1 &lt;done&gt; &amp; dusted*\none\ntwo' });
    expect(reply.toSlack({ ...m, audience: 'requester' }).response_type).toBe('ephemeral');
  });

  it('caps the text length on every platform', () => {
    const long = { ...m, lines: Array.from({ length: 500 }, () => 'x'.repeat(50)) };
    expect(reply.toDingTalk(long).markdown.text.length).toBeLessThanOrEqual(reply.MAX_TEXT_CHARS);
    expect(reply.toSlack(long).text.length).toBeLessThanOrEqual(reply.MAX_TEXT_CHARS);
    expect(reply.toFeishuBot(long).content.text.length).toBeLessThanOrEqual(reply.MAX_TEXT_CHARS);
  });
});
