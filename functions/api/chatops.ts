import { ownedBatch } from '../core/owned';
import { createHash } from 'node:crypto';
import { authorize, parseCommand, PLATFORMS, receive, scopeFor, type ChatRequest, type Command, type Platform, type Scope } from '../chatops';
import type { ScaleOutCommand } from '../chatops/command';
import {
  acknowledgement,
  batchList,
  batchSummary,
  batchReport,
  cancelled,
  help,
  hintFor,
  refusal,
  toDingTalk,
  toFeishuBot,
  toSlack,
  usageError,
  type ChatMessage,
} from '../chatops/reply';
import { isTerminal, newBatchId, type Batch, type ChatNotifyState } from '../core/batch';
import { delivered } from '../core/delivery';
import { intake, type IntakeResult } from '../core/intake';
import { BatchRequestSchema } from '../core/request';
import { nextLocalTime, releaseWindowProblem, RELEASE_MIN_AHEAD_MS } from '../core/time';
import { allowsProfile } from '../core/profile';
import { fieldLine, toFieldIssues } from '../core/validation';
import type { AppDeps } from './app';
import { cancelBatch } from '../core/cancel';
import { HttpError, json, type HttpRequest, type HttpResponse } from './http';
import { FEISHU_WINDOW_MS } from '../chatops/feishu';

/**
 * Chat webhooks: `POST /chatops/{dingtalk,slack,feishu}`. The platform's signature over the raw body is the
 * authentication (no bearer token); nothing is read or written before it checks out. Every command then
 * goes through the ACL, and a scale-out through `intake` like any other batch, keyed by the message id so a
 * redelivered message returns the batch it already made.
 */

export const MAX_CHAT_BODY_BYTES = 64 * 1024;
/** Slack and Feishu give up after 3 s; answer well before, even if RunInstances is still on its way. */
export const DEFAULT_CHAT_ACK_MS = 2_000;

const SLACK_RESPONSE_URL_MS = 30 * 60_000;

export const isChatPath = (parts: string[]) => parts[0] === 'chatops';

