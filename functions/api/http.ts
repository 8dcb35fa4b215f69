import { z } from 'zod';
import type { FieldIssue } from '../core/validation';

/** The HTTP edge's own request/response: the FC event is translated in index.ts and nowhere else. */
export interface HttpRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Buffer;
  requestId: string;
  sourceIp?: string;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, issues: FieldIssue[]) => new HttpError(400, 'invalid_request', message, { fields: issues });

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** The one error-to-response function: `{error:{code,message,details}}`, never a stack trace. */
export function errorResponse(e: unknown, requestId: string): HttpResponse {
  if (e instanceof HttpError) {
    return json(e.status, { error: { code: e.code, message: e.message, details: e.details ?? null } }, { 'x-request-id': requestId, ...e.headers });
  }
  return json(500, { error: { code: 'internal', message: 'internal error; quote the request id when reporting it', details: { requestId } } }, { 'x-request-id': requestId });
}

/** FC 3.0 HTTP trigger event (the parts we read); anything else in it is ignored. */
// FC sends null (not {} or "") for the parts a request does not have, e.g. `"queryParameters": null`
// when there is no query string: read null as absent.
const orDefault = <T extends z.ZodType>(schema: T, empty: z.output<T>) => schema.nullish().transform((v) => v ?? empty);

export const FcHttpEventSchema = z.object({
  rawPath: orDefault(z.string().max(8192), '/'),
  body: orDefault(z.string(), ''),
  isBase64Encoded: orDefault(z.boolean(), false),
  headers: orDefault(z.record(z.string(), z.string()), {}),
  queryParameters: orDefault(z.record(z.string(), z.string()), {}),
  requestContext: z
    .object({
      requestId: z.string().optional(),
      http: z.object({ method: z.string(), sourceIp: z.string().optional() }).partial().optional(),
    })
    .partial()
    .nullish(),
});

export function toHttpRequest(event: unknown, fallbackRequestId: string): HttpRequest | undefined {
  let raw: unknown = event;
  if (Buffer.isBuffer(raw)) raw = raw.toString('utf8');
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  const parsed = FcHttpEventSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const e = parsed.data;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.headers)) headers[k.toLowerCase()] = v;
  let path: string;
  try {
    path = decodeURIComponent(e.rawPath.split('?')[0]);
  } catch {
    path = e.rawPath;
  }
  return {
    method: (e.requestContext?.http?.method ?? 'GET').toUpperCase(),
    path: path.replace(/\/+$/, '') || '/',
    query: e.queryParameters,
    headers,
    body: Buffer.from(e.body, e.isBase64Encoded ? 'base64' : 'utf8'),
    requestId: e.requestContext?.requestId ?? fallbackRequestId,
    sourceIp: e.requestContext?.http?.sourceIp,
  };
}
