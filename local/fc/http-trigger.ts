import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readBody } from '../common/http';
import type { FunctionSpec } from './config';
import type { EncodedResult, Outcome } from './instances';

/**
 * The HTTP trigger of FC 3.0 built-in runtimes: request -> event (a Buffer of JSON) -> handler ->
 * `{statusCode, headers, body, isBase64Encoded}` -> response.
 */

export const SYNC_BODY_LIMIT = 32 * 1024 * 1024;
export const HEADER_BLOCK_LIMIT = 8 * 1024;

export interface HttpTriggerEvent {
  version: 'v1';
  rawPath: string;
  body: string;
  isBase64Encoded: boolean;
  headers: Record<string, string>;
  queryParameters: Record<string, string>;
  requestContext: {
    accountId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    time: string;
    timeEpoch: string;
  };
}

/** `content-type` -> `Content-Type`, as FC's gateway (Go's CanonicalMIMEHeaderKey) presents names. */
export function canonicalHeaderName(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

/** Bodies with these content types arrive as utf8 text; everything else (or none) as base64. */
export function isTextual(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0].trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    /^application\/(json|xml|javascript|x-www-form-urlencoded|x-yaml|yaml|graphql)$/.test(type) ||
    /\+(json|xml)$/.test(type)
  );
}

/** Sum of `name: value\r\n` over all header lines. */
export function headerBlockSize(rawHeaders: string[]): number {
  let size = 0;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) size += rawHeaders[i].length + rawHeaders[i + 1].length + 4;
  return size;
}

function joinRepeated(pairs: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of pairs) out[k] = k in out ? `${out[k]},${v}` : v;
  return out;
}

export interface EventInput {
  method: string;
  /** The request target's path as it arrived (URL-encoded), without any routing prefix. */
  rawPath: string;
  /** The query string without `?`. */
  query: string;
  rawHeaders: string[];
  body: Buffer;
  httpVersion: string;
  sourceIp: string;
  requestId: string;
  nowMs: number;
  accountId: string;
}

export function toHttpEvent(input: EventInput): HttpTriggerEvent {
  const headerPairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < input.rawHeaders.length; i += 2) {
    headerPairs.push([canonicalHeaderName(input.rawHeaders[i]), input.rawHeaders[i + 1]]);
  }
  const headers = joinRepeated(headerPairs);
  const textual = isTextual(headers['Content-Type']);
  const host = (headers['Host'] ?? 'localhost').replace(/:\d+$/, '');
  let path = input.rawPath;
  try {
    path = decodeURIComponent(input.rawPath);
  } catch {
    // keep the raw text when it is not valid percent-encoding
  }
  const iso = new Date(input.nowMs).toISOString();
  return {
    version: 'v1',
    rawPath: input.rawPath,
    body: input.body.toString(textual ? 'utf8' : 'base64'),
    isBase64Encoded: !textual && input.body.length > 0,
    headers,
    queryParameters: joinRepeated(new URLSearchParams(input.query)),
    requestContext: {
      accountId: input.accountId,
      domainName: host,
      domainPrefix: host.split('.')[0],
      http: {
        method: input.method,
        path,
        protocol: `HTTP/${input.httpVersion}`,
        sourceIp: input.sourceIp.replace(/^::ffff:/, ''),
        userAgent: headers['User-Agent'] ?? '',
      },
      requestId: input.requestId,
      time: iso.replace(/\.\d{3}Z$/, 'Z'),
      timeEpoch: String(input.nowMs),
    },
  };
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

const jsonReply = (status: number, value: unknown, headers: Record<string, string> = {}): HttpReply => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(JSON.stringify(value)),
});

/** The bytes FC gets from the runtime for a handler's return value. */
export function resultBytes(result: EncodedResult): Buffer {
  switch (result.kind) {
    case 'undefined':
      return Buffer.alloc(0);
    case 'bytes':
      return Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength);
    default:
      return Buffer.from(result.data, 'utf8');
  }
}

