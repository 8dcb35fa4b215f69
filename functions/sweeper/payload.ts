import { BATCH_ID } from '../core/batch';
import { z } from 'zod';
import { ProfileNameSchema } from '../core/profile';
import { parseIsoDuration } from '../core/time';
import { formatIssues } from '../core/validation';

/**
 * A scheduled scale-out (an extra timer trigger's payload): `{"action":"submit","profile":"demo","amount":2,
 * "releaseAfter":"PT9H"}` or `"releaseAt":"18:00"`, a wall-clock time in the profile's time zone.
 */
export const SubmitPayloadSchema = z
  .strictObject({
    action: z.literal('submit'),
    profile: ProfileNameSchema,
    amount: z.int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000'),
    releaseAfter: z
      .string()
      .max(32)
      .refine((d) => parseIsoDuration(d) !== undefined, 'must be an ISO 8601 duration such as PT9H')
      .optional(),
    releaseAt: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time of day HH:MM such as 18:00 (the profile\'s time zone)')
      .optional(),
  })
  .refine((p) => p.releaseAfter === undefined || p.releaseAt === undefined, { path: ['releaseAt'], message: 'give at most one of "releaseAt" or "releaseAfter"' });
export type SubmitPayload = z.infer<typeof SubmitPayloadSchema>;

/** What the sweeper may be asked to do, from a timer payload or an async invocation body. */
export const SweeperPayloadSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('sweep') }),
  z.strictObject({ action: z.literal('watch'), batchId: z.string().regex(BATCH_ID) }),
  SubmitPayloadSchema,
]);
export type SweeperPayload = z.infer<typeof SweeperPayloadSchema>;

const TimerEventSchema = z.object({
  triggerTime: z.string().max(64),
  triggerName: z.string().max(256),
  payload: z.string().max(128 * 1024).optional(),
});

export type ParsedEvent =
  | { ok: true; payload: SweeperPayload; trigger?: { name: string; time: string } }
  | { ok: false; error: string };

/** A timer event wraps its payload as a string; an async invocation body is the payload itself. */
export function parseSweeperEvent(event: unknown): ParsedEvent {
  let raw: unknown = event;
  if (Buffer.isBuffer(raw)) raw = raw.toString('utf8');
  if (typeof raw === 'string') {
    try {
      raw = raw.trim() === '' ? {} : JSON.parse(raw);
    } catch {
      return { ok: false, error: 'event is not JSON' };
    }
  }
  let trigger: { name: string; time: string } | undefined;
  const timer = TimerEventSchema.safeParse(raw);
  if (timer.success) {
    trigger = { name: timer.data.triggerName, time: timer.data.triggerTime };
    try {
      raw = timer.data.payload ? JSON.parse(timer.data.payload) : { action: 'sweep' };
    } catch {
      return { ok: false, error: `timer ${timer.data.triggerName}: payload is not JSON` };
    }
  }
  const parsed = SweeperPayloadSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, error: `payload.${formatIssues(parsed.error.issues, { max: 1, root: 'action' })}` };
  }
  if (parsed.data.action === 'submit') {
    // The trigger's name and time are the idempotency key: without them a retried event would launch twice.
    if (!trigger) return { ok: false, error: 'payload.action: submit comes only from a timer trigger (its name and time make it idempotent)' };
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(trigger.name)) return { ok: false, error: 'triggerName: must be 1-128 letters, digits, _ or -' };
    if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/.test(trigger.time) || Number.isNaN(Date.parse(trigger.time))) {
      return { ok: false, error: 'triggerTime: must be an ISO 8601 time' };
    }
  }
  return { ok: true, payload: parsed.data, ...(trigger ? { trigger } : {}) };
}
