// The console's own HTTP edge with the development sign-in (issue 11: a test of the dev path is enough; the OIDC path
// is configuration, see the README): sessions and their cookie, CSRF on every POST, and the user's own token
// forwarded to the services. The services are a stand-in here that records what it is asked.
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, loadOrCreateDevSecret } from '@csu-ledger/auth';
import { createLogger } from '@csu-ledger/http';
import type { Api } from './api.ts';
import { createConsoleApp } from './app.ts';
import { loadConfig } from './config.ts';
import { createSignIn } from './signin.ts';

interface Seen {
  method: 'GET' | 'POST';
  token: string;
  path: string;
}

const startConsole = async (dataDir: string, secureCookies: boolean) => {
  const seen: Seen[] = [];
  const api: Api = {
    get: <T>(token: string, path: string) => {
      seen.push({ method: 'GET', token, path });
      return Promise.resolve({ contracts: [] } as T);
    },
    page: (token, path) => {
      seen.push({ method: 'GET', token, path });
      return Promise.resolve({ items: [], next: null });
    },
    all: (token, path) => {
      seen.push({ method: 'GET', token, path });
      return Promise.resolve([]);
    },
    post: (token, path) => {
      seen.push({ method: 'POST', token, path });
      return Promise.resolve({ position: '1' });
    },
    raw: (token, path) => {
      seen.push({ method: 'GET', token, path });
      return Promise.resolve(new Response(''));
    },
  };
  const config = loadConfig({ LEDGER_DATA_DIR: dataDir });
  const app = createConsoleApp({ api, signIn: await createSignIn(config), sessions: config.sessions, secureCookies, logger: createLogger('console-test', 'silent') });
  const server = await new Promise<Server>((done) => {
    const s = app.listen(0, '127.0.0.1', () => done(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((done) => server.close(done)) };
};

const cookieOf = (res: Response): string | undefined => res.headers.getSetCookie().find((c) => c.includes('ledger-session='));
const idOf = (setCookie: string | undefined): string => /ledger-session=([^;]+)/.exec(setCookie ?? '')![1]!;
const csrfIn = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
const form = (fields: Record<string, string>) => ({
  method: 'POST',
  redirect: 'manual' as const,
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

describe('console: sessions, CSRF and the development sign-in', () => {
  let dataDir: string;
  let web: Awaited<ReturnType<typeof startConsole>>;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'csu-ledger-console-'));
    web = await startConsole(dataDir, false);
  });
  afterAll(async () => {
    await web.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A browser's first visit to the sign-in page: its session cookie and the form's CSRF token. */
  const visitSignIn = async () => {
    const res = await fetch(`${web.url}/sign-in`);
    const html = await res.text();
    return { res, html, cookie: `ledger-session=${idOf(cookieOf(res))}`, csrf: csrfIn(html) };
  };
  const signIn = async (fields: Record<string, string>) => {
    const v = await visitSignIn();
    const res = await fetch(`${web.url}/sign-in`, { ...form({ _csrf: v.csrf, ...fields }), headers: { ...form({}).headers, cookie: v.cookie } });
    const set = cookieOf(res);
    return { before: v, res, cookie: set ? `ledger-session=${idOf(set)}` : v.cookie };
  };

  it('sends a visitor who is not signed in to sign in, with an HttpOnly, SameSite=Lax cookie (not Secure on localhost)', async () => {
    const res = await fetch(`${web.url}/contracts/KIN-0AX-2025`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/sign-in?next=%2Fcontracts%2FKIN-0AX-2025');
    expect(cookieOf(res)).toMatch(/^ledger-session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  it('lists the demo users, each a form carrying the CSRF token, and forbids framing and caching', async () => {
    const { res, html } = await visitSignIn();
    for (const name of ['Priya Shah', 'Tom Baker', 'Ada Okafor', 'Ledger Administrator']) expect(html).toContain(`Sign in as ${name}`);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a POST without the session’s CSRF token, and records nothing', async () => {
    const v = await visitSignIn();
    const headers = { ...form({}).headers, cookie: v.cookie };
    for (const body of [{}, { _csrf: 'x'.repeat(43) }] as Record<string, string>[]) {
      const res = await fetch(`${web.url}/sign-in`, { ...form({ role: 'ccg', org: '08J', sub: 'a', name: 'A', ...body }), headers });
      expect(res.status).toBe(403);
    }
    // Another visitor's token is no good either.
    const other = await visitSignIn();
    expect((await fetch(`${web.url}/sign-in`, { ...form({ _csrf: other.csrf, role: 'ccg', org: '08J', sub: 'a' }), headers })).status).toBe(403);
  });

  it('starts a session under a new id and forwards the user’s own token, signed with the local key, to the services', async () => {
    const { before, res, cookie } = await signIn({ role: 'ccg', org: '08j', sub: 'fin-08j-1', name: 'Tom Baker', next: '/organisations/08J' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/organisations/08J');
    expect(cookie).not.toBe(before.cookie); // no session fixation
    const home = await fetch(`${web.url}/`, { headers: { cookie } });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Tom Baker (CCG, 08J)');
    const call = web.seen.at(-1)!;
    const verify = createTokenVerifier({ mode: 'dev', secret: await loadOrCreateDevSecret(dataDir) });
    expect(await verify(call.token)).toEqual({ sub: 'fin-08j-1', name: 'Tom Baker', org: '08J', roles: ['ccg'] });
    // The id the browser had before signing in no longer opens anything.
    expect((await fetch(`${web.url}/`, { headers: { cookie: before.cookie }, redirect: 'manual' })).status).toBe(303);
  });

  it('checks the CSRF token on every command form, before any service hears of it', async () => {
    const { cookie } = await signIn({ role: 'csu', org: '0AX', sub: 'am-0ax-1', name: 'Priya Shah' });
    const calls = web.seen.length;
    const res = await fetch(`${web.url}/contracts/KIN-0AX-2025/actions/record-delivery`, { ...form({ kpiId: 'K1' }), headers: { ...form({}).headers, cookie } });
    expect(res.status).toBe(403);
    expect(web.seen.length).toBe(calls);
  });

  it('shows sign-in mistakes as an error summary, and signs out', async () => {
    const { before, res } = await signIn({ role: 'ccg', org: 'not a code', sub: 'x' });
    expect(res.headers.get('location')).toBe('/sign-in');
    const again = await (await fetch(`${web.url}/sign-in`, { headers: { cookie: before.cookie } })).text();
    expect(again).toContain('There is a problem');
    expect(again).toContain('href="#custom-org"');

    const { cookie } = await signIn({ role: 'auditor', org: 'NAO', sub: 'audit-1', name: 'Ada Okafor' });
    const page = await (await fetch(`${web.url}/`, { headers: { cookie } })).text();
    const token = /action="\/sign-out\?_csrf=([A-Za-z0-9_-]+)"/.exec(page)![1]!; // the header's sign-out form
    const out = await fetch(`${web.url}/sign-out?_csrf=${token}`, { method: 'POST', redirect: 'manual', headers: { cookie } });
    expect(out.status).toBe(303);
    expect(cookieOf(out)).toContain('Max-Age=0');
    expect((await fetch(`${web.url}/`, { headers: { cookie }, redirect: 'manual' })).status).toBe(303);
  });

  it('marks the cookie Secure, with the __Host- prefix, outside localhost', async () => {
    const secure = await startConsole(dataDir, true);
    try {
      expect(cookieOf(await fetch(`${secure.url}/sign-in`))).toMatch(/^__Host-ledger-session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
    } finally {
      await secure.close();
    }
    expect(loadConfig({ LEDGER_HOST: '0.0.0.0' }).secureCookies).toBe(true);
    expect(loadConfig({ LEDGER_HOST: '127.0.0.1' }).secureCookies).toBe(false);
    expect(loadConfig({ LEDGER_HOST: '127.0.0.1', LEDGER_CONSOLE_PUBLIC_URL: 'https://ledger.example.nhs.uk' }).secureCookies).toBe(true);
  });
});
