import { z } from 'zod';

/**
 * The gateway's flow control: a token bucket per rule, refilled at `perSecond` up to `burst`. A call that
 * finds its bucket empty is answered `Throttling.User` with `x-acs-retry-after` (ms until a token is
 * back), as the real gateway does, and is not processed. `action: '*'` (default) is one bucket for every
 * action together; a named action has its own bucket, and a call spends a token from each rule it matches.
 * Time is wall time (like signature freshness), so advancing the lifecycle clock refills nothing.
 */
export const RateLimitSchema = z
  .object({
    action: z.string().min(1).default('*'),
    perSecond: z.number().positive(),
    burst: z.number().int().positive().optional(),
  })
  .strict();

export type RateLimitInput = z.input<typeof RateLimitSchema>;
export interface RateLimit {
  action: string;
  perSecond: number;
  burst: number;
}

interface Bucket {
  rule: RateLimit;
  tokens: number;
  at: number;
  /** Calls this rule has throttled. */
  throttled: number;
}

export class RateLimits {
  private buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Set (or replace) the limit of one action, or of all actions together with '*'. */
  set(input: RateLimitInput): RateLimit {
    const { action, perSecond, burst } = RateLimitSchema.parse(input);
    const rule = { action, perSecond, burst: burst ?? Math.max(1, Math.ceil(perSecond)) };
    this.buckets.set(action, { rule, tokens: rule.burst, at: this.now(), throttled: 0 });
    return { ...rule };
  }

  /** The rules in force, each with how many calls it has throttled so far. */
  list(): Array<RateLimit & { throttled: number }> {
    return [...this.buckets.values()].map((b) => ({ ...b.rule, throttled: b.throttled }));
  }

  clear(): void {
    this.buckets.clear();
  }

  /** Spend a token for `action`; undefined when the call may go, else the ms until it could. */
  take(action: string): number | undefined {
    const t = this.now();
    const matching = [this.buckets.get('*'), this.buckets.get(action)].filter((b): b is Bucket => b !== undefined);
    let waitMs: number | undefined;
    for (const b of matching) {
      b.tokens = Math.min(b.rule.burst, b.tokens + ((t - b.at) * b.rule.perSecond) / 1000);
      b.at = t;
      if (b.tokens < 1) {
        b.throttled++;
        waitMs = Math.max(waitMs ?? 0, Math.ceil(((1 - b.tokens) * 1000) / b.rule.perSecond));
      }
    }
    if (waitMs !== undefined) return Math.max(1, waitMs);
    for (const b of matching) b.tokens -= 1;
    return undefined;
  }
}
