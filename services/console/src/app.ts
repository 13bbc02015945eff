// The console's HTTP app: a backend for the browser. Server-rendered pages in the NHS design system; every form
// posts and the server redirects (POST/redirect/GET), so nothing needs JavaScript. Sessions live on the server, every
// POST carries the session's CSRF token, and each call to the services carries the user's own token.
import { randomBytes } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import nunjucks from 'nunjucks';
import { londonDate } from '@csu-ledger/domain';
import type { Logger } from '@csu-ledger/http';
import { ServiceProblem, ServiceUnavailable, type Api } from './api.ts';
import { assetRoutes, NHSUK_DIST, VIEWS } from './assets.ts';
import { CSRF_FIELD, csrfMatches } from './csrf.ts';
import * as f from './format.ts';
import { createSessionStore, randomToken, sessionCookie, type Flash, type Session, type SessionStoreOptions, type SignedInUser } from './session.ts';
import type { SignIn } from './signin.ts';
import { pageRoutes } from './pages/index.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- express's own augmentation point
  namespace Express {
    interface Request {
      /** Set by the session middleware on every request past the assets. */
      session?: Session;
    }
  }
}

export interface ConsoleAppOptions {
  api: Api;
  signIn: SignIn;
  sessions: SessionStoreOptions;
  secureCookies: boolean;
  logger: Logger;
  clock?: () => Date;
}

export interface PageContext {
  api: Api;
  today: () => string;
  now: () => Date;
  logger: Logger;
}

/** The signed-in user of a request that passed `requireUser`. */
export const userOf = (req: Request): SignedInUser => {
  const u = req.session?.user;
  if (!u) throw new Error('no user: route not behind requireUser');
  return u;
};

/** Read-your-writes for this user's reads: the last position their commands answered. */
export const readOpts = (req: Request) => ({ minPosition: req.session?.minPosition });

/** Shows this once on the next page (POST/redirect/GET). */
export const setFlash = (req: Request, flash: Flash): void => {
  if (req.session) req.session.flash = flash;
};

/** Wraps an async handler so that its errors reach the error pages. */
export const page =
  (handler: (req: Request, res: Response) => Promise<void>): RequestHandler =>
  (req, res, next) =>
    void handler(req, res).catch(next);

/** Only paths of this console, so a `next` parameter can never send a user elsewhere. */
export const safeReturn = (path: unknown, fallback = '/'): string =>
  typeof path === 'string' && /^\/(?![/\\])[A-Za-z0-9/_\-.?=&%:+]*$/.test(path) ? path : fallback;

