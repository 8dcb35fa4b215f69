import { parseSweeperEvent } from '../../functions/sweeper/payload';
import { startStack, type Stack } from '../support/stack';

const BATCH = 'b-0123456789abcdef01234567';
const timer = (payload?: string) => ({ triggerTime: '2030-01-01T00:01:00Z', triggerName: 'sweep-every-minute', ...(payload === undefined ? {} : { payload }) });

describe('parseSweeperEvent', () => {
  it('reads a timer event whose payload is a JSON string, keeping the trigger', () => {
    expect(parseSweeperEvent(Buffer.from(JSON.stringify(timer('{"action":"sweep"}'))))).toEqual({
      ok: true,
      payload: { action: 'sweep' },
      trigger: { name: 'sweep-every-minute', time: '2030-01-01T00:01:00Z' },
    });
  });

  it('sweeps on a timer event without a payload', () => {
    expect(parseSweeperEvent(timer())).toMatchObject({ ok: true, payload: { action: 'sweep' } });
  });

  it('reads an async invocation body as the payload itself, as a Buffer, a string or an object', () => {
    const body = { action: 'watch', batchId: BATCH };
    for (const event of [Buffer.from(JSON.stringify(body)), JSON.stringify(body), body]) {
      const parsed = parseSweeperEvent(event);
      expect(parsed).toEqual({ ok: true, payload: body });
    }
  });

  it.each([
    ['not JSON at all', Buffer.from('{nope'), /not JSON/],
    ['a timer payload that is not JSON', timer('{nope'), /sweep-every-minute: payload is not JSON/],
    ['an unknown action', { action: 'explode' }, /^payload\.action/],
    ['a watch without a batch id', { action: 'watch' }, /^payload\.batchId/],
    ['a watch with a malformed batch id', { action: 'watch', batchId: 'b-../../etc' }, /^payload\.batchId/],
    ['an unknown field', { action: 'sweep', extra: 1 }, /^payload\./],
    ['a timer payload with a bad batch id', timer('{"action":"watch","batchId":"x"}'), /^payload\.batchId/],
  ])('refuses %s, naming the field', (_name, event, error) => {
    const parsed = parseSweeperEvent(event);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(error);
  });
});

describe('the sweeper handler', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack();
  });
  afterAll(() => s.close());

  it('answers a bad payload with {ok:false} naming the field, and touches neither ECS nor Tablestore', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { TABLESTORE_ENDPOINT: s.tsEmu.url, TABLESTORE_INSTANCE: 'local', TABLE_PREFIX: 't_', ECS_ENDPOINT: s.ecsEmu.endpoint, ECS_PROTOCOL: 'HTTP' });
    const logged = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      s.tsEmu.control.resetCalls();
      s.ecsEmu.control.clearCalls();
      const { handler } = await import('../../functions/sweeper/index');
      const res = await handler(Buffer.from(JSON.stringify({ action: 'watch', batchId: 42 })), { requestId: 'r-1', function: { timeout: 60 } });
      expect(res).toEqual({ ok: false, error: expect.stringMatching(/^payload\.batchId/) });
      expect(s.ecsEmu.control.calls()).toEqual({});
      expect(s.tsEmu.control.calls()).toEqual({});
    } finally {
      logged.mockRestore();
      process.env = saved;
    }
  });
});