/** Turn an invocation outcome into the HTTP response, as FC's HTTP trigger does. */
export function toHttpReply(outcome: Outcome): HttpReply {
  if (!outcome.ok) {
    const type = outcome.error.errorType === 'FunctionTimeoutError' ? 'FunctionTimeoutError' : 'UnhandledInvocationError';
    return jsonReply(502, outcome.error, { 'x-fc-error-type': type });
  }
  const bytes = resultBytes(outcome.result);
  let parsed: unknown;
  if (outcome.result.kind !== 'bytes') {
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      parsed = undefined;
    }
  }
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && 'statusCode' in parsed) {
    const shaped = parsed as { statusCode: unknown; headers?: unknown; body?: unknown; isBase64Encoded?: unknown };
    const status = shaped.statusCode;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
      return jsonReply(502, { errorType: 'InvalidResponse', errorMessage: 'statusCode must be an integer HTTP status' }, { 'x-fc-error-type': 'UnhandledInvocationError' });
    }
    const headers: Record<string, string | string[]> = {};
    if (shaped.headers && typeof shaped.headers === 'object') {
      for (const [k, v] of Object.entries(shaped.headers as Record<string, unknown>)) {
        headers[k.toLowerCase()] = Array.isArray(v) ? v.map(String) : String(v);
      }
    }
    const b = shaped.body;
    const body =
      b === undefined || b === null ? Buffer.alloc(0)
        : typeof b === 'string' ? Buffer.from(b, shaped.isBase64Encoded === true ? 'base64' : 'utf8')
          : Buffer.from(JSON.stringify(b));
    return { status, headers, body };
  }
  // Not the response shape: the whole result is the body, status 200.
  const contentType =
    outcome.result.kind === 'bytes' ? 'application/octet-stream'
      : parsed !== undefined ? 'application/json'
        : 'text/plain; charset=utf-8';
  return { status: 200, headers: bytes.length ? { 'content-type': contentType } : {}, body: bytes };
}

export interface HttpTriggerDeps {
  functions: FunctionSpec[];
  /** Run one HTTP invocation; resolves with the outcome. */
  invoke(fn: FunctionSpec, event: Buffer, requestId: string): Promise<Outcome>;
  newRequestId(): string;
  now(): number;
  accountId: string;
}

/**
 * Which function serves a request target, and the path it sees: `/<functionName>/rest` goes to that
 * function as `/rest`; any other path goes to the first HTTP function unchanged.
 */
export function route(functions: FunctionSpec[], target: string): { fn: FunctionSpec; rawPath: string; query: string } | undefined {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  const first = path.split('/')[1] ?? '';
  const named = functions.find((f) => f.functionName === first);
  if (named) return { fn: named, rawPath: path.slice(first.length + 1) || '/', query };
  return functions[0] ? { fn: functions[0], rawPath: path || '/', query } : undefined;
}

function fcError(res: ServerResponse, status: number, requestId: string, errorMessage: string): void {
  const r = jsonReply(status, { errorType: 'FcCommonError', errorMessage }, { 'x-fc-error-type': 'FcCommonError', 'x-fc-request-id': requestId });
  res.writeHead(r.status, { ...r.headers, connection: 'close' }).end(r.body);
}

export function createHttpTriggerServer(deps: HttpTriggerDeps): Server {
  const httpFunctions = deps.functions.filter((f) => f.httpTrigger);
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = deps.newRequestId();
    if (headerBlockSize(req.rawHeaders) > HEADER_BLOCK_LIMIT) {
      return fcError(res, 400, requestId, `request headers exceed the ${HEADER_BLOCK_LIMIT}-byte limit`);
    }
    const target = route(httpFunctions, req.url ?? '/');
    if (!target) return fcError(res, 404, requestId, 'no function with an http trigger');
    const method = (req.method ?? 'GET').toUpperCase();
    if (!target.fn.httpTrigger?.methods.includes(method)) {
      return fcError(res, 405, requestId, `method ${method} is not allowed by the http trigger of ${target.fn.functionName}`);
    }
    if (Number(req.headers['content-length'] ?? 0) > SYNC_BODY_LIMIT) {
      return fcError(res, 400, requestId, `request body exceeds the ${SYNC_BODY_LIMIT}-byte limit`);
    }
    let body: Buffer;
    try {
      body = await readBody(req, SYNC_BODY_LIMIT);
    } catch {
      return fcError(res, 400, requestId, `request body exceeds the ${SYNC_BODY_LIMIT}-byte limit`);
    }
    const event = toHttpEvent({
      method,
      rawPath: target.rawPath,
      query: target.query,
      rawHeaders: req.rawHeaders,
      body,
      httpVersion: req.httpVersion,
      sourceIp: req.socket.remoteAddress ?? '',
      requestId,
      nowMs: deps.now(),
      accountId: deps.accountId,
    });
    const outcome = await deps.invoke(target.fn, Buffer.from(JSON.stringify(event)), requestId);
    const reply = toHttpReply(outcome);
    res.writeHead(reply.status, { ...reply.headers, 'x-fc-request-id': requestId });
    res.end(method === 'HEAD' ? undefined : reply.body);
  };
  return createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errorType: 'InternalError', errorMessage: err.message }));
    });
  });
}
