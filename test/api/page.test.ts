import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { handle } from '../../functions/api/app';
import type { AppDeps } from '../../functions/api/deps';
import type { HttpRequest } from '../../functions/api/http';

const UI = join(__dirname, '../../functions/api/ui');
// The page routes answer before any dependency is used: a log is all the error path may need.
const deps = (pageDir?: string) => ({ pageDir, log: { info() {}, warn() {}, error() {} } }) as unknown as AppDeps;
const get = (path: string, method = 'GET', pageDir: string | null = UI) =>
  handle(deps(pageDir ?? undefined), { method, path, query: {}, headers: {}, body: Buffer.alloc(0), requestId: 'r' } satisfies HttpRequest);

describe('the status page routes', () => {
  it('serves the page at / with a strict Content-Security-Policy and no token needed', async () => {
    const res = await get('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toContain('<script src="/ui/app.js" defer></script>');
  });

  it('serves its assets under /ui/ with their types', async () => {
    expect((await get('/ui/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/ui/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get('/ui/icon.svg')).headers['content-type']).toBe('image/svg+xml');
  });

  it('serves nothing else: unknown names, other folders and other methods are refused', async () => {
    for (const path of ['/ui/nope.js', '/ui/../page.ts', '/ui/index.html', '/ui', '/index.html']) {
      const res = await get(path);
      expect(res.statusCode).toBe(404);
      expect(JSON.parse(res.body).error.code).toBe('not_found');
    }
    expect((await get('/', 'POST')).statusCode).toBe(405);
  });

  it('answers 404, not 500, when the code folder has no page', async () => {
    expect((await get('/', 'GET', null)).statusCode).toBe(404);
    expect((await get('/', 'GET', join(UI, 'missing'))).statusCode).toBe(404);
  });

  it('runs nothing inline and never parses API data as HTML', () => {
    const html = readFileSync(join(UI, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/); // every script has a src
    expect(html).not.toMatch(/<style/);
    expect(html).not.toMatch(/\s(style|on[a-z]+)=/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//); // nothing from another host
    const js = readFileSync(join(UI, 'app.js'), 'utf8');
    expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    expect(js).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(js).not.toMatch(/localStorage/); // the token lives in sessionStorage only
  });
});
