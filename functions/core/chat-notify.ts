import { batchReport, webhookBody, type BatchSummary, type InstanceSummary } from '../chatops/reply';
import { isTerminal, type Batch } from './batch';
import { StoreError, VersionConflict } from './errors';
import { MAX_CALLBACK_ATTEMPTS } from './notify';
import type { BatchStore, Log, Poster } from './ports';
import type { Clock } from './time';

/**
 * The final chat reply of a batch started from chat, delivered like a callback: at least once, its state
 * recorded on the batch, retried with backoff. The delivery id rides along in a header for receivers that
 * can use it; the chat platforms cannot, so a crash between the POST and the save may repeat the message.
 */
export interface ChatNotifyDeps {
  store: BatchStore;
  clock: Clock;
  log: Log;
  post: Poster;
}

/** Slack accepts at most 5 posts to one response_url; the acknowledgement travelled in the HTTP answer. */
const MAX_ATTEMPTS = { dingtalk: MAX_CALLBACK_ATTEMPTS, slack: 5, feishu: MAX_CALLBACK_ATTEMPTS } as const;

export const chatNotifyDue = (b: Batch, now: number): boolean =>
  b.notify !== undefined && isTerminal(b.status) && (b.notify.state === 'waiting' || b.notify.state === 'pending') && (b.notify.nextAttemptAt ?? 0) <= now;

/** What a person reads about a batch, from the batch record. */
export function batchSummary(b: Batch): BatchSummary {
  return {
    id: b.id,
    status: b.status,
    profile: b.profile ?? 'custom',
    amount: b.amount,
    instances: b.instances.map((i): InstanceSummary => ({
      instanceId: i.instanceId,
      status: i.state,
      ...(i.zoneId !== undefined ? { zoneId: i.zoneId } : {}),
      ...(i.privateIp !== undefined ? { privateIp: i.privateIp } : {}),
      ...(i.publicIp !== undefined ? { publicIp: i.publicIp } : {}),
    })),
    ...(b.error ? { error: { code: b.error.code, message: b.error.message } } : {}),
    ...(b.releaseAt !== undefined ? { releaseAt: new Date(b.releaseAt).toISOString().replace(/\.\d{3}Z$/, 'Z') } : {}),
  };
}

/** Send the final reply if it is due; returns the batch as saved. Store errors propagate (the sweep retries). */
export async function deliverChatNotify(deps: ChatNotifyDeps, b: Batch): Promise<Batch> {
  const now = deps.clock.now();
  if (!chatNotifyDue(b, now)) return b;
  const n = b.notify!;
  if (n.expiresAt !== undefined && n.expiresAt <= now) {
    deps.log.warn('chat reply window closed before the batch ended', { batchId: b.id, platform: n.kind });
    return deps.store.saveBatch({ ...b, updatedAt: now, notify: { ...n, state: 'failed', nextAttemptAt: undefined, lastError: 'the reply URL expired before the batch ended' } });
  }
  const body = JSON.stringify(webhookBody(n.kind, batchReport(batchSummary(b))));
  try {
    // Never log the URL: DingTalk and Slack reply URLs and the Feishu bot webhook are bearer capabilities.
    // DingTalk and Feishu say "refused" with HTTP 200 and a non-zero code: that is not delivered.
    await deps.post(n.url, body, { 'x-ecs-batch-delivery': n.deliveryId }, { platformCodes: true });
  } catch (e) {
    if (e instanceof VersionConflict || e instanceof StoreError) throw e;
    const error = (e instanceof Error ? e.message : String(e)).slice(0, 200);
    const attempts = n.attempts + 1;
    const done = attempts >= MAX_ATTEMPTS[n.kind];
    deps.log.warn('chat reply delivery failed', { batchId: b.id, platform: n.kind, attempt: attempts, error });
    const later = deps.clock.now();
    return deps.store.saveBatch({
      ...b,
      updatedAt: later,
      notify: { ...n, attempts, state: done ? 'failed' : 'pending', lastError: error, nextAttemptAt: done ? undefined : later + Math.min(600_000, 15_000 * 2 ** (attempts - 1)) },
    });
  }
  deps.log.info('chat reply delivered', { batchId: b.id, platform: n.kind, status: b.status });
  return deps.store.saveBatch({ ...b, updatedAt: deps.clock.now(), notify: { ...n, attempts: n.attempts + 1, state: 'delivered', nextAttemptAt: undefined, lastError: undefined } });
}