export const createConsoleApp = (o: ConsoleAppOptions): Express => {
  const app = express();
  const clock = o.clock ?? (() => new Date());
  const sessions = createSessionStore(o.sessions);
  const cookie = sessionCookie(o.secureCookies);

  app.disable('x-powered-by');
  app.set('trust proxy', false);
  const env = nunjucks.configure([VIEWS, NHSUK_DIST], { autoescape: true, throwOnUndefined: false, noCache: process.env.NODE_ENV === 'development' });
  env.addFilter('money', (p: bigint | number | string | null | undefined) => f.money(p));
  // A difference: `+£100.00`, `−£16,000.00`, `£0.00`.
  env.addFilter('change', (p: bigint | number | null | undefined) => (p !== null && p !== undefined && BigInt(p) > 0n ? `+${f.money(p)}` : f.money(p)));
  env.addFilter('percent', (bp: number | bigint | null | undefined) => f.percent(bp));
  env.addFilter('date', (d: string | null | undefined) => f.date(d));
  env.addFilter('instant', (d: string | null | undefined) => f.instant(d));
  env.addFilter('month', (m: string) => (m ? f.formatMonth(m) : ''));
  env.addFilter('quarter', (q: string) => (q ? f.formatQuarter(q) : ''));
  env.addFilter('status', (s: string) => (s ? f.statusText(s) : ''));
  env.addFilter('fy', (y: string) => f.financialYear(y));
  env.addFilter('count', (n: number | bigint) => f.count(n));
  app.engine('njk', (path: string, options: object, done: (e: Error | null, s?: string) => void) => env.render(path, options, (e, html) => done(e, html ?? undefined)));
  app.set('view engine', 'njk');
  app.set('views', VIEWS);

  // Security headers: nothing loads from elsewhere, nothing frames us, inline script only with this response's nonce.
  app.use((_req, res, next) => {
    const nonce = randomBytes(16).toString('base64');
    res.locals.cspNonce = nonce;
    res.setHeader(
      'Content-Security-Policy',
      `default-src 'self'; script-src 'self' 'nonce-${nonce}'; style-src 'self'; img-src 'self' data:; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('X-Frame-Options', 'DENY');
    next();
  });
  app.get('/health', (_req, res) => void res.json({ status: 'ok', service: 'console' }));
  app.use(assetRoutes());
  app.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 100 }));

  // Sessions: every page has one (the sign-in form needs a CSRF token too); the cookie holds only its random id.
  app.use((req, res, next) => {
    let s = sessions.get(cookie.read(req.headers.cookie));
    if (!s) {
      s = sessions.create();
      res.append('Set-Cookie', cookie.serialise(s.id));
    }
    req.session = s;
    res.locals.csrf = s.csrf;
    res.locals.user = s.user;
    res.locals.path = req.path;
    // Pages are personal: never cached by a shared cache or shown again from history after sign-out.
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  // Synchroniser token on every POST, before anything else looks at the form.
  app.use((req, res, next) => {
    if (req.method !== 'POST') return next();
    const sent = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD] ?? req.query[CSRF_FIELD];
    if (csrfMatches(req.session?.csrf, sent)) return next();
    res.status(403).render('error.njk', {
      title: 'Your form had expired',
      message: 'For your security, forms stop working after you sign in again or after a while without use. Go back, reload the page and try again.',
    });
  });
  // The flash message of the previous POST, shown once.
  app.use((req, res, next) => {
    res.locals.flash = req.session?.flash;
    if (req.session) delete req.session.flash;
    next();
  });

  const startSession = (req: Request, res: Response, user: SignedInUser): void => {
    const fresh = sessions.rotate(req.session!);
    fresh.user = user;
    delete fresh.minPosition;
    delete fresh.verdict;
    delete fresh.receipts; // one user's approvals are not offered to the next who signs in on this browser
    req.session = fresh;
    res.append('Set-Cookie', cookie.serialise(fresh.id));
  };

  // ---- Sign-in and sign-out ----
  app.get(
    '/sign-in',
    page(async (req, res) => {
      if (o.signIn.mode === 'oidc') {
        res.redirect(303, (await o.signIn.start(req.session!)).href);
        return;
      }
      res.render('sign-in.njk', { demoUsers: o.signIn.demoUsers, next: safeReturn(req.query.next), roles: ['csu', 'ccg', 'auditor', 'admin'] });
    }),
  );
  app.post(
    '/sign-in',
    page(async (req, res) => {
      if (o.signIn.mode !== 'dev') {
        res.status(404).render('error.njk', { title: 'Page not found', message: 'Sign in through your organisation.' });
        return;
      }
      const b = req.body as Record<string, string | undefined>;
      const fields = { role: b.role?.trim() ?? '', org: b.org?.trim().toUpperCase() ?? '', sub: b.sub?.trim() ?? '', name: b.name?.trim() ?? '' };
      const errors: { field: string; message: string }[] = [];
      if (!['admin', 'csu', 'ccg', 'auditor'].includes(fields.role)) errors.push({ field: 'role', message: 'Select a role' });
      if (!/^[A-Z0-9]{3,5}$/.test(fields.org)) errors.push({ field: 'org', message: 'Enter an organisation code of 3 to 5 letters or digits, like 08J' });
      if (!/^\S{1,100}$/.test(fields.sub)) errors.push({ field: 'sub', message: 'Enter a user id without spaces, like fin-08j-1' });
      if (fields.name.length > 200) errors.push({ field: 'name', message: 'Enter a name of 200 characters or fewer' });
      if (errors.length > 0) {
        setFlash(req, { form: 'sign-in', errors, values: fields });
        res.redirect(303, '/sign-in');
        return;
      }
      const user = await o.signIn.signIn({ role: fields.role as SignedInUser['role'], org: fields.org, sub: fields.sub, name: fields.name || fields.sub });
      startSession(req, res, user);
      res.redirect(303, safeReturn(b.next));
    }),
  );
  app.get(
    '/auth/callback',
    page(async (req, res) => {
      if (o.signIn.mode !== 'oidc') {
        res.redirect(303, '/sign-in');
        return;
      }
      const url = new URL(req.originalUrl, `http://${req.headers.host ?? 'localhost'}`);
      startSession(req, res, await o.signIn.finish(req.session!, url));
      res.redirect(303, '/');
    }),
  );
  app.post('/sign-out', (req, res) => {
    if (req.session) sessions.destroy(req.session.id);
    res.append('Set-Cookie', cookie.clear());
    res.redirect(303, '/sign-in');
  });

  // ---- Everything else needs a signed-in user ----
  app.use((req, res, next) => {
    if (req.session?.user) return next();
    if (req.method !== 'GET') {
      res.redirect(303, '/sign-in');
      return;
    }
    res.redirect(303, `/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
  });
  app.use((req, res, next) => {
    const u = req.session!.user!;
    res.locals.navigation = [
      { href: '/', text: 'Contracts', current: req.path === '/' },
      ...(u.role === 'ccg'
        ? [
            { href: `/organisations/${u.org}`, text: 'Support spend', current: req.path === `/organisations/${u.org}` },
            { href: `/organisations/${u.org}/payment-performance`, text: 'Payments', current: req.path.endsWith('/payment-performance') },
          ]
        : []),
    ];
    res.locals.signOutAction = `/sign-out?${CSRF_FIELD}=${encodeURIComponent(req.session!.csrf)}`;
    res.locals.newKey = () => randomToken();
    next();
  });

  const ctx: PageContext = { api: o.api, today: () => londonDate(clock()), now: clock, logger: o.logger };
  app.use(pageRoutes(ctx));

  app.use((_req, res) => {
    res.status(404).render('error.njk', { title: 'Page not found', message: 'If you typed the web address, check it is correct.' });
  });
  const errorPage: ErrorRequestHandler = (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ServiceProblem) {
      if (err.status === 401) {
        // The user's token ran out or was refused: sign in again.
        if (req.session) sessions.destroy(req.session.id);
        res.append('Set-Cookie', cookie.clear());
        res.redirect(303, `/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
        return;
      }
      if (err.status === 404) {
        res.status(404).render('error.njk', { title: 'Not found', message: 'There is nothing here that you can see. It may not exist, or it may belong to another organisation.' });
        return;
      }
      if (err.status === 403) {
        res.status(403).render('error.njk', { title: 'You cannot see this', message: err.detail ?? 'Your role does not allow it.' });
        return;
      }
      if (err.status === 400) {
        res.status(400).render('error.njk', { title: 'There is a problem with the address', message: err.detail ?? 'Check the date, instant or quarter in the address.', details: err.errors });
        return;
      }
    }
    if (err instanceof ServiceUnavailable || (err instanceof ServiceProblem && err.status === 503)) {
      res.status(503).render('error.njk', { title: 'Sorry, the ledger is not answering', message: 'Try again in a few minutes. Nothing you were doing has been lost.' });
      return;
    }
    const reference = randomBytes(6).toString('hex');
    o.logger.error({ err, reference, path: req.path }, 'console error');
    res.status(500).render('error.njk', { title: 'Sorry, there is a problem with the service', message: `Try again later. If it goes on, quote reference ${reference}.` });
  };
  app.use(errorPage);
  return app;
};
