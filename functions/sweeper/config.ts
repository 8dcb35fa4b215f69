import { z } from 'zod';

/** The sweeper's own settings, checked once at cold start (and by `npm run preflight` before a deploy). */
export const SweeperEnvSchema = z.object({
  CALLBACK_SIGNING_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  SWEEP_LEASE_SECONDS: z.coerce.number().int().min(10).max(3600).default(60),
  SWEEP_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  /** Seconds kept free at the end of an invocation so no batch is left half-updated. */
  SWEEP_SAFETY_SECONDS: z.coerce.number().int().min(1).max(120).default(10),
  /** Instances one schedule (timer trigger) may start in any 24 hours. */
  SCHEDULE_DAILY_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(1000),
});
