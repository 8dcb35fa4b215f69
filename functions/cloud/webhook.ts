/** Outbound POST of JSON (callbacks, chat replies) with a hard timeout; any non-2xx is a failure. */
export type Poster = (url: string, body: string, headers: Record<string, string>) => Promise<void>;

export function httpPoster(timeoutMs = 5_000): Poster {
  return async (url, body, headers) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status >= 300) throw new Error(`callback answered HTTP ${res.status}`);
  };
}
