import { z } from 'zod';
import type { EcsEvent } from '../core/events';

/**
 * The CloudEvent an EventBridge trigger hands the function (a Buffer of JSON; one event per invocation for
 * default-bus sources). Envelope: https://www.alibabacloud.com/help/doc-detail/181428.html; ECS event types
 * and source `acs.ecs`: https://www.alibabacloud.com/help/en/eventbridge/user-guide/ecs-events; payload fields
 * as Alibaba's sample handlers read them (GitHub aliyun/ecs-labs: `data.instanceId` for the interruption
 * notice; `data.resourceId` / `data.state` for StateChange). Fields we do not use are not required.
 */
const INSTANCE_ID = z.string().regex(/^i-[a-z0-9]{6,40}$/, 'must be an ECS instance id');
const Envelope = {
  id: z.string().min(1).max(256),
  source: z.literal('acs.ecs', 'must be acs.ecs'),
  specversion: z.literal('1.0', 'must be 1.0'),
  time: z.string().max(64).refine((t) => !Number.isNaN(Date.parse(t)), 'must be an ISO 8601 time'),
  aliyunregionid: z.string().regex(/^[a-z]{2,}-[a-z0-9-]{2,40}$/, 'must be a region id'),
};

const StateChange = z.object({
  ...Envelope,
  type: z.literal('ecs:Instance:StateChange'),
  data: z.object({ resourceId: INSTANCE_ID, state: z.string().min(1).max(64) }),
});
const Interruption = z.object({
  ...Envelope,
  type: z.literal('ecs:Instance:PreemptibleInstanceInterruption'),
  data: z.object({ instanceId: INSTANCE_ID, action: z.string().max(64).optional() }),
});
const EcsCloudEventSchema = z.discriminatedUnion('type', [StateChange, Interruption], { error: 'type: must be ecs:Instance:StateChange or ecs:Instance:PreemptibleInstanceInterruption' });

export type ParsedEcsEvent = { ok: true; event: EcsEvent } | { ok: false; error: string };

/** Does this invocation body look like a CloudEvent (rather than a timer or watch payload)? */
export function isCloudEvent(raw: unknown): boolean {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'specversion' in raw;
}

/** Validate a CloudEvent (already JSON-decoded) and reduce it to what the core acts on. */
export function parseEcsEvent(raw: unknown): ParsedEcsEvent {
  const parsed = EcsCloudEventSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return { ok: false, error: `event${i.path.length ? '.' + i.path.join('.') : ''}: ${i.message}` };
  }
  const e = parsed.data;
  // source + id is the event's identity (CloudEvents 1.0): a redelivery repeats both.
  const key = `${e.source}/${e.id}`;
  const at = Date.parse(e.time);
  return e.type === 'ecs:Instance:StateChange'
    ? { ok: true, event: { kind: 'state', key, region: e.aliyunregionid, instanceId: e.data.resourceId, state: e.data.state, at } }
    : { ok: true, event: { kind: 'interruption', key, region: e.aliyunregionid, instanceId: e.data.instanceId, at } };
}
