import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { hashToken } from '../../functions/api/auth';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack';
import { ownBuildRoot } from '../support/build-root';

/**
 * The status page in a real browser: Debian's chromium driven by playwright-core, against the app as
 * `npm start` runs it (bundled functions under local/fc, the emulators). `.ci/run` installs chromium with
 * apt when it is missing; CHROMIUM_PATH points elsewhere. SCREENSHOTS=docs writes the README's pictures.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = process.env.SCREENSHOTS;
const TOKEN = 'page-token-0123456789';
// The operator signs in with an admin token and sees the batches TOKEN's owner ("local") created.
const ADMIN = 'page-admin-0123456789';
const TOKENS = [
  { name: 'local', sha256: hashToken(TOKEN), profiles: '*', maxPerRequest: 100, dailyLimit: 1000 },
  { name: 'ops', sha256: hashToken(ADMIN), profiles: '*', maxPerRequest: 100, dailyLimit: 1000, admin: true },
];
// A browser that talks to nobody but the page: no first-run, sync, component or background fetches.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function create(stack: LocalStack, amount: number, key: string) {
  const res = await fetch(`${stack.apiUrl}/batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ profile: 'demo', amount }),
  });
  expect(res.status).toBe(202);
  return (await res.json()) as { id: string; instances: Array<{ instanceId: string }> };
}

// Run in the page (the tests are compiled without the DOM's types).
const SCROLL_WIDTH = 'document.documentElement.scrollWidth';
const FOCUSED = "document.activeElement.id || document.activeElement.getAttribute('href') || document.activeElement.tagName";
const buildRoot = ownBuildRoot();
const row = (page: Page, id: string) => page.locator('table.batches tbody tr', { has: page.locator(`a[href="#/b/${id}"]`) });

describe('the status page in a real browser', () => {
  let stack: LocalStack;
  let userDir: string;
  let ctx: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: apt-get install -y chromium (as .ci/run does), or set CHROMIUM_PATH`);
    stack = await startLocalStack({ port: 0, token: TOKEN, bootSeconds: 1, timers: false, env: { API_TOKENS: JSON.stringify(TOKENS) }, buildRoot });
    userDir = mkdtempSync(join(tmpdir(), 'ecs-batch-chromium-'));
    ctx = await chromium.launchPersistentContext(userDir, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1440, height: 900 } });
    ctx.on('request', (r) => requests.push(r.url()));
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
  }, 90_000);

  afterAll(async () => {
    stack?.ecsControl?.release(); // the held batch ends, so the sweeper's watch ends and the stack can close
    await ctx?.close();
    if (userDir) rmSync(userDir, { recursive: true, force: true });
    await stack?.close();
  });

  it('serves the page with a strict Content-Security-Policy and asks for a token', async () => {
    const res = await page.goto(`${stack.apiUrl}/`);
    expect(res!.status()).toBe(200);
    const csp = res!.headers()['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('returns to the sign-in when the token is wrong, and keeps no token', async () => {
    await page.getByLabel('API token').fill('wrong-token-0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
  });

  it('signs in and sees a batch go from PENDING to RUNNING without a reload', async () => {
    stack.ecsControl!.hold({ allNew: true }); // the instances stay Pending until released below
    stack.ecsControl!.setStock({ zoneId: 'cn-hangzhou-h', instanceType: 'ecs.g7.large', available: 0 }); // the first offering has none
    const b = await create(stack, 3, 'page-1');
    await page.getByLabel('API token').fill(ADMIN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await row(page, b.id).locator('.badge', { hasText: 'PENDING' }).waitFor();
    expect(page.url()).not.toContain(ADMIN);
    expect(await page.locator('table.batches th').allTextContents()).toContain('Owner');
    expect(await row(page, b.id).locator('td[data-label="Owner"]').textContent()).toBe('local');
    await page.evaluate('window.stillHere = true');
    stack.ecsControl!.release();
    await row(page, b.id).locator('.badge', { hasText: 'RUNNING' }).waitFor({ timeout: 25_000 });
    expect(await row(page, b.id).textContent()).toContain('3 Running');
    expect(await page.evaluate<boolean | undefined>('window.stillHere')).toBe(true);
  }, 40_000);

  it('opens the batch: instances, chunks with their ClientTokens, and one timeline bar per instance', async () => {
    const [batch] = ((await (await fetch(`${stack.apiUrl}/batches?view=full`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as any).batches;
    await page.locator(`a[href="#/b/${batch.id}"]`).click();
    await page.locator('svg.chart').waitFor();
    const bars = page.locator('svg.chart g.row.s-Running');
    expect(await bars.count()).toBe(3);
    for (const i of batch.instances) expect(await page.locator(`svg.chart g.row[data-instance="${i.instanceId}"] rect.bar`).count()).toBe(1);
    expect(await page.locator('section', { hasText: 'Instances' }).locator('tbody tr').count()).toBe(3);
    expect(await page.getByText(batch.chunks[0].clientToken).count()).toBe(1);
    expect(batch.chunks[0].clientToken).toMatch(/-a1$/); // the second attempt, on the next offering
    const noStock = page.locator('section', { hasText: 'Offerings without capacity' }).locator('tbody tr');
    expect(await noStock.count()).toBe(1);
    expect(await noStock.textContent()).toContain('cn-hangzhou-h');
    expect(await noStock.textContent()).toContain('OperationDenied.NoStock');
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'status-page-batch.png'), fullPage: true });
  });

  it('moves the auto-release time, then releases the ended batch, each after a confirmation', async () => {
    const id = decodeURIComponent(new URL(page.url()).hash.slice('#/b/'.length));
    await page.getByRole('button', { name: 'Set auto-release…' }).click();
    let dialog = page.getByRole('dialog');
    await dialog.getByLabel('Release', { exact: true }).selectOption('P1D');
    const asked = Date.now();
    await dialog.getByRole('button', { name: 'Set release time' }).click();
    await page.getByRole('button', { name: 'Extend…' }).waitFor();
    const stored = (await (await fetch(`${stack.apiUrl}/batches/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as any;
    expect(Date.parse(stored.releaseAt) - asked).toBeGreaterThan(86_000_000);
    expect(Date.parse(stored.releaseAt) - asked).toBeLessThan(86_500_000);

    await page.getByRole('button', { name: 'Release…' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Release instances' }).click();
    await page.locator('.facts').getByText('asked by ops').waitFor();
    expect(await page.locator('.facts .badge').textContent()).toBe('RUNNING'); // an ended batch keeps its status
    expect(await page.locator('section', { hasText: 'Instances' }).locator('tbody tr td:last-child').allTextContents()).toEqual(['released', 'released', 'released']);
    expect(await page.locator('svg.chart g.row.s-Released').count()).toBe(3);
    const ids = stored.instances.map((i: { instanceId: string }) => i.instanceId);
    expect(stack.ecsControl!.instances().filter((i) => ids.includes(i.instanceId)).map((i) => i.fate)).toEqual(['deleted', 'deleted', 'deleted']);
  });

  it('cancels a batch with release after a confirmation, and shows its instances released', async () => {
    // ECS deletes an instance only once it is past Pending: these are held Pending, let boot, held Starting.
    stack.ecsControl!.hold({ allNew: true });
    const b = await create(stack, 2, 'page-2');
    const ids = b.instances.map((i) => i.instanceId);
    stack.ecsControl!.release({ instanceIds: ids });
    stack.ecsControl!.hold({ instanceIds: ids, allNew: false });
    await page.goto(`${stack.apiUrl}/#/b/${b.id}`);
    await page.getByRole('button', { name: 'Cancel…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByLabel(/Also release/).check();
    await dialog.getByRole('button', { name: 'Cancel batch' }).click();
    await page.locator('.facts').getByText('instances released').waitFor();
    expect(await page.locator('.facts .badge').textContent()).toBe('CANCELLED');
    const fates = await page.locator('section', { hasText: 'Instances' }).locator('tbody tr td:last-child').allTextContents();
    expect(fates).toEqual(['released', 'released']);
    const ledger = stack.ecsControl!.instances().filter((i) => ids.includes(i.instanceId));
    expect(ledger.map((i) => i.fate)).toEqual(['deleted', 'deleted']);
  });

  it('fits a 375 px phone screen and can be used from the keyboard', async () => {
    stack.ecsControl!.hold({ allNew: true }); // one batch still booting, for the list's live state
    const booting = await create(stack, 5, 'page-3');
    await page.goto(`${stack.apiUrl}/#/`);
    await page.locator('table.batches .badge', { hasText: 'CANCELLED' }).waitFor();
    await row(page, booting.id).locator('.badge', { hasText: 'PENDING' }).waitFor();
    await page.getByText('Updating live').waitFor();
    if (SCREENSHOTS) await page.locator('body').screenshot({ path: join(SCREENSHOTS, 'status-page-list.png') });
    // The status filter asks the API for that status only.
    await page.getByLabel('Status').selectOption('CANCELLED');
    await page.locator('table.batches tbody tr').first().waitFor();
    await page.getByRole('link', { name: booting.id }).waitFor({ state: 'detached' });
    expect(await page.locator('table.batches tbody .badge').allTextContents()).toEqual(['CANCELLED']);
    await page.getByLabel('Status').selectOption('');
    await row(page, booting.id).waitFor();
    expect(await page.evaluate<string>(FOCUSED)).toBe('status'); // the redraw kept the keyboard's place
    await page.reload(); // the keyboard walk below starts from the top of the page
    await row(page, booting.id).waitFor();
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await page.evaluate<number>(SCROLL_WIDTH)).toBeLessThanOrEqual(375);
    // Tab from the top reaches the status filter and the first batch's link.
    const reached: string[] = [];
    while (reached.length < 10 && !reached.some((r) => r.startsWith('#/b/'))) {
      await page.keyboard.press('Tab');
      reached.push(await page.evaluate<string>(FOCUSED));
    }
    expect(reached).toContain('status');
    expect(reached[reached.length - 1]).toMatch(/^#\/b\//);
    await page.keyboard.press('Enter');
    await page.locator('svg.chart').waitFor();
    expect(await page.evaluate<number>(SCROLL_WIDTH)).toBeLessThanOrEqual(375);
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('loaded nothing from another host and broke no CSP rule', () => {
    const origin = new URL(stack.apiUrl).origin;
    expect(requests.length).toBeGreaterThan(5);
    expect(requests.filter((u) => new URL(u).origin !== origin)).toEqual([]);
    expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
  });
});