export async function handleChat(deps: AppDeps, req: HttpRequest, parts: string[]): Promise<HttpResponse> {
  const platform = parts[1] as Platform;
  if (parts.length !== 2 || !(PLATFORMS as readonly string[]).includes(platform)) throw new HttpError(404, 'not_found', `no route for ${req.path}`);
  if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', `use POST on ${req.path}`, null, { allow: 'POST' });
  const config = deps.chatops;
  if (!config) throw new HttpError(404, 'not_found', 'chat-ops is not configured');
  if (req.body.length > MAX_CHAT_BODY_BYTES) throw new HttpError(413, 'payload_too_large', `request body is larger than ${MAX_CHAT_BODY_BYTES} bytes`);

  const received = receive(platform, { headers: req.headers, body: req.body }, config, deps.clock.now());
  if (!received.ok) {
    // The reason names a header or a field, never a secret or a signature value.
    deps.log.warn('chat webhook refused', { requestId: req.requestId, platform, reason: received.reason });
    if (received.reason === 'not_configured') throw new HttpError(404, 'not_found', `${platform} chat-ops is not configured`);
    if (received.reason === 'malformed_body') throw new HttpError(400, 'invalid_request', received.message, { fields: [{ field: '(body)', message: received.message }] });
    throw new HttpError(401, 'unauthorized', received.message);
  }
  if (received.kind === 'challenge') return json(200, { challenge: received.challenge });
  if (received.kind === 'ignored') return platform === 'slack' ? { statusCode: 200, headers: {}, body: '' } : json(200, {});

  const chat = received.request;
  if (platform === 'dingtalk' && !(await signatureFirstUse(deps, req, chat.messageId))) {
    deps.log.warn('chat webhook refused', { requestId: req.requestId, platform, reason: 'replayed_signature' });
    throw new HttpError(401, 'unauthorized', 'this signature was already used by another message');
  }
  if (chat.platform === 'feishu') return answerFeishuOnce(deps, req, chat);
  let message: ChatMessage;
  try {
    message = await answer(deps, req, chat);
  } catch (e) {
    deps.log.error('chat command failed', { requestId: req.requestId, platform, error: e });
    message = { title: 'Something went wrong on my side', lines: ['Nothing new was started by this error. Try again in a minute; repeating the same message is safe.'], audience: 'requester' };
  }
  return chat.platform === 'slack' ? json(200, toSlack(message)) : json(200, toDingTalk(message));
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
async function answerFeishuOnce(deps: AppDeps, req: HttpRequest, chat: ChatRequest): Promise<HttpResponse> {
  const work = `feishu-work:${chat.messageId}`;
  const answered = `feishu-answered:${chat.messageId}`;
  const now = deps.clock.now();
  const fields = { requestId: req.requestId, platform: 'feishu', messageId: chat.messageId };
  if (!(await deps.store.tryLease(work, req.requestId, now, FEISHU_WORK_MS))) {
    deps.log.info('Feishu event is being answered by another delivery: push it again later', fields);
    throw new HttpError(503, 'unavailable', 'this event is being answered by another delivery; push it again later', null, { 'retry-after': '15' });
  }
  let done = false;
  try {
    if (!(await deps.store.tryLease(answered, req.requestId, now, FEISHU_WORK_MS))) {
      deps.log.info('Feishu re-pushed an event already answered: nothing to do', fields);
      done = true;
      return json(200, {});
    }
    const message = await answer(deps, req, chat);
    const hook = deps.chatops?.feishuBotWebhook;
    if (!hook || !deps.post) deps.log.warn('no Feishu bot webhook configured: the reply is not sent', fields);
    else {
      await deps.post(hook, JSON.stringify(toFeishuBot(message)), {}, { platformCodes: true }).catch((e: unknown) => {
        // The message names neither the URL nor the answer (DeliveryError).
        throw new HttpError(502, 'bad_gateway', `the acknowledgement could not be posted to the Feishu bot webhook (${e instanceof Error ? e.message : 'failed'}); push the event again`);
      });
    }
    await deps.store.tryLease(answered, req.requestId, deps.clock.now(), FEISHU_ANSWERED_MS);
    done = true;
    return json(200, {});
  } catch (e) {
    deps.log.warn('Feishu event not answered: Feishu will push it again', { ...fields, error: e });
    throw e;
  } finally {
    if (!done) await deps.store.dropLease(answered, req.requestId).catch(() => undefined);
    await deps.store.dropLease(work, req.requestId).catch(() => undefined);
  }
}

/**
 * DingTalk's signature covers the timestamp only, not the body: whoever saw one request could send any
 * other command with the same headers for an hour. So a signature is good for one message id: a
 * redelivery of the same message passes (and is deduplicated by its id), anything else is refused.
 * The claim is a named lease in the store that outlives the replay window.
 */
async function signatureFirstUse(deps: AppDeps, req: HttpRequest, messageId: string): Promise<boolean> {
  const sign = req.headers.sign ?? '';
  const name = `dingtalk-sign:${createHash('sha256').update(sign).digest('hex')}`;
  return deps.store.tryLease(name, messageId, deps.clock.now(), 2 * 3600_000);
}

async function answer(deps: AppDeps, req: HttpRequest, chat: ChatRequest): Promise<ChatMessage> {
  const cmd = parseCommand(chat.text);
  if (cmd.kind === 'error') return usageError(cmd);
  if (cmd.kind === 'scale-out' && !Object.hasOwn(deps.profiles, cmd.profile)) {
    // Said before the ACL's "you may not use it" (which would suggest it exists), to people who may start
    // instances at all; everyone else gets their usual refusal and learns nothing about the profiles.
    const scope = scopeFor(deps.chatops!.acl, chat.platform, chat.userId, chat.conversationId);
    if (scope && scope.maxAmount > 0) {
      const known = Object.keys(deps.profiles).filter((p) => allowsProfile(scope.profiles, p));
      return say(`There is no launch profile "${cmd.profile}"`, known.length > 0 ? `Profiles you may use: ${known.join(', ')}.` : 'Ask an administrator which profiles exist.');
    }
  }
  const auth = authorize(deps.chatops!.acl, chat.platform, chat.userId, chat.conversationId, cmd);
  if (!auth.ok) {
    deps.log.info('chat command refused', { requestId: req.requestId, platform: chat.platform, user: chat.userId, command: cmd.kind });
    return refusal(auth.reason);
  }
  const owner = `${chat.platform}:${chat.userId}`;
  switch (cmd.kind) {
    case 'help':
      return help(cmd.topic);
    case 'scale-out':
      return scaleOut(deps, req, chat, cmd, auth.scope, owner);
    case 'status':
      return status(deps, owner, cmd);
    case 'list': {
      const page = await deps.store.listBatches(owner, { limit: 10 });
      return batchList(page.batches.map(batchSummary));
    }
    case 'cancel': {
      const b = await ownedBatch(deps.store, owner, cmd.batchId);
      if (!b) return notYours(cmd.batchId);
      const outcome = await cancelBatch(deps, b, cmd.release, req.requestId);
      if (outcome.kind === 'ended') return { title: `Batch ${b.id} already ended ${outcome.status}`, lines: ['There is nothing to cancel.'], audience: 'requester' };
      if (outcome.kind === 'submitting') return { title: `Batch ${b.id} is still being submitted`, lines: ['Try again in a few seconds.'], audience: 'requester' };
      if (outcome.already) return { title: `Batch ${b.id} was already cancelled`, lines: [], audience: 'requester' };
      return cancelled(b.id, cmd.release);
    }
  }
}

const notYours = (id: string): ChatMessage => ({ title: `I know no batch ${id} of yours`, lines: ['"list" shows your recent batches.'], audience: 'requester' });

async function status(deps: AppDeps, owner: string, cmd: Extract<Command, { kind: 'status' }>): Promise<ChatMessage> {
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

async function scaleOut(deps: AppDeps, req: HttpRequest, chat: ChatRequest, cmd: ScaleOutCommand, scope: Scope, owner: string): Promise<ChatMessage> {
  const profile = deps.profiles[cmd.profile]!; // `answer` checked that it exists
  if (cmd.amount > profile.limits.maxPerRequest) return say(`The profile ${cmd.profile} starts at most ${profile.limits.maxPerRequest} at once`, `You asked for ${cmd.amount}.`);

  // The release time is checked here, before anything is recorded, in the person's own terms.
  const now = deps.clock.now();
  const release: { releaseAfter?: string; releaseAt?: string } = {};
  if (cmd.lifetime?.kind === 'for') {
    if (cmd.lifetime.duration.ms < RELEASE_MIN_AHEAD_MS) return say('That is too soon to release', 'ECS releases instances automatically at least 30 minutes ahead: use "for 30m" or longer.');
    release.releaseAfter = cmd.lifetime.duration.iso;
  } else if (cmd.lifetime?.kind === 'until') {
    const at = nextLocalTime(cmd.lifetime.untilLocalTime, profile.timeZone, now);
    const problem = releaseWindowProblem(at, now);
    if (problem) {
      const minutes = Math.max(0, Math.floor((at - now) / 60_000));
      return say(`${cmd.lifetime.untilLocalTime} (${profile.timeZone}) is only ${minutes} minutes away`, 'ECS releases instances automatically at least 30 minutes ahead: pick a later time or use "for <duration>".');
    }
    release.releaseAt = new Date(at).toISOString();
  }
  const parsed = BatchRequestSchema.safeParse({ profile: cmd.profile, amount: cmd.amount, ...release, ...(cmd.dryRun ? { dryRun: true } : {}) });
  if (!parsed.success) return say('I cannot start that', ...toFieldIssues(parsed.error.issues, 'request').slice(0, 3).map(fieldLine));

  const notify = notifyTarget(deps, chat, now);
  const { limits: _l, deadlineSeconds, timeZone: _t, ...spec } = profile;
  // Answer within the platform's deadline even if ECS is slow: once the batch is recorded (before any
  // RunInstances) it is safe to say so, since the sweeper finishes a submission that this call does not.
  let recorded = false;
  const store = { ...deps.store, createBatch: async (b: Batch) => deps.store.createBatch(b).then((r) => ((recorded = true), r)) };
  const submission = intake(
    { ...deps, store, watch: deps.sweeperFunction ? (batchId) => deps.invoker.invokeAsync(deps.sweeperFunction!, { action: 'watch', batchId }, `watch-${batchId}`) : undefined },
    {
      request: parsed.data,
      owner,
      idempotencyKey: chat.messageId,
      profileName: cmd.profile,
      spec,
      deadlineSeconds,
      dailyLimit: scope.dailyLimit,
      submitter: `chat:${req.requestId}`,
      ...(notify ? { notify } : {}),
    },
  );
  const ackMs = deps.chatAckMs ?? DEFAULT_CHAT_ACK_MS;
  const late = Symbol('late');
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof late>((resolve) => (timer = setTimeout(() => resolve(late), ackMs)));
  const first = await Promise.race<IntakeResult | typeof late>([submission, deadline.then<IntakeResult | typeof late>((v) => (recorded ? v : submission))]).finally(() => clearTimeout(timer));
  if (first === late) {
    submission.catch((e: unknown) => deps.log.error('chat submission failed after the acknowledgement', { requestId: req.requestId, error: e }));
    return acknowledgement(cmd, newBatchId(owner, chat.messageId));
  }
  return outcome(deps, cmd, first);
}

/** Where the final reply goes; none for Feishu without a bot webhook. */
function notifyTarget(deps: AppDeps, chat: ChatRequest, now: number): Pick<ChatNotifyState, 'kind' | 'url' | 'expiresAt'> | undefined {
  switch (chat.reply.kind) {
    case 'dingtalk':
      return { kind: 'dingtalk', url: chat.reply.sessionWebhook, expiresAt: chat.reply.expiresAt };
    case 'slack':
      return { kind: 'slack', url: chat.reply.responseUrl, expiresAt: now + SLACK_RESPONSE_URL_MS };
    case 'feishu':
      return deps.chatops?.feishuBotWebhook ? { kind: 'feishu', url: deps.chatops.feishuBotWebhook } : undefined;
  }
}

async function outcome(deps: AppDeps, cmd: ScaleOutCommand, r: IntakeResult): Promise<ChatMessage> {
  switch (r.kind) {
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
      if (r.batch.notify) {
        await deps.store
          .saveBatch({ ...r.batch, notify: delivered(r.batch.notify) })
          .catch((e: unknown) => deps.log.warn('could not mark the chat reply delivered', { batchId: r.batch.id, error: e }));
      }
      return batchReport(batchSummary(r.batch));
    }
  }
}
