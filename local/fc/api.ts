import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { verifyAcs3, type Acs3Credential } from '../common/acs3';
import { readBody } from '../common/http';
import type { FunctionSpec } from './config';
import { resultBytes, SYNC_BODY_LIMIT } from './http-trigger';
import type { Outcome } from './instances';

/**
 * The FC 3.0 OpenAPI as far as InvokeFunction:
 *   POST /2023-03-30/functions/{functionName}/invocations[?qualifier=...]
 * signed with ACS3-HMAC-SHA256 (ROA style), as `@alicloud/fc20230330` sends it.
 */

export const ASYNC_PAYLOAD_LIMIT = 128 * 1024;
const INVOKE_PATH = /^\/2023-03-30\/functions\/([^/?]+)\/invocations(?:\?|$)/;
const TASK_ID = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

export interface ApiDeps {
  functions: ReadonlyMap<string, FunctionSpec>;
  credentials: ReadonlyMap<string, Acs3Credential>;
  now(): number;
  newRequestId(): string;
  invokeSync(fn: FunctionSpec, event: Buffer, requestId: string): Promise<Outcome>;
  /** Queue an async invocation; false when `taskId` was already used within the dedupe window. */
  invokeAsync(fn: FunctionSpec, event: Buffer, requestId: string, taskId: string | undefined): boolean;
  /** The local default event bus: deliver one event to every matching eventbridge trigger. */
  publishEvent(event: unknown): number;
}

/** Not an FC API: where a local event source (the ECS emulator's `--events-sink`) puts events. Loopback only. */
export const EVENT_BUS_PATH = '/__eventbridge/events';
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function fcError(res: ServerResponse, status: number, code: string, message: string, requestId: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-fc-request-id': requestId });
  res.end(JSON.stringify({ Code: code, Message: message, RequestId: requestId }));
}

export function createInvokeApiServer(deps: ApiDeps): Server {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = deps.newRequestId();
    const url = req.url ?? '/';
    if (url.split('?')[0] === EVENT_BUS_PATH && req.method === 'POST') {
      if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) return fcError(res, 403, 'Forbidden', 'the local event bus takes events from loopback callers only', requestId);
      let event: unknown;
      try {
        event = JSON.parse((await readBody(req, 256 * 1024)).toString('utf8'));
      } catch {
        return fcError(res, 400, 'InvalidArgument', 'the event must be one JSON object', requestId);
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-fc-request-id': requestId }).end(JSON.stringify({ matched: deps.publishEvent(event) }));
      return;
    }
    const match = INVOKE_PATH.exec(url);
    if (!match || req.method !== 'POST') {
      return fcError(res, 404, 'NotFound', `${req.method} ${url.split('?')[0]} is not an API of the local FC (only InvokeFunction)`, requestId);
    }
    let body: Buffer;
    try {
      body = await readBody(req, SYNC_BODY_LIMIT);
    } catch {
      res.setHeader('connection', 'close');
      return fcError(res, 413, 'RequestEntityTooLarge', `the invocation payload exceeds ${SYNC_BODY_LIMIT} bytes`, requestId);
    }
    const auth = verifyAcs3({ method: req.method, url, headers: req.headers, body }, deps.credentials, deps.now());
    if (!auth.ok) {
      return fcError(res, auth.failure.status, auth.failure.code, `request signature check failed: ${auth.failure.code}`, requestId);
    }
    let name: string;
    try {
      name = decodeURIComponent(match[1]);
    } catch {
      return fcError(res, 400, 'InvalidArgument', 'function name is not valid percent-encoding', requestId);
    }
    const fn = deps.functions.get(name);
    if (!fn) return fcError(res, 404, 'FunctionNotFound', `function '${name}' does not exist`, requestId);

    const typeHeader = String(req.headers['x-fc-invocation-type'] ?? 'Sync');
    const type = typeHeader.toLowerCase();
    if (type !== 'sync' && type !== 'async') {
      return fcError(res, 400, 'InvalidArgument', `x-fc-invocation-type must be Sync or Async, not ${typeHeader}`, requestId);
    }
    if (type === 'async') {
      if (body.length > ASYNC_PAYLOAD_LIMIT) {
        return fcError(res, 413, 'RequestEntityTooLarge', `async payload exceeds ${ASYNC_PAYLOAD_LIMIT} bytes`, requestId);
      }
      const taskHeader = req.headers['x-fc-async-task-id'];
      const taskId = typeof taskHeader === 'string' && taskHeader !== '' ? taskHeader : undefined;
      if (taskId !== undefined && !TASK_ID.test(taskId)) {
        return fcError(res, 400, 'InvalidArgument', 'x-fc-async-task-id must start with a letter or _ and hold at most 128 letters, digits, _ or -', requestId);
      }
      if (!deps.invokeAsync(fn, body, requestId, taskId)) {
        return fcError(res, 409, 'AsyncTaskAlreadyExists', `async task '${taskId}' was already submitted`, requestId);
      }
      const headers: Record<string, string> = { 'x-fc-request-id': requestId };
      if (taskId) headers['x-fc-async-task-id'] = taskId;
      res.writeHead(202, headers).end();
      return;
    }
    const outcome = await deps.invokeSync(fn, body, requestId);
    if (outcome.ok) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-fc-request-id': requestId });
      res.end(resultBytes(outcome.result));
    } else {
      // FC answers a function error with 200 and X-Fc-Error-Type; the body says what went wrong.
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-fc-request-id': requestId,
        'x-fc-error-type': outcome.error.errorType === 'FunctionTimeoutError' ? 'FunctionTimeoutError' : 'UnhandledInvocationError',
      });
      res.end(JSON.stringify(outcome.error));
    }
  };
  return createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) fcError(res, 500, 'InternalError', err.message, 'local');
      else res.end();
    });
  });
}
