import type { Batch, BatchStatus, ChatReplyState } from '../core/batch';
import { MAX_ATTEMPTS, type Channel } from '../core/delivery';
import { HELP_LINES, USAGE, type CommandError, type CommandName, type Lifetime, type ScaleOutCommand } from './command';

/**
 * What people read in chat, built once as a platform-neutral message and rendered into each platform's
 * documented reply body. Pure: the wiring POSTs the body (DingTalk sessionWebhook, Slack response_url,
 * Feishu im/v1/messages/{message_id}/reply).
 */

export interface InstanceSummary {
  instanceId: string;
  status: string;
  zoneId?: string;
  privateIp?: string;
  publicIp?: string;
}

export interface BatchSummary {
  id: string;
  status: BatchStatus;
  profile: string;
  amount: number;
  instances: InstanceSummary[];
  error?: { code: string; message: string };
  /** ISO 8601 UTC, as ECS AutoReleaseTime. */
  releaseAt?: string;
}

export interface ChatMessage {
  /** One line: the notification preview on DingTalk, the bold first line elsewhere. */
  title: string;
  lines: string[];
  /** `requester`: only the person who asked needs it (Slack sends it ephemeral; others cannot whisper). */
  audience: 'channel' | 'requester';
}

/** More instance lines than this turn into "and N more": a chat message is not an inventory. */
export const MAX_INSTANCE_LINES = 10;
const MAX_ERROR_CHARS = 300;
/** Well under every platform's limit (Slack text 40k chars, DingTalk ~20 KB, Feishu 150 KB). */
export const MAX_TEXT_CHARS = 3500;

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

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

// --------------------------------------------------------------------------------------------- messages

