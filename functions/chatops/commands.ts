import { createHash } from 'node:crypto';
import { isTerminal, newBatchId, type Batch, type ChatReplyState } from '../core/batch';
import { cancelBatch } from '../core/cancel';
import { messageOf } from '../core/errors';
import { extendBatch } from '../core/extend';
import { releaseBatch } from '../core/release-batch';
import { delivered } from '../core/delivery';
import { intake, type IntakeDeps, type IntakeResult } from '../core/intake';
import { ownedBatch } from '../core/owned';
import type { Poster } from '../core/ports';
import { allowsProfile, profileNamed } from '../core/profile';
import { BatchRequestSchema } from '../core/request';
import { RELEASE_MIN_AHEAD_MS } from '../core/time';
import { fieldLine, toFieldIssues } from '../core/validation';
import { authorize, scopeFor, type Scope } from './acl';
import { parseCommand, type Command, type ScaleOutCommand } from './command';
import type { ChatOpsConfig } from './config';
import { FEISHU_WINDOW_MS } from './feishu';
import { receive } from './receive';
import {
  acknowledgement,
  batchList,
  batchReport,
  batchSummary,
  cancelled,
  extended,
  help,
  hintFor,
  refusal,
  released,
  toDingTalk,
  toFeishuBot,
  toSlack,
  usageError,
  type ChatMessage,
} from './reply';
import type { ChatRequest, Platform, RawWebhook, RejectReason } from './types';
import { header } from './webhook';

/**
 * The chat use-cases: what a verified webhook asks for, and the answer. The platform's signature over the
 * raw body is the authentication (no bearer token); nothing is read or written before it checks out. Every
 * command then goes through the ACL, and a scale-out through `intake` like any other batch, keyed by the
 * message id so a redelivered message returns the batch it already made. HTTP is the api's business: this
 * module takes the raw webhook and returns what to answer.
 */

/** What chat commands need, and nothing more. */
export interface ChatDeps extends IntakeDeps {
  config: ChatOpsConfig;
  /** Outbound POST for Feishu's acknowledgement (it goes through the group's bot webhook). */
  post?: Poster;
  /** How long a webhook waits for a submission before acknowledging anyway (default 2 s). */
  ackMs?: number;
}

/** Slack and Feishu give up after 3 s; answer well before, even if RunInstances is still on its way. */
export const DEFAULT_CHAT_ACK_MS = 2_000;

const SLACK_RESPONSE_URL_MS = 30 * 60_000;

export type WebhookAnswer =
  /** Turned away before anything was read or written. The message names a header or a field, never a secret. */
  | { kind: 'refused'; reason: RejectReason | 'replayed_signature'; message: string }
  /** Answer 200 with this JSON body; no body = an empty answer (Slack's ssl_check and ignored events). */
  | { kind: 'answer'; body?: unknown };

