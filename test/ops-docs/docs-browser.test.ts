import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { body, bytes, json, sha256 } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const title = hasChromium ? '/docs in a real browser (%s)' : `/docs in a real browser (%s): SKIPPED because ${CHROMIUM} is absent (apt-get install -y chromium; .ci/run installs it)`;

/** Headless Debian chromium on a fresh profile, nothing reaching outside loopback. */
async function launch(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The operation block of `method path` in the page, expanded and in "Try it out" mode. */
async function tryOut(page: Page, method: string, path: string): Promise<Locator> {
  const block = page.locator(`.opblock.opblock-${method}`).filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });
  await block.first().waitFor();
  expect(await block.count()).toBe(1);
  await block.locator('.opblock-summary').first().click();
  await block.locator('button.try-out__btn').click();
  return block;
}

async function execute(block: Locator): Promise<{ status: number; text: string }> {
  await block.locator('button.execute').click();
  const status = block.locator('.live-responses-table tr.response .response-col_status').first();
  await status.waitFor({ timeout: 30_000 });
  const text = (await block.locator('.live-responses-table .response-col_description pre').first().textContent()) ?? '';
  const code = /\b\d{3}\b/.exec((await status.textContent()) ?? '');
  return { status: code ? Number(code[0]) : 0, text };
}

describe.skipIf(!hasChromium).each(backends)(title, (backend) => {
  let k: TestKura;
  let u: TestUser;
  let profile: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    k = await startKura(backend);
    u = await k.user();
    profile = await mkdtemp(join(tmpdir(), 'kura-chromium-'));
    browser = await launch(profile);
  });
  afterAll(async () => {
    await browser?.close();
    await k?.stop();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('signs in with a token, uploads a file with the picker and lists it', async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('pageerror', (e) => failed.push(e.message));
    await page.goto(`${k.url}/docs`);
    expect(await page.title()).toBe('Kura API documentation');
    await page.locator('.information-container .title').filter({ hasText: 'Kura native API' }).waitFor();
    // Both documents are offered by the selector.
    const options = await page.locator('.topbar select option').allTextContents();
    expect(options).toEqual(['Kura native API (/api/v1)', 'Kura drive API (/v1/file, spec 002)']);

    // Authorize with the bare token (the bearer scheme adds "Bearer ").
    await page.locator('.scheme-container button.authorize').click();
    // The modal offers the bearer scheme and the browser session (cookie); the bearer form is used.
    const modal = page.locator('.modal-ux');
    const bearer = modal.locator('form').filter({ hasText: 'bearer (http, Bearer)' });
    await bearer.locator('input[type="text"], input[type="password"]').first().fill(u.token);
    await bearer.locator('.auth-btn-wrapper button.authorize').click();
    await bearer.locator('button.btn-done').click();

    // Upload through the file picker of POST /items/{id}/children.
    const data = bytes(20_000, 42);
    const up = await tryOut(page, 'post', '/api/v1/items/{id}/children');
    await up.locator('tr[data-param-name="id"] input').fill(String(u.rootId));
    expect(await up.locator('.opblock-section-request-body select').first().inputValue()).toBe('multipart/form-data');
    await up.locator('input[type="file"]').setInputFiles({ name: 'from-the-browser.bin', mimeType: 'application/octet-stream', buffer: data });
    const sent = await execute(up);
    expect(sent.status, sent.text).toBe(201);
    const item = JSON.parse(sent.text).items[0];
    expect(item).toEqual(expect.objectContaining({ name: 'from-the-browser.bin', size: data.length, sha256: sha256(data) }));

    // List the folder: the file is there.
    const list = await tryOut(page, 'get', '/api/v1/items/{id}/children');
    await list.locator('tr[data-param-name="id"] input').fill(String(u.rootId));
    const listed = await execute(list);
    expect(listed.status, listed.text).toBe(200);
    expect(JSON.parse(listed.text).items.map((i: { name: string }) => i.name)).toContain('from-the-browser.bin');

    // The bytes stored are the bytes picked.
    const res = await fetch(`${k.url}/api/v1/items/${item.id}/content`, { headers: u.auth });
    expect(res.status).toBe(200);
    expect(sha256(await body(res))).toBe(sha256(data));
    expect((await json(await fetch(`${k.url}/api/v1/items/${u.rootId}/children`, { headers: u.auth }))).total).toBe(1);
    expect(failed).toEqual([]);
    await page.close();
  }, 240_000);
});
