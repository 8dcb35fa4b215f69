/** Outbound POST of JSON (callbacks, chat replies) with a hard timeout; any non-2xx is a failure. */
export type Poster = (url: string, body: string, headers: Record<string, string>) => Promise<void>;

/**
 * Why a delivery failed, in words safe to log and store: never the URL (its query may hold a secret),
 * never the receiver's answer (it may echo our signature).
 */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
}

export function httpPoster(timeoutMs = 5_000): Poster {
  return async (url, body, headers) => {
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
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status >= 300) throw new DeliveryError(`the receiver answered HTTP ${res.status}`);
  };
}