/** Feishu should push this event again later: `busy` (another delivery is on it) or `unposted` (the acknowledgement failed). */
export class PushAgain extends Error {
  override name = 'PushAgain';
  constructor(
    readonly why: 'busy' | 'unposted',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One webhook delivery: verify, decode, answer. Errors other than PushAgain are the api's 5xx. */
export async function handleWebhook(deps: ChatDeps, platform: Platform, raw: RawWebhook, requestId: string): Promise<WebhookAnswer> {
  const received = receive(platform, raw, deps.config, deps.clock.now());
  if (!received.ok) {
    deps.log.warn('chat webhook refused', { requestId, platform, reason: received.reason });
    return { kind: 'refused', reason: received.reason, message: received.message };
  }
  if (received.kind === 'challenge') return { kind: 'answer', body: { challenge: received.challenge } };
  if (received.kind === 'ignored') return { kind: 'answer', body: platform === 'slack' ? undefined : {} };

  const chat = received.request;
  if (platform === 'dingtalk' && !(await signatureFirstUse(deps, raw, chat.messageId))) {
    deps.log.warn('chat webhook refused', { requestId, platform, reason: 'replayed_signature' });
    return { kind: 'refused', reason: 'replayed_signature', message: 'this signature was already used by another message' };
  }
  if (chat.platform === 'feishu') return answerFeishuOnce(deps, requestId, chat);
  let message: ChatMessage;
  try {
    message = await answer(deps, requestId, chat);
  } catch (e) {
    deps.log.error('chat command failed', { requestId, platform, error: e });
    message = { title: 'Something went wrong on my side', lines: ['Nothing new was started by this error. Try again in a minute; repeating the same message is safe.'], audience: 'requester' };
  }
  return { kind: 'answer', body: chat.platform === 'slack' ? toSlack(message) : toDingTalk(message) };
}

/** A delivery still working after this is dead: above the api function's 60 s timeout (s.yaml). */
const FEISHU_WORK_MS = 90_000;
/** "This event was answered" outlives every delivery of it we would accept (the signature window). */
const FEISHU_ANSWERED_MS = FEISHU_WINDOW_MS + 3_600_000;

/**
 * Feishu posts the acknowledgement to the group, so a re-push of an event (same event_id; Feishu re-pushes
 * after 15 s, 5 min, 1 h and 6 h when it did not see our 200 in time) must neither post it again nor run the
 * command again, and must not be dropped when it is the first delivery we see. Two named leases per event:
 * - `feishu-work:<id>` while one delivery works on it (FEISHU_WORK_MS). Another delivery meanwhile answers
 *   503, so Feishu pushes again later: if the first dies, that later push does the work.
 * - `feishu-answered:<id>` taken for the same short time when the work starts and extended to
 *   FEISHU_ANSWERED_MS only once the acknowledgement is posted. A delivery that finds it held (and no work
 *   lease) answers 200 and does nothing.
 * A failure before the acknowledgement is posted (store, ECS, the bot webhook) gives both leases back and
 * answers 5xx: Feishu's next push tries again, and the command is safe to repeat (a scale-out is keyed by the
 * event id, a cancel is idempotent, the rest only read). The one gap left: dying between posting and
 * recording the acknowledgement posts it a second time on the next push.
 */
async function answerFeishuOnce(deps: ChatDeps, requestId: string, chat: ChatRequest): Promise<WebhookAnswer> {
  const work = `feishu-work:${chat.messageId}`;
  const answered = `feishu-answered:${chat.messageId}`;
  const now = deps.clock.now();
  const fields = { requestId: requestId, platform: 'feishu', messageId: chat.messageId };
  if (!(await deps.store.tryLease(work, requestId, now, FEISHU_WORK_MS))) {
    deps.log.info('Feishu event is being answered by another delivery: push it again later', fields);
    throw new PushAgain('busy', 'this event is being answered by another delivery; push it again later');
  }
  let done = false;
  try {
    if (!(await deps.store.tryLease(answered, requestId, now, FEISHU_WORK_MS))) {
      deps.log.info('Feishu re-pushed an event already answered: nothing to do', fields);
      done = true;
      return { kind: 'answer', body: {} };
    }
    const message = await answer(deps, requestId, chat);
    const hook = deps.config.feishuBotWebhook;
    if (!hook || !deps.post) deps.log.warn('no Feishu bot webhook configured: the reply is not sent', fields);
    else {
      await deps.post(hook, JSON.stringify(toFeishuBot(message)), {}, { platformCodes: true }).catch((e: unknown) => {
        // The message names neither the URL nor the answer (DeliveryError).
        throw new PushAgain('unposted', `the acknowledgement could not be posted to the Feishu bot webhook (${messageOf(e)}); push the event again`, { cause: e });
      });
    }
    await deps.store.tryLease(answered, requestId, deps.clock.now(), FEISHU_ANSWERED_MS);
    done = true;
    return { kind: 'answer', body: {} };
  } catch (e) {
    deps.log.warn('Feishu event not answered: Feishu will push it again', { ...fields, error: e });
    throw e;
  } finally {
    if (!done) await deps.store.dropLease(answered, requestId).catch(() => undefined);
    await deps.store.dropLease(work, requestId).catch(() => undefined);
  }
}

/**
 * DingTalk's signature covers the timestamp only, not the body: whoever saw one request could send any
 * other command with the same headers for an hour. So a signature is good for one message id: a
 * redelivery of the same message passes (and is deduplicated by its id), anything else is refused.
 * The claim is a named lease in the store that outlives the replay window.
 */
async function signatureFirstUse(deps: ChatDeps, raw: RawWebhook, messageId: string): Promise<boolean> {
  const sign = header(raw.headers, 'sign') ?? '';
  const name = `dingtalk-sign:${createHash('sha256').update(sign).digest('hex')}`;
  return deps.store.tryLease(name, messageId, deps.clock.now(), 2 * 3600_000);
}

async function answer(deps: ChatDeps, requestId: string, chat: ChatRequest): Promise<ChatMessage> {
  const cmd = parseCommand(chat.text);
  if (cmd.kind === 'error') return usageError(cmd);
  if (cmd.kind === 'scale-out' && !profileNamed(deps.profiles, cmd.profile)) {
    // Said before the ACL's "you may not use it" (which would suggest it exists), to people who may start
    // instances at all; everyone else gets their usual refusal and learns nothing about the profiles.
    const scope = scopeFor(deps.config.acl, chat.platform, chat.userId, chat.conversationId);
    if (scope && scope.maxAmount > 0) {
      const known = Object.keys(deps.profiles).filter((p) => allowsProfile(scope.profiles, p));
      return say(`There is no launch profile "${cmd.profile}"`, known.length > 0 ? `Profiles you may use: ${known.join(', ')}.` : 'Ask an administrator which profiles exist.');
    }
  }
  const auth = authorize(deps.config.acl, chat.platform, chat.userId, chat.conversationId, cmd);
  if (!auth.ok) {
    deps.log.info('chat command refused', { requestId: requestId, platform: chat.platform, user: chat.userId, command: cmd.kind });
    return refusal(auth.reason);
  }
  const owner = `${chat.platform}:${chat.userId}`;
  switch (cmd.kind) {
    case 'help':
      return help(cmd.topic);
    case 'scale-out':
      return scaleOut(deps, requestId, chat, cmd, auth.scope, owner);
    case 'status':
      return status(deps, owner, cmd);
    case 'list': {
      const page = await deps.store.listBatches(owner, { limit: 10 });
      return batchList(page.batches.map(batchSummary));
    }
    case 'cancel': {
      const b = await ownedBatch(deps.store, owner, cmd.batchId);
      if (!b) return notYours(cmd.batchId);
      const outcome = await cancelBatch(deps, b, cmd.release, requestId);
      if (outcome.kind === 'ended') return { title: `Batch ${b.id} already ended ${outcome.status}`, lines: ['There is nothing to cancel.'], audience: 'requester' };
      if (outcome.kind === 'submitting') return { title: `Batch ${b.id} is still being submitted`, lines: ['Try again in a few seconds.'], audience: 'requester' };
      if (outcome.already) return { title: `Batch ${b.id} was already cancelled`, lines: [], audience: 'requester' };
      return cancelled(b.id, cmd.release);
    }
    case 'release': {
      const b = await ownedBatch(deps.store, owner, cmd.batchId);
      if (!b) return notYours(cmd.batchId);
      const outcome = await releaseBatch(deps, b, owner, requestId);
      if (outcome.kind === 'submitting') return say(`Batch ${b.id} is still being submitted`, 'Try again in a few seconds.');
      return released(outcome.batch);
    }
    case 'extend': {
      const b = await ownedBatch(deps.store, owner, cmd.batchId);
      if (!b) return notYours(cmd.batchId);
      if (cmd.duration.ms < RELEASE_MIN_AHEAD_MS) return say('That is too soon', 'ECS releases instances automatically at least 30 minutes ahead: use "for 30m" or longer.');
      const outcome = await extendBatch(deps, b, deps.clock.now() + cmd.duration.ms, requestId);
      switch (outcome.kind) {
        case 'submitting':
          return say(`Batch ${b.id} is still being submitted`, 'Try again in a few seconds.');
        case 'noInstances':
          return say(`Batch ${b.id} has no instances left to keep`, `"status ${b.id}" shows what happened to them.`);
        case 'refused':
          return say(`ECS would not move the release time of batch ${b.id}`, `Reason: ${outcome.error.code}`, hintFor(outcome.error.code) ?? 'Ask an administrator to look at the batch.');
        case 'extended':
          return extended(outcome.batch, outcome.failed.length);
      }
    }
  }
}

const notYours = (id: string): ChatMessage => ({ title: `I know no batch ${id} of yours`, lines: ['"list" shows your recent batches.'], audience: 'requester' });

async function status(deps: ChatDeps, owner: string, cmd: Extract<Command, { kind: 'status' }>): Promise<ChatMessage> {
  let b: Batch | undefined;
  if (cmd.batchId !== undefined) {
    b = await ownedBatch(deps.store, owner, cmd.batchId);
    if (!b) return notYours(cmd.batchId);
  } else {
    b = (await deps.store.listBatches(owner, { limit: 1 })).batches[0];
    if (!b) return batchList([]);
  }
  return { ...batchReport(batchSummary(b)), audience: 'requester' };
}

const say = (title: string, ...lines: string[]): ChatMessage => ({ title, lines, audience: 'requester' });

async function scaleOut(deps: ChatDeps, requestId: string, chat: ChatRequest, cmd: ScaleOutCommand, scope: Scope, owner: string): Promise<ChatMessage> {
  // A lifetime shorter than ECS accepts is refused in the person's own terms, before anything is recorded.
  const release: { releaseAfter?: string } = {};
  if (cmd.lifetime?.kind === 'for') {
    if (cmd.lifetime.duration.ms < RELEASE_MIN_AHEAD_MS) return say('That is too soon to release', 'ECS releases instances automatically at least 30 minutes ahead: use "for 30m" or longer.');
    release.releaseAfter = cmd.lifetime.duration.iso;
  }
  const parsed = BatchRequestSchema.safeParse({ profile: cmd.profile, amount: cmd.amount, ...release, ...(cmd.dryRun ? { dryRun: true } : {}) });
  if (!parsed.success) return say('I cannot start that', ...toFieldIssues(parsed.error.issues, 'request').slice(0, 3).map(fieldLine));

  const now = deps.clock.now();
  const chatReply = chatReplyTarget(deps, chat, now);
  // Answer within the platform's deadline even if ECS is slow: once the batch is recorded (before any
  // RunInstances) it is safe to say so, since the sweeper finishes a submission that this call does not.
  let recorded = false;
  const submission = intake(deps, {
    request: parsed.data,
    owner,
    idempotencyKey: chat.messageId,
    grant: { profiles: scope.profiles, maxPerRequest: Math.min(scope.maxAmount, scope.dailyLimit), dailyLimit: scope.dailyLimit },
    ...(cmd.lifetime?.kind === 'until' ? { releaseAtLocal: { time: cmd.lifetime.untilLocalTime, from: now } } : {}),
    submitter: `chat:${requestId}`,
    ...(chatReply ? { chatReply } : {}),
    onRecorded: () => (recorded = true),
  });
  const ackMs = deps.ackMs ?? DEFAULT_CHAT_ACK_MS;
  const late = Symbol('late');
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof late>((resolve) => (timer = setTimeout(() => resolve(late), ackMs)));
  const first = await Promise.race<IntakeResult | typeof late>([submission, deadline.then<IntakeResult | typeof late>((v) => (recorded ? v : submission))]).finally(() => clearTimeout(timer));
  if (first === late) {
    submission.catch((e: unknown) => deps.log.error('chat submission failed after the acknowledgement', { requestId, error: e }));
    return acknowledgement(cmd, newBatchId(owner, chat.messageId));
  }
  return outcome(deps, cmd, first);
}

/** Where the final reply goes; none for Feishu without a bot webhook. */
function chatReplyTarget(deps: ChatDeps, chat: ChatRequest, now: number): Pick<ChatReplyState, 'kind' | 'url' | 'expiresAt'> | undefined {
  switch (chat.reply.kind) {
    case 'dingtalk':
      return { kind: 'dingtalk', url: chat.reply.sessionWebhook, expiresAt: chat.reply.expiresAt };
    case 'slack':
      return { kind: 'slack', url: chat.reply.responseUrl, expiresAt: now + SLACK_RESPONSE_URL_MS };
    case 'feishu':
      return deps.config.feishuBotWebhook ? { kind: 'feishu', url: deps.config.feishuBotWebhook } : undefined;
  }
}

async function outcome(deps: ChatDeps, cmd: ScaleOutCommand, r: IntakeResult): Promise<ChatMessage> {
  switch (r.kind) {
    case 'unknownProfile':
      return say(`There is no launch profile "${r.profile}"`, r.allowed.length > 0 ? `Profiles you may use: ${r.allowed.join(', ')}.` : 'Ask an administrator which profiles exist.');
    case 'forbidden':
      return refusal(`You may not use the profile "${cmd.profile}".`);
    case 'overLimit':
      return r.by === 'profile'
        ? say(`The profile ${cmd.profile} starts at most ${r.limit} at once`, `You asked for ${cmd.amount}.`)
        : refusal(`You may start at most ${r.limit} at once; you asked for ${cmd.amount}.`);
    case 'invalid':
      return say('I cannot start that', ...r.issues.slice(0, 3).map(fieldLine));
    case 'dryRun':
      if (r.wouldSucceed) return acknowledgement(cmd, '');
      return say(`Dry run: ECS would refuse ${cmd.amount} of ${cmd.profile}`, ...(r.error ? [`Reason: ${r.error.code}`] : []), hintFor(r.error?.code) ?? 'Ask an administrator to look at the profile.');
    case 'conflict':
      return say('This message was already used for a different request', `See batch ${r.batchId}.`);
    case 'overDailyLimit':
      return refusal(`That would exceed your daily limit of ${r.limit} instances in any 24 hours.`);
    case 'replayed':
      // A platform redelivered the message: the same answer again, and nothing new.
      return isTerminal(r.batch.status) ? batchReport(batchSummary(r.batch)) : acknowledgement(cmd, r.batch.id);
    case 'created': {
      if (!isTerminal(r.batch.status)) return acknowledgement(cmd, r.batch.id);
      // It ended while we were still answering (ECS refused at once): the answer is the final reply.
      if (r.batch.chatReply) {
        await deps.store
          .saveBatch({ ...r.batch, chatReply: delivered(r.batch.chatReply) })
          .catch((e: unknown) => deps.log.warn('could not mark the chat reply delivered', { batchId: r.batch.id, error: e }));
      }
      return batchReport(batchSummary(r.batch));
    }
  }
}
