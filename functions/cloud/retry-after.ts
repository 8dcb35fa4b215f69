import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';

/**
 * `x-acs-retry-after` (milliseconds) on ANY answer, not only on Throttling codes.
 *
 * Newer Alibaba Cloud clients retry any answer that carries the header after that delay, whatever its
 * code (aliyun/aliyun-cli, openapi invoker `throttlingRetryDelay`, whose test honours it on an
 * InternalError). `@alicloud/openapi-core` 1.0.8 reads the header only when the code contains
 * "Throttling" (`doRequest` -> `ThrottlingError.retryAfter`) and drops the headers of every other error.
 * So we watch answers through Node's own http diagnostics channel (read-only: it changes nothing on the
 * wire) and remember the delay by the request id that both the answer's `x-acs-request-id` header and
 * the error's body carry; the adapter asks for it when it classifies the error.
 */
const seen = new Map<string, number>();
const MAX_REMEMBERED = 64;
let watching = false;

function onResponse(message: unknown): void {
  const response = (message as { response?: IncomingMessage }).response;
  const raw = response?.headers['x-acs-retry-after'];
  const requestId = response?.headers['x-acs-request-id'];
  if (typeof raw !== 'string' || typeof requestId !== 'string') return;
  const ms = Number(raw.trim());
  // As the SDKs do: a positive whole number of milliseconds, anything else is no delay.
  if (!Number.isSafeInteger(ms) || ms <= 0) return;
  seen.set(requestId, ms);
  if (seen.size > MAX_REMEMBERED) seen.delete(seen.keys().next().value as string);
}

/** Start watching (idempotent). 'http.client.response.finish' fires when an answer's headers arrive. */
export function watchRetryAfter(): void {
  if (watching) return;
  watching = true;
  subscribe('http.client.response.finish', onResponse);
}

/** The delay the answer to this request asked for, once. */
export function takeRetryAfter(requestId: string | undefined): number | undefined {
  if (requestId === undefined) return undefined;
  const ms = seen.get(requestId);
  seen.delete(requestId);
  return ms;
}
