/** The HTTP API over fetch: one JSON request, one JSON answer; errors as the API states them. */

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: { fields?: Array<{ field: string; message: string }>; field?: string; ecsCode?: string } | null;
}

/** The API answered with an error (4xx/5xx and its JSON error). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
  }
}

/** No answer: refused, reset, timed out, DNS. */
export class Unreachable extends Error {
  override name = 'Unreachable';
}

export interface Api {
  request(method: 'GET' | 'POST', path: string, opts?: { body?: unknown; query?: Record<string, string | undefined>; headers?: Record<string, string>; timeoutMs?: number }): Promise<{ status: number; json: any }>;
}

export function api(baseUrl: string, token: string | undefined): Api {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    async request(method, path, opts = {}) {
      const url = new URL(base + path);
      for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
      const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
      if (token) headers.authorization = `Bearer ${token}`;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      let res: Response;
      try {
        res = await fetch(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000) });
      } catch (e) {
        const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : e instanceof Error ? `: ${e.message}` : '';
        throw new Unreachable(`cannot reach ${base}${cause}`);
      }
      const text = await res.text();
      let json: any;
      try {
        json = text === '' ? {} : JSON.parse(text);
      } catch {
        throw res.ok ? new Unreachable(`${base} did not answer JSON (is it the ecs-batch API?)`) : new ApiError(res.status, { code: `http_${res.status}`, message: `HTTP ${res.status} without a JSON error` });
      }
      if (!res.ok) {
        const body = json?.error && typeof json.error.message === 'string' ? (json.error as ApiErrorBody) : { code: `http_${res.status}`, message: `HTTP ${res.status}` };
        throw new ApiError(res.status, body);
      }
      return { status: res.status, json };
    },
  };
}
