import { handleWebhook, PLATFORMS, PushAgain, type Platform } from '../chatops';
import type { AppDeps } from './deps';
import { HttpError, json, type HttpRequest, type HttpResponse } from './http';

/**
 * Chat webhooks, `POST /chatops/{dingtalk,slack,feishu}`, translated to and from HTTP; what a command does
 * is functions/chatops/commands.ts.
 */

export const MAX_CHAT_BODY_BYTES = 64 * 1024;

export const isChatPath = (parts: string[]) => parts[0] === 'chatops';

export async function handleChat(deps: AppDeps, req: HttpRequest, parts: string[]): Promise<HttpResponse> {
  const platform = parts[1] as Platform;
  if (parts.length !== 2 || !(PLATFORMS as readonly string[]).includes(platform)) throw new HttpError(404, 'not_found', `no route for ${req.path}`);
  if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', `use POST on ${req.path}`, null, { allow: 'POST' });
  const config = deps.chatops;
  if (!config) throw new HttpError(404, 'not_found', 'chat-ops is not configured');
  if (req.body.length > MAX_CHAT_BODY_BYTES) throw new HttpError(413, 'payload_too_large', `request body is larger than ${MAX_CHAT_BODY_BYTES} bytes`);

  const { ecs, store, clock, log, profiles, submitLeaseMs, invoker, sweeperFunction, post, chatAckMs } = deps;
  const chatDeps = { ecs, store, clock, log, profiles, submitLeaseMs, invoker, sweeperFunction, post, ackMs: chatAckMs, config };
  let answer;
  try {
    answer = await handleWebhook(chatDeps, platform, { headers: req.headers, body: req.body }, req.requestId);
  } catch (e) {
    if (!(e instanceof PushAgain)) throw e;
    // Feishu pushes an event again when it does not get a 200: a 5xx asks for exactly that.
    throw e.why === 'busy' ? new HttpError(503, 'unavailable', e.message, null, { 'retry-after': '15' }) : new HttpError(502, 'bad_gateway', e.message);
  }
  if (answer.kind === 'refused') {
    if (answer.reason === 'not_configured') throw new HttpError(404, 'not_found', `${platform} chat-ops is not configured`);
    if (answer.reason === 'malformed_body') throw new HttpError(400, 'invalid_request', answer.message, { fields: [{ field: '(body)', message: answer.message }] });
    throw new HttpError(401, 'unauthorized', answer.message);
  }
  return answer.body === undefined ? { statusCode: 200, headers: {}, body: '' } : json(200, answer.body);
}
