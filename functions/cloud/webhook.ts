import type { Poster } from '../core/ports';

/**
 * Why a delivery failed, in words safe to log and store: never the URL (its query may hold a secret),
 * never the receiver's answer (it may echo our signature).
 */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
}

/** The Poster port over fetch: a hard timeout, any non-2xx is a failure. */
export function httpPoster(timeoutMs = 5_000): Poster {
  return async (url, body, headers, opts = {}) => {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: unknown } }).cause;
      const code = typeof cause?.code === 'string' ? cause.code : e instanceof Error && e.name === 'TimeoutError' ? 'timeout' : 'network error';
      throw new DeliveryError(`no answer from the receiver (${code})`);
    }
    const text = await res.text().catch(() => '');
    if (res.status < 200 || res.status >= 300) throw new DeliveryError(`the receiver answered HTTP ${res.status}`);
    if (opts.platformCodes) {
      const code = platformCode(text);
      if (code !== undefined && code !== 0) throw new DeliveryError(`the platform refused the message (code ${code})`);
    }
  };
}

/** DingTalk's `errcode` or Feishu's `code` from a JSON answer; undefined when there is none. */
export function platformCode(text: string): number | undefined {
  try {
    const j = JSON.parse(text) as { errcode?: unknown; code?: unknown; StatusCode?: unknown };
    const v = j.errcode ?? j.code ?? j.StatusCode;
    return typeof v === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}
