import { countByState, type Batch } from './batch';

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export interface ViewOptions {
  /** Show who owns the batch (to admins, who see every owner's batches). */
  owner?: boolean;
}

/** The public JSON of a batch. The callback URL may carry a secret in its query: only its origin is shown. */
export function batchView(b: Batch, opts: ViewOptions = {}) {
  return {
    ...headView(b, opts),
    instances: b.instances.map((i) => ({
      instanceId: i.instanceId,
      state: i.state,
      zoneId: i.zoneId ?? null,
      instanceType: i.instanceType ?? null,
      privateIp: i.privateIp ?? null,
      publicIp: i.publicIp ?? null,
      chunk: i.chunk,
      createdAt: iso(i.createdAt),
      firstSeenAt: iso(i.firstSeenAt),
      startedAt: iso(i.startedAt),
      runningAt: iso(i.runningAt),
      endedAt: iso(i.endedAt),
      interruptedAt: iso(i.interruptedAt),
    })),
    chunks: b.chunks.map((c) => ({
      index: c.index,
      amount: c.amount,
      state: c.state,
      instanceType: b.offerings[c.offering]?.instanceType ?? null,
      zoneId: b.offerings[c.offering]?.zoneId ?? null,
      clientToken: c.clientToken,
      error: c.error ?? null,
    })),
    failedOfferings: b.failedOfferings.map((f) => ({ ...b.offerings[f.offering], code: f.code, at: iso(f.at) })),
    error: b.error ?? null,
    ...timesView(b),
    idempotencyKey: b.idempotencyKey ?? null,
    callback: b.callback ? { origin: safeOrigin(b.callback.url), state: b.callback.state, attempts: b.callback.attempts, deliveryId: b.callback.deliveryId } : null,
    // The chat reply's URL is a bearer capability: only the platform and the delivery state are shown.
    chatReply: b.chatReply ? { kind: b.chatReply.kind, state: b.chatReply.state, attempts: b.chatReply.attempts } : null,
    cancel: cancelView(b),
    release: releaseView(b),
  };
}

/**
 * One batch in a list: what it is, how it stands and when, without its instances, chunks or callback
 * (GET /batches; `?view=full` gives batchView). A 20-instance batch is well under 2 KB this way.
 */
export function batchListItem(b: Batch, opts: ViewOptions = {}) {
  return {
    ...headView(b, opts),
    error: b.error ? { code: b.error.code, message: b.error.message } : null,
    ...timesView(b),
    cancel: cancelView(b),
    release: releaseView(b),
  };
}

/** What a batch is and how it stands: the first fields of both the full view and a list item. */
const headView = (b: Batch, opts: ViewOptions) => ({
  id: b.id,
  status: b.status,
  ...(opts.owner ? { owner: b.owner } : {}),
  profile: b.profile ?? null,
  amount: b.amount,
  region: b.spec.region,
  counts: countByState(b),
});

const timesView = (b: Batch) => ({
  releaseAt: iso(b.releaseAt),
  createdAt: iso(b.createdAt),
  updatedAt: iso(b.updatedAt),
  deadlineAt: iso(b.deadlineAt),
  endedAt: iso(b.endedAt),
});

const cancelView = (b: Batch) => (b.cancel ? { requestedAt: iso(b.cancel.requestedAt), release: b.cancel.release, released: b.cancel.released ?? false } : null);
const releaseView = (b: Batch) => (b.release ? { requestedAt: iso(b.release.requestedAt), by: b.release.by, releasedAt: iso(b.release.releasedAt) } : null);

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid)';
  }
}
