import { z } from 'zod';
import { seededRandom, type Random } from '../common/random';
import { isKnownCode } from './errors';

/**
 * Failures a test can order, each for one action or all ('*'):
 * - throttle: `Throttling.User` with `x-acs-retry-after` (ms), nothing processed;
 * - internalError / serviceUnavailable: 500 / 503, nothing processed;
 * - error: the ECS error `code` with its real status (e.g. OperationDenied.NoStock, 403), nothing processed;
 * - latency: the answer comes `latencyMs` later (combines with the others);
 * - noAnswer: the request is read and then ignored; the socket stays open until the client gives up;
 * - answerLost: the call IS processed, then the socket is destroyed before any answer.
 * A rule applies to the next `times` matching calls, or with `probability` (seeded), or both;
 * with neither it applies until cleared. `retryAfterMs` puts `x-acs-retry-after` on the answer: always on
 * throttle (default 1000), on the other error kinds when given.
 */
export const FaultRuleSchema = z
  .object({
    action: z.string().min(1).default('*'),
    kind: z.enum(['throttle', 'internalError', 'serviceUnavailable', 'error', 'latency', 'noAnswer', 'answerLost']),
    /** For kind 'error': a code the emulator knows (local/ecs/errors.ts), answered with its status. */
    code: z.string().refine(isKnownCode, 'not an ECS error code the emulator knows').optional(),
    times: z.number().int().positive().optional(),
    probability: z.number().min(0).max(1).optional(),
    latencyMs: z.number().int().nonnegative().default(0),
    retryAfterMs: z.number().int().nonnegative().optional(),
  })
  .strict()
  .refine((r) => r.kind !== 'error' || r.code !== undefined, { message: "kind 'error' needs a code", path: ['code'] });

export type FaultRuleInput = z.input<typeof FaultRuleSchema>;
export type FaultRule = z.infer<typeof FaultRuleSchema> & { id: string };
export type FaultKind = FaultRule['kind'];

export interface FaultDecision {
  latencyMs: number;
  /** The fault that decides the call's fate, if any. */
  outcome?: FaultRule;
}

export class Faults {
  private rules: FaultRule[] = [];
  private random: Random;
  private seq = 0;

  constructor(private readonly seed: number) {
    this.random = seededRandom(seed);
  }

  add(input: FaultRuleInput): FaultRule {
    const rule = { ...FaultRuleSchema.parse(input), id: `fault-${++this.seq}` };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** Forget every rule and restart the random sequence, so a seeded run replays exactly. */
  clear(): void {
    this.rules = [];
    this.random = seededRandom(this.seed);
  }

  /** Decide the faults for one call; rules fire in the order they were added. */
  pick(action: string): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const rule of this.rules) {
      if (rule.action !== '*' && rule.action !== action) continue;
      if (rule.kind !== 'latency' && decision.outcome) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      if (rule.kind === 'latency') decision.latencyMs += rule.latencyMs;
      else decision.outcome = rule;
      if (rule.times !== undefined) rule.times--;
    }
    this.rules = this.rules.filter((r) => r.times === undefined || r.times > 0);
    return decision;
  }
}
