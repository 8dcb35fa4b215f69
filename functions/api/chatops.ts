import { ownedBatch } from '../core/owned';
import { createHash } from 'node:crypto';
import { authorize, parseCommand, PLATFORMS, receive, type ChatRequest, type Command, type Platform, type Scope } from '../chatops';
import type { ScaleOutCommand } from '../chatops/command';
import {
  acknowledgement,
  batchList,
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
import { batchSummary } from '../core/chat-notify';
import { intake, type IntakeResult } from '../core/intake';
import { BatchRequestSchema } from '../core/request';
import { nextLocalTime, releaseWindowProblem, RELEASE_MIN_AHEAD_MS } from '../core/time';
import { allowsProfile } from '../core/profile';
import { fieldLine, toFieldIssues } from '../core/validation';
import type { AppDeps } from './app';
import { cancelBatch } from '../core/cancel';
import { HttpError, json, type HttpRequest, type HttpResponse } from './http';

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
  let message: ChatMessage;
  try {
    message = await answer(deps, req, chat);
  } catch (e) {
    // Feishu re-pushes an event we fail to answer, and the message id makes that safe: let it.
    if (platform === 'feishu') throw e;
    deps.log.error('chat command failed', { requestId: req.requestId, platform, error: e });
    message = { title: 'Something went wrong on my side', lines: ['Nothing new was started by this error. Try again in a minute; repeating the same message is safe.'], audience: 'requester' };
  }
  return respond(deps, req, chat, message);
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

/** The acknowledgement, in each platform's format: the HTTP answer for DingTalk and Slack, a bot post for Feishu. */
async function respond(deps: AppDeps, req: HttpRequest, chat: ChatRequest, m: ChatMessage): Promise<HttpResponse> {
  switch (chat.platform) {
    case 'slack':
      return json(200, toSlack(m));
    case 'dingtalk':
      return json(200, toDingTalk(m));
    case 'feishu': {
      const hook = deps.chatops?.feishuBotWebhook;
      if (!hook || !deps.post) {
        deps.log.warn('no Feishu bot webhook configured: the reply is not sent', { requestId: req.requestId });
      } else {
        await deps.post(hook, JSON.stringify(toFeishuBot(m)), {}).catch((e: unknown) =>
          deps.log.warn('Feishu reply failed', { requestId: req.requestId, error: e }),
        );
      }
      return json(200, {});
    }
  }
}

async function answer(deps: AppDeps, req: HttpRequest, chat: ChatRequest): Promise<ChatMessage> {
  const cmd = parseCommand(chat.text);
  if (cmd.kind === 'error') return usageError(cmd);
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
  const profile = deps.profiles[cmd.profile];
  if (!profile) {
    const known = Object.keys(deps.profiles).filter((p) => allowsProfile(scope.profiles, p));
    return say(`There is no launch profile "${cmd.profile}"`, known.length > 0 ? `Profiles you may use: ${known.join(', ')}.` : 'Ask an administrator which profiles exist.');
  }
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
          .saveBatch({ ...r.batch, notify: { ...r.batch.notify, state: 'delivered', attempts: 1 } })
          .catch((e: unknown) => deps.log.warn('could not mark the chat reply delivered', { batchId: r.batch.id, error: e }));
      }
      return batchReport(batchSummary(r.batch));
    }
  }
}
