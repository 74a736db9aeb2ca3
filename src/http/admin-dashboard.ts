// Bull Board at /admin/queues, for admin keys only: every queue with its counts, each job's data,
// progress and result, retry of failed jobs, pause and resume. A browser signs in by pasting the
// key into a form (admin-session.ts keeps the session in a cookie); scripts may send
// `Authorization: Bearer <admin key>` instead. A valid key that is not an admin's gets 403.
// Mounted before the app's requireCaller and JSON body reader: Bull Board reads its own bodies.
import { createBullBoard } from '@bull-board/api';
import { ExpressAdapter } from '@bull-board/express';
import express, { Router, type Request, type RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import { queueBoardAdapters } from '../jobs/queue-board.js';
import type { Runtime } from '../runtime.js';
import { loginPage, LOGIN_PAGE_HEADERS } from './admin-login-page.js';
import { ADMIN_SESSION_COOKIE, ADMIN_SESSION_SECONDS, cookieValue, sessionSecret, signSession, verifySession } from './admin-session.js';
import type { ApiKeyRing } from './api-keys.js';
import { HttpError } from './http-errors.js';
import { callerOf, requireCaller, setCaller, type OAuthGate } from './require-caller.js';

/** Where the app mounts the dashboard. */
export const ADMIN_DASHBOARD_PATH = '/admin/queues';

export interface AdminDashboardOptions {
  keys: ApiKeyRing;
  oauth: OAuthGate | undefined;
  /** The runtime, once it exists (the app answers 503 before, so the dashboard never asks early). */
  runtime: () => Runtime;
  /** Where browsers reach the server: its path is the dashboard's prefix, its scheme decides Secure cookies. */
  publicUrl: string;
  log: Logger;
}

// Bull Board routes that would let the dashboard do what JobService refuses: a job added or
// edited here skips the checks its inputs got at submit (input roots, owners, formats), and a
// completed job retried runs again over the results it stored. Everything else an admin may do.
const REFUSED: readonly { method: string; path: RegExp; why: string }[] = [
  { method: 'POST', path: /^\/api\/queues\/[^/]+\/add\/?$/, why: 'jobs are submitted with POST /jobs/submit or MCP, which check their inputs' },
  { method: 'PATCH', path: /^\/api\/queues\/[^/]+\/[^/]+\/update-data\/?$/, why: 'a job\'s data was checked when it was submitted; editing it would skip those checks' },
  { method: 'PUT', path: /^\/api\/queues\/[^/]+\/retry\/completed\/?$/, why: 'completed jobs are not run again; submit the job anew' },
];

export function adminDashboard({ keys, oauth, runtime, publicUrl, log }: AdminDashboardOptions): Router {
  const basePath = `${new URL(publicUrl).pathname.replace(/\/+$/, '')}${ADMIN_DASHBOARD_PATH}`;
  const secureCookie = (req: Request) => new URL(publicUrl).protocol === 'https:' || req.secure;
  const secret = () => sessionSecret(runtime().redis, runtime().config.prefix);
  const isAdminKey = (name: string) => keys.entries.some((entry) => entry.name === name && entry.admin);
  const bearer = requireCaller(keys, oauth);

  const router = Router();
  // Buttons that retry and pause must not be clickable through someone else's frame.
  router.use((_req, res, next) => {
    res.set('X-Frame-Options', 'DENY');
    next();
  });

  router.post('/login', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const page = (status: number, problem: string) => void res.status(status).set(LOGIN_PAGE_HEADERS).send(loginPage(basePath, problem));
    // SameSite keeps other sites from using a session, not from making one: a page elsewhere
    // could otherwise sign the browser in with a key of its choosing.
    const origin = req.get('origin');
    if (origin !== undefined && hostOf(origin) !== req.get('host')) return page(403, 'Sign in from this server\'s own page.');
    const key = typeof req.body?.key === 'string' ? req.body.key.trim() : '';
    const caller = key === '' ? undefined : keys.authenticate(`Bearer ${key}`);
    if (!caller) return page(401, 'That is not a valid API key.');
    if (!caller.admin) {
      log.info({ key: caller.owner }, 'a key that is not an admin\'s tried to sign in to the queues dashboard');
      return page(403, `The key "${caller.owner}" is not an admin key; the dashboard is for admin keys (BIO_QUEUE_ADMIN_KEYS, or add-key NAME --admin).`);
    }
    const expires = Math.floor(Date.now() / 1000) + ADMIN_SESSION_SECONDS;
    res.cookie(ADMIN_SESSION_COOKIE, signSession(await secret(), { name: caller.owner, expires }), {
      httpOnly: true,
      sameSite: 'strict',
      secure: secureCookie(req),
      path: basePath,
      maxAge: ADMIN_SESSION_SECONDS * 1000,
    });
    log.info({ key: caller.owner }, 'admin signed in to the queues dashboard');
    res.redirect(303, `${basePath}/`);
  });

  router.all('/logout', (req, res) => {
    res.clearCookie(ADMIN_SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: secureCookie(req), path: basePath });
    res.redirect(303, `${basePath}/`);
  });

  // The gate: an Authorization header is checked as on every other route (and must be an
  // admin's); otherwise the session cookie; otherwise a page asks for the key.
  const gate: RequestHandler = async (req, res, next) => {
    if (req.get('authorization') !== undefined) {
      return bearer(req, res, (err?: unknown) => {
        if (err !== undefined) return next(err);
        const caller = callerOf(res);
        if (!caller.admin) return next(notAdmin(caller.owner));
        next();
      });
    }
    const token = cookieValue(req.get('cookie'), ADMIN_SESSION_COOKIE);
    const session = token === undefined ? undefined : verifySession(await secret(), token, Date.now() / 1000);
    // A key removed from the ring (or no longer an admin's) ends its sessions at the next restart.
    if (session && isAdminKey(session.name)) {
      setCaller(res, { owner: session.name, admin: true, remote: true });
      return next();
    }
    if (req.method === 'GET' && !/^\/(api|static)\//.test(req.path)) {
      res.status(401).set(LOGIN_PAGE_HEADERS).send(loginPage(basePath, token === undefined ? undefined : 'Your session has ended; sign in again.'));
      return;
    }
    next(new HttpError('unauthorized', `Authorization: missing; sign in at ${basePath} with an admin API key, or send "Authorization: Bearer <admin key>"`));
  };
  router.use(gate);

  router.use((req, _res, next) => {
    const refused = REFUSED.find((r) => r.method === req.method && r.path.test(req.path));
    next(refused ? new HttpError('forbidden', `${req.method} ${basePath}${req.path}: not offered here; ${refused.why}`) : undefined);
  });

  // Built on first use: the queues exist only once the runtime does.
  let board: RequestHandler | undefined;
  router.use((req, res, next) => {
    board ??= bullBoard(runtime(), basePath);
    board(req, res, next);
  });
  return router;
}

function bullBoard(runtime: Runtime, basePath: string): RequestHandler {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: queueBoardAdapters(runtime.queues),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'bio-mcp-queue', miscLinks: [{ text: 'Sign out', url: `${basePath}/logout` }] } },
  });
  return serverAdapter.getRouter() as RequestHandler;
}

function notAdmin(owner: string): HttpError {
  return new HttpError('forbidden', `Authorization: the key "${owner}" is not an admin key; the queues dashboard is for admin keys (BIO_QUEUE_ADMIN_KEYS, or add-key NAME --admin)`);
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
