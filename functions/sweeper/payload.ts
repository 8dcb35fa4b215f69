import { z } from 'zod';

/** What the sweeper may be asked to do, from a timer payload or an async invocation body. */
export const SweeperPayloadSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('sweep') }),
  z.strictObject({ action: z.literal('watch'), batchId: z.string().regex(/^b-[0-9a-f]{24}$/) }),
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
    const i = parsed.error.issues[0];
    return { ok: false, error: `payload.${i.path.join('.') || 'action'}: ${i.message}` };
  }
  return { ok: true, payload: parsed.data, ...(trigger ? { trigger } : {}) };
}