const compactMs = (ms: number) => {
  const d = Math.floor(ms / 86_400_000);
  const h = Math.floor((ms % 86_400_000) / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  return `${d ? `${d}d` : ''}${h ? `${h}h` : ''}${m ? `${m}m` : ''}`;
};

export function describeLifetime(lifetime: Lifetime | undefined): string {
  if (lifetime === undefined) return 'kept until someone releases them';
  return lifetime.kind === 'for'
    ? `released after ${compactMs(lifetime.duration.ms)}`
    : `released at ${lifetime.untilLocalTime} (the profile's time zone)`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The immediate answer to `scale-out`, sent before any instance exists. */
export function acknowledgement(cmd: ScaleOutCommand, batchId: string): ChatMessage {
  const what = `${plural(cmd.amount, 'instance')} of ${cmd.profile}`;
  if (cmd.dryRun) {
    return {
      title: `Dry run: ${what} would be accepted`,
      lines: [`Nothing was started; they would be ${describeLifetime(cmd.lifetime)}.`],
      audience: 'requester',
    };
  }
  return {
    title: `Starting ${what}`,
    lines: [`Batch ${batchId}: ${describeLifetime(cmd.lifetime)}.`, 'I will reply here when they are Running, or say why not.'],
    audience: 'channel',
  };
}

function instanceLine(i: InstanceSummary): string {
  const parts = [i.instanceId, i.status];
  if (i.zoneId) parts.push(i.zoneId);
  if (i.privateIp) parts.push(`private ${i.privateIp}`);
  if (i.publicIp) parts.push(`public ${i.publicIp}`);
  return parts.join('  ');
}

function instanceLines(instances: InstanceSummary[]): string[] {
  const shown = instances.slice(0, MAX_INSTANCE_LINES).map(instanceLine);
  const rest = instances.length - shown.length;
  return rest > 0 ? [...shown, `and ${rest} more`] : shown;
}

/**
 * ECS error codes that tell the person what to try next. Prefix match, because ECS refines codes with a
 * suffix (`QuotaExceed.PostPaidInstance`, `Throttling.User`).
 */
const HINTS: { prefixes: readonly string[]; hint: string }[] = [
  {
    prefixes: ['OperationDenied.NoStock', 'Zone.NotOnSale', 'InvalidResourceType.NotSupported', 'InvalidInstanceType.NotSupported'],
    hint: 'ECS has no stock for this profile right now: try a smaller amount, another profile, or again in a few minutes.',
  },
  {
    prefixes: ['QuotaExceed', 'InvalidAccountStatus', 'Account.Arrearage'],
    hint: 'The account hit a quota or has a billing problem: ask an administrator.',
  },
  { prefixes: ['Throttling', 'ServiceUnavailable', 'InternalError'], hint: 'Alibaba Cloud is busy: try again in a minute.' },
];

export function hintFor(code: string | undefined): string | undefined {
  if (code === undefined) return undefined;
  return HINTS.find((h) => h.prefixes.some((p) => code === p || code.startsWith(`${p}.`)))?.hint;
}

const running = (b: BatchSummary) => b.instances.filter((i) => i.status === 'Running').length;

function reasonLines(b: BatchSummary, fallbackHint: string): string[] {
  const lines: string[] = [];
  if (b.error) lines.push(`Reason: ${b.error.code}: ${clip(b.error.message, MAX_ERROR_CHARS)}`);
  lines.push(hintFor(b.error?.code) ?? fallbackHint);
  return lines;
}

/** Where a batch stands: the final report once it has ended, progress before that. */
export function batchReport(b: BatchSummary): ChatMessage {
  const of = `${running(b)} of ${b.amount} ${b.profile}`;
  const release = b.releaseAt ? [`Scheduled to be released automatically at ${b.releaseAt}.`] : [];
  switch (b.status) {
    case 'SUBMITTING':
    case 'PENDING':
      return { title: `Batch ${b.id} is starting: ${of} Running`, lines: instanceLines(b.instances), audience: 'channel' };
    case 'RUNNING':
      return { title: `Batch ${b.id}: ${b.amount === 1 ? `the ${b.profile} instance is` : `all ${b.amount} ${b.profile} instances are`} Running`, lines: [...instanceLines(b.instances), ...release], audience: 'channel' };
    case 'PARTIAL':
      return {
        title: `Batch ${b.id}: only ${of} instances are Running`,
        lines: [...instanceLines(b.instances), ...reasonLines(b, `Ask an administrator to look at batch ${b.id}.`), ...release],
        audience: 'channel',
      };
    case 'FAILED':
      return {
        title: `Batch ${b.id} failed: no ${b.profile} instance started`,
        lines: reasonLines(b, `Ask an administrator to look at batch ${b.id}.`),
        audience: 'channel',
      };
    case 'TIMED_OUT':
      return {
        title: `Batch ${b.id} timed out with ${of} Running`,
        lines: [...instanceLines(b.instances), ...reasonLines(b, `Stragglers may still start: check with "status ${b.id}".`)],
        audience: 'channel',
      };
    case 'CANCELLED':
      return { title: `Batch ${b.id} was cancelled`, lines: instanceLines(b.instances), audience: 'channel' };
  }
}

export function batchList(batches: BatchSummary[]): ChatMessage {
  if (batches.length === 0) return { title: 'No recent batches', lines: ['Start one with: scale-out <profile> <amount>'], audience: 'requester' };
  const lines = batches.slice(0, MAX_INSTANCE_LINES).map((b) => `${b.id}  ${b.status}  ${running(b)}/${b.amount} ${b.profile}`);
  if (batches.length > lines.length) lines.push(`and ${batches.length - lines.length} more`);
  return { title: `${batches.length} recent batch${batches.length === 1 ? '' : 'es'}`, lines, audience: 'requester' };
}

export function cancelled(batchId: string, release: boolean): ChatMessage {
  return {
    title: `Cancelling batch ${batchId}`,
    lines: [release ? 'Its instances will be released.' : 'Its instances keep running; add "release" to release them.'],
    audience: 'channel',
  };
}

/** After `release <id>`: each instance's fate if known now, else that the sweeper is on it. */
export function released(b: Batch): ChatMessage {
  const left = b.instances.filter((i) => i.state !== 'Released' && i.state !== 'Lost').length;
  const gone = b.instances.length - left;
  return {
    title: left === 0 ? `Released the instances of batch ${b.id}` : `Releasing the instances of batch ${b.id}`,
    lines: left === 0 ? [`${gone} released${b.instances.some((i) => i.state === 'Lost') ? ' (some were already gone)' : ''}.`] : [`${gone} of ${b.instances.length} released so far; the rest are being released.`],
    audience: 'channel',
  };
}

/** After `extend <id> for <duration>`: the new time, scheduled (ECS releases them then, not now). */
export function extended(b: Batch, failed: number): ChatMessage {
  const at = b.releaseAt === undefined ? 'not automatically' : `at ${new Date(b.releaseAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return {
    title: `Batch ${b.id} will be released ${at}`,
    lines: failed > 0 ? [`${failed} of its instances could not be moved (ECS refused them, or they are gone): "status ${b.id}" shows them.`] : [],
    audience: 'channel',
  };
}

export function help(topic?: CommandName): ChatMessage {
  return topic === undefined
    ? { title: 'ecs-batch commands', lines: [...HELP_LINES], audience: 'requester' }
    : { title: `ecs-batch: ${topic}`, lines: [`usage: ${USAGE[topic]}`], audience: 'requester' };
}

export function usageError(e: CommandError): ChatMessage {
  return { title: e.error, lines: [e.usage], audience: 'requester' };
}

/** `reason` comes from `authorize`, already worded for the person. */
export function refusal(reason: string): ChatMessage {
  return { title: 'Sorry, you are not allowed to do that', lines: [reason], audience: 'requester' };
}

// ---------------------------------------------------------------------------------------------- bodies

/** DingTalk robot reply (sessionWebhook): `{msgtype:'markdown', markdown:{title, text}}`. */
export interface DingTalkBody {
  msgtype: 'markdown';
  markdown: { title: string; text: string };
}

/** Slack response_url message: `response_type` decides who sees it. */
export interface SlackBody {
  response_type: 'in_channel' | 'ephemeral';
  text: string;
}

export function toDingTalk(m: ChatMessage): DingTalkBody {
  // Blank lines between paragraphs: DingTalk's markdown joins single newlines.
  const text = clip([`#### ${m.title}`, ...m.lines].join('\n\n'), MAX_TEXT_CHARS);
  return { msgtype: 'markdown', markdown: { title: clip(m.title, 100), text } };
}

/** Slack reads `&`, `<` and `>` as markup; everything else passes through mrkdwn untouched. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function toSlack(m: ChatMessage): SlackBody {
  const text = clip([`*${slackEscape(m.title)}*`, ...m.lines.map(slackEscape)].join('\n'), MAX_TEXT_CHARS);
  return { response_type: m.audience === 'channel' ? 'in_channel' : 'ephemeral', text };
}

/**
 * Feishu custom bot webhook body (the group's bot, `FEISHU_BOT_WEBHOOK`): here `content` is an object, unlike
 * the IM API. Used for both the acknowledgement and the final outcome, since a custom bot cannot reply to a
 * message; the batch id in the text ties them together.
 */
export interface FeishuBotBody {
  msg_type: 'text';
  content: { text: string };
}

export function toFeishuBot(m: ChatMessage): FeishuBotBody {
  return { msg_type: 'text', content: { text: clip([m.title, ...m.lines].join('\n'), MAX_TEXT_CHARS) } };
}

/** The body to POST to a reply webhook: DingTalk sessionWebhook, Slack response_url, Feishu bot webhook. */
export function webhookBody(kind: 'dingtalk' | 'slack' | 'feishu', m: ChatMessage): DingTalkBody | SlackBody | FeishuBotBody {
  return kind === 'dingtalk' ? toDingTalk(m) : kind === 'slack' ? toSlack(m) : toFeishuBot(m);
}

/** Slack accepts at most 5 posts to one response_url; the acknowledgement travelled in the HTTP answer. */
const MAX_REPLY_ATTEMPTS = { dingtalk: MAX_ATTEMPTS, slack: 5, feishu: MAX_ATTEMPTS } as const;

/**
 * The final chat reply of a batch started from chat, as a delivery (core/delivery.ts). The platforms cannot
 * drop a repeat by the delivery id, so a crash between the POST and the save may repeat the message.
 * DingTalk and Feishu say "refused" with HTTP 200 and a non-zero code: `platformCodes` makes that a failure.
 */
export const chatReplyChannel: Channel = {
  key: 'chatReply',
  name: 'chat reply',
  maxAttempts: (d) => MAX_REPLY_ATTEMPTS[(d as ChatReplyState).kind],
  logFields: (d) => ({ platform: (d as ChatReplyState).kind }),
  render: (b, d) => ({
    url: d.url,
    body: JSON.stringify(webhookBody((d as ChatReplyState).kind, batchReport(batchSummary(b)))),
    headers: { 'x-ecs-batch-delivery': d.deliveryId },
    opts: { platformCodes: true },
  }),
};
