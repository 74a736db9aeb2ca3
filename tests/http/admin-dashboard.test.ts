// The queues dashboard in a real browser: Debian's chromium, driven by playwright-core, against
// the real `serve` stack (Redis, an embedded worker, real BLAST+ and seqkit runs). An admin signs
// in with the form, sees the finished blastn with its data and result, retries a failed job and
// pauses and resumes its queue with the dashboard's own buttons; other keys get 403. The page of
// the blastn is kept as .test-artifacts/admin-dashboard-blastn.png.
import fs from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SESSION_COOKIE, ADMIN_SESSION_SECONDS } from '../../src/http/admin-session.js';
import type { JobStatus, Submission } from '../../src/jobs/job-model.js';
import { JOB_QUEUE_NAMES } from '../../tools/index.js';
import { FIXTURES, REPO } from '../support/harness.js';
import { rawRequest, startHttpHarness, waitForJob, type HttpHarness } from '../support/http-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO, '.test-artifacts');
const SCREENSHOT = path.join(ARTIFACTS, 'admin-dashboard-blastn.png');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let h: HttpHarness;
let browser: Browser;
let blastnId: string;
let failedId: string;
let readsFile: string;

async function submit(key: string, jobType: string, parameters: Record<string, unknown>): Promise<string> {
  const answer = await h.api<Submission>(key, 'POST', '/jobs/submit', { job_type: jobType, parameters });
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  return answer.body.job_id;
}

// A browser context of its own per test, so one test's session cookie is not another's. The
// board's stylesheet asks Google Fonts for a typeface; the test machine has no business online.
async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route(/^https?:\/\/fonts\.(googleapis|gstatic)\.com\//, (route) => route.abort());
  return context;
}

async function signIn(page: Page, key: string): Promise<number> {
  await page.goto(`${h.url}/admin/queues`);
  await page.fill('input[name=key]', key);
  const [answer] = await Promise.all([page.waitForResponse((r) => r.url() === `${h.url}/admin/queues/login`), page.click('button[type=submit]')]);
  await page.waitForLoadState();
  return answer.status();
}

// Clicks a button whose action Bull Board asks to confirm, and returns the status of the API call it makes.
async function confirmAction(page: Page, click: () => Promise<void>, apiPath: string): Promise<number> {
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'PUT' && new URL(r.url()).pathname === `/admin/queues/api/queues/${apiPath}`),
    (async () => {
      await click();
      await page.getByRole('button', { name: 'Confirm' }).click();
    })(),
  ]);
  return answer.status();
}

// The queue page's menu (pause, resume, empty, …) is one of several unlabelled menu buttons: the one whose menu has `item`.
async function clickQueueMenuItem(page: Page, item: RegExp): Promise<void> {
  const triggers = page.locator('button[aria-haspopup=menu]');
  for (let i = 0; i < (await triggers.count()); i += 1) {
    await triggers.nth(i).click();
    await page.getByRole('menu').waitFor();
    const entry = page.getByRole('menuitem', { name: item });
    if ((await entry.count()) > 0) return entry.first().click();
    await page.keyboard.press('Escape');
    await page.getByRole('menu').waitFor({ state: 'detached' });
  }
  throw new Error(`no menu of the queue page offers ${item}`);
}

