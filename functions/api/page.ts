import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HttpError, type HttpResponse } from './http';

/**
 * The status page: `GET /` and its assets under `/ui/`, read from `ui/` in the function's code folder the
 * first time each is asked for (never at cold start: the other routes do not pay for the page).
 *
 * Only these names are served: a path is looked up here, never joined onto the folder as given.
 */
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/ui/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/ui/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/ui/icon.svg': { file: 'icon.svg', type: 'image/svg+xml' },
};

/**
 * Everything comes from this origin and nothing runs inline (the page sets no inline script or style;
 * CSSOM property writes from app.js are not inline styles under CSP). The token is a bearer header sent
 * by fetch, so `connect-src 'self'` is the only way out; no framing, no base or form tricks.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const cache = new Map<string, string>();

export const isPagePath = (path: string) => path === '/' || path.startsWith('/ui/');

export async function servePage(dir: string | undefined, path: string): Promise<HttpResponse> {
  const entry = FILES[path];
  if (!dir || !entry) throw new HttpError(404, 'not_found', `no route for ${path}`);
  const key = join(dir, entry.file);
  let body = cache.get(key);
  if (body === undefined) {
    try {
      body = await readFile(key, 'utf8');
    } catch {
      throw new HttpError(404, 'not_found', 'the status page is not in this deployment (no ui/ in the code folder; npm run build copies it)');
    }
    cache.set(key, body);
  }
  return {
    statusCode: 200,
    headers: {
      'content-type': entry.type,
      'content-security-policy': PAGE_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      // The files change only with a deploy; a short cache keeps a new deploy visible within minutes.
      'cache-control': entry.file === 'index.html' ? 'no-cache' : 'public, max-age=300',
    },
    body,
  };
}
