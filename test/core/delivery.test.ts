import type { Batch, Delivery } from '../../functions/core/batch';
import { delivered, deliveryDue, failedAttempt, MAX_ATTEMPTS, owedDeliveries } from '../../functions/core/delivery';

const waiting: Delivery = { url: 'https://example.com/hook', state: 'waiting', deliveryId: 'b-1-final', attempts: 0 };
const batch = (over: Partial<Batch>) => ({ id: 'b-1', status: 'PENDING', ...over }) as Batch;

describe('deliveries', () => {
  it('are due only once the batch has ended and the backoff has passed', () => {
    expect(deliveryDue(batch({ callback: waiting }), 'callback', 0)).toBe(false);
    expect(deliveryDue(batch({ status: 'RUNNING', callback: waiting }), 'callback', 0)).toBe(true);
    expect(deliveryDue(batch({ status: 'RUNNING', callback: { ...waiting, state: 'pending', nextAttemptAt: 100 } }), 'callback', 99)).toBe(false);
    expect(deliveryDue(batch({ status: 'RUNNING', callback: { ...waiting, state: 'pending', nextAttemptAt: 100 } }), 'callback', 100)).toBe(true);
    expect(deliveryDue(batch({ status: 'RUNNING', callback: delivered(waiting) }), 'callback', 0)).toBe(false);
    expect(deliveryDue(batch({ status: 'RUNNING' }), 'chatReply', 0)).toBe(false);
  });

  it('back off 15 s doubling, at most 10 minutes, and give up after the attempts run out', () => {
    let d = waiting;
    const waits: number[] = [];
    for (let i = 0; i < MAX_ATTEMPTS - 1; i++) {
      d = failedAttempt(d, 0, 'the receiver answered HTTP 500', MAX_ATTEMPTS);
      waits.push(d.nextAttemptAt!);
    }
    expect(waits).toEqual([15_000, 30_000, 60_000, 120_000, 240_000, 480_000, 600_000]);
    expect(d).toMatchObject({ state: 'pending', attempts: MAX_ATTEMPTS - 1, lastError: 'the receiver answered HTTP 500' });
    expect(failedAttempt(d, 0, 'x'.repeat(500), MAX_ATTEMPTS)).toMatchObject({ state: 'failed', attempts: MAX_ATTEMPTS, nextAttemptAt: undefined, lastError: 'x'.repeat(200) });
  });

  it('count what an ended batch still owes, due or not', () => {
    const failed = { ...waiting, state: 'failed' as const };
    expect(owedDeliveries(batch({ callback: waiting, chatReply: { ...failed, kind: 'slack' } }))).toEqual([waiting]);
    expect(owedDeliveries(batch({ callback: delivered(waiting) }))).toEqual([]);
  });
});