async function jobStatus(jobId: string): Promise<JobStatus['status']> {
  const answer = await h.api<JobStatus>(h.keys.admin, 'GET', `/jobs/${jobId}/status`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.status;
}

async function eventuallyStatus(jobId: string, wanted: JobStatus['status']): Promise<void> {
  for (let seen = await jobStatus(jobId); seen !== wanted; seen = await jobStatus(jobId)) {
    expect(['queued', 'running'], `job ${jobId} went ${seen} on its way to ${wanted}`).toContain(seen);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  // A host list turns the app's Host and Origin checks on for every route: the board must work behind them.
  h = await startHttpHarness({ env: { BIO_QUEUE_ALLOWED_HOSTS: '127.0.0.1' } });
  const build = await submit(h.keys.alice, 'make_blast_db', { input: path.join(FIXTURES, 'lambda_virus.fa'), name: 'lambda', dbtype: 'nucl' });
  expect((await waitForJob(h.url, h.keys.alice, build)).status).toBe('completed');
  blastnId = await submit(h.keys.alice, 'blastn', { query: path.join(FIXTURES, 'lambda_queries.fa'), database: 'lambda' });
  expect((await waitForJob(h.url, h.keys.alice, blastnId)).status).toBe('completed');
  // A job that fails on its input, for the retry: the file is mended before the dashboard retries it.
  readsFile = path.join(h.inputsDir, 'reads.fa');
  await fs.writeFile(readsFile, 'these are notes, not sequences\n');
  failedId = await submit(h.keys.bob, 'seqkit_stats', { sequences: [readsFile] });
  expect((await waitForJob(h.url, h.keys.bob, failedId)).status).toBe('failed');
  // As root (CI containers), chromium refuses to start without --no-sandbox.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('the queues dashboard', () => {
  it('asks a browser without a session for a key, and an API client for one', async () => {
    const page = await h.api<string>(undefined, 'GET', '/admin/queues');
    expect(page.status).toBe(401);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<form method="post" action="/admin/queues/login">');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const api = await h.api(undefined, 'GET', '/admin/queues/api/queues');
    expect(api.status).toBe(401);
    expect(api.body).toEqual({ code: 'unauthorized', message: 'Authorization: missing; sign in at /admin/queues with an admin API key, or send "Authorization: Bearer <admin key>"' });
  });

  it('refuses a key that is not an admin\'s with 403, by header and by the form', async () => {
    const byHeader = await h.api(h.keys.alice, 'GET', '/admin/queues/api/queues');
    expect(byHeader.status).toBe(403);
    expect(byHeader.body).toEqual({
      code: 'forbidden',
      message: 'Authorization: the key "alice" is not an admin key; the queues dashboard is for admin keys (BIO_QUEUE_ADMIN_KEYS, or add-key NAME --admin)',
    });
    expect((await h.api(h.keys.alice, 'GET', '/admin/queues')).status).toBe(403);

    const context = await newContext();
    const page = await context.newPage();
    expect(await signIn(page, h.keys.bob)).toBe(403);
    await expect(page.getByRole('alert').textContent()).resolves.toBe('The key "bob" is not an admin key; the dashboard is for admin keys (BIO_QUEUE_ADMIN_KEYS, or add-key NAME --admin).');
    expect(await signIn(page, 'not-a-key-of-this-server')).toBe(401);
    await expect(page.getByRole('alert').textContent()).resolves.toBe('That is not a valid API key.');
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });

  it('takes a sign-in only from its own page, by a name the server answers to', async () => {
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const body = `key=${encodeURIComponent(h.keys.admin)}`;
    // localhost passes the Origin check (a loopback origin), but is not the page the form was on.
    const crossOrigin = await rawRequest(h.url, 'POST', '/admin/queues/login', { ...form, Origin: `http://localhost:${h.server.port}` }, body);
    expect(crossOrigin.status).toBe(403);
    expect(crossOrigin.body).toContain('Sign in from this server&#39;s own page.');
    expect(crossOrigin.headers['set-cookie']).toBeUndefined();
    const rebound = await rawRequest(h.url, 'POST', '/admin/queues/login', { ...form, Host: 'rebound.example' }, body);
    expect(rebound.status).toBe(403);
    expect(rebound.body).toEqual({ code: 'forbidden', message: 'Host: "rebound.example" is not a name this server answers to (BIO_QUEUE_ALLOWED_HOSTS)' });
    expect(rebound.headers['set-cookie']).toBeUndefined();
  });

  it('lets an admin sign in and see the finished blastn: its id, data and result', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const assets: { url: string; status: number }[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/admin/queues/static/')) assets.push({ url: r.url(), status: r.status() });
    });
    const before = Date.now() / 1000;
    expect(await signIn(page, h.keys.admin)).toBe(303);
    expect(page.url()).toBe(`${h.url}/admin/queues/`);

    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: ADMIN_SESSION_COOKIE, path: '/admin/queues', httpOnly: true, sameSite: 'Strict', secure: false });
    expect(cookie!.expires).toBeGreaterThanOrEqual(Math.floor(before) + ADMIN_SESSION_SECONDS - 1);
    expect(cookie!.expires).toBeLessThanOrEqual(Date.now() / 1000 + ADMIN_SESSION_SECONDS + 1);

    // The overview: every queue, the blast one with its two completed jobs.
    for (const name of JOB_QUEUE_NAMES) await page.getByRole('link', { name, exact: true }).first().waitFor();
    const queues = await page.request.get(`${h.url}/admin/queues/api/queues`);
    expect(queues.status()).toBe(200);
    const board = (await queues.json()) as { queues: { name: string; counts: Record<string, number> }[] };
    expect(board.queues.map((q) => q.name).sort()).toEqual([...JOB_QUEUE_NAMES].sort());
    expect(board.queues.find((q) => q.name === 'blast')!.counts).toMatchObject({ completed: 2, failed: 0 });
    expect(board.queues.find((q) => q.name === 'qc')!.counts).toMatchObject({ failed: 1 });

    await page.goto(`${h.url}/admin/queues/queue/blast/${blastnId}`);
    await page.getByText(blastnId, { exact: true }).waitFor();
    await page.getByText('returnValue').first().waitFor();
    const text = await page.locator('main').innerText();
    expect(text).toContain('blastn');
    expect(text).toContain(`"${path.join(FIXTURES, 'lambda_queries.fa')}"`);
    expect(text).toContain('database:');
    expect(text).toContain('"lambda"');
    expect(text).toContain('owner:');
    expect(text).toContain('"alice"');
    expect(text).toContain('returnValue:');
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const png = await fs.readFile(SCREENSHOT);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png.length).toBeGreaterThan(10_000);

    // The result and progress as the board serves them to that page: BLAST's summary, BullMQ's last progress report.
    const job = (await (await page.request.get(`${h.url}/admin/queues/api/queues/blast/${blastnId}`)).json()) as { job: { progress: unknown; returnValue: { summary: Record<string, unknown> } } };
    expect(job.job.returnValue.summary).toMatchObject({ hit_count: 20, queries_with_hits: 20 });
    expect(job.job.progress).toEqual((await h.server.runtime.queues.get('blast')!.getJob(blastnId))!.progress);

    // The board's scripts and styles came from under the dashboard's path, past the gate.
    expect(assets.some((a) => a.url.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.url.endsWith('.css'))).toBe(true);
    expect(assets.filter((a) => a.status !== 200)).toEqual([]);

    // Adding or editing jobs here would skip JobService's input checks.
    const add = await page.request.post(`${h.url}/admin/queues/api/queues/blast/add`, { data: { name: 'blastn', data: {} } });
    expect(add.status()).toBe(403);
    expect(await add.json()).toEqual({ code: 'forbidden', message: 'POST /admin/queues/api/queues/blast/add: not offered here; jobs are submitted with POST /jobs/submit or MCP, which check their inputs' });

    await page.goto(`${h.url}/admin/queues/logout`);
    await page.locator('input[name=key]').waitFor();
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });

  it('retries a failed job and pauses and resumes its queue with the dashboard\'s buttons', async () => {
    const qc = h.server.runtime.queues.get('qc')!;
    const context = await newContext();
    const page = await context.newPage();
    expect(await signIn(page, h.keys.admin)).toBe(303);
    await page.goto(`${h.url}/admin/queues/queue/qc?status=failed`);
    await page.getByText(failedId, { exact: true }).waitFor();

    expect(await confirmAction(page, () => clickQueueMenuItem(page, /^pause/i), 'qc/pause')).toBe(200);
    expect(await qc.isPaused()).toBe(true);

    // Mended, the input would pass now; the paused queue holds the retried job.
    await fs.copyFile(path.join(FIXTURES, 'lambda_queries.fa'), readsFile);
    const retry = page.locator('ul[class*=jobActions] li').first().locator('button');
    expect(await confirmAction(page, () => retry.click(), `qc/${failedId}/retry`)).toBe(204);
    expect(await jobStatus(failedId)).toBe('queued');
    expect(await (await qc.getJob(failedId))!.getState()).toBe('prioritized'); // waiting, by its priority

    expect(await confirmAction(page, () => clickQueueMenuItem(page, /^resume/i), 'qc/resume')).toBe(200);
    expect(await qc.isPaused()).toBe(false);
    await eventuallyStatus(failedId, 'completed');
    await context.close();
  });
});
