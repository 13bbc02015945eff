// Issue 14 in the console: the approval's receipt offered as a download, for the CCG to keep with its own records, and
// what changed a settlement's figures since a past moment (the settlement diff). Real
// services in this process (signing chain heads, so an approval answers with its receipt), the real console over
// HTTP with the development sign-in, a user's approval posted through the console's form as a browser would.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateDevSecret } from '@csu-ledger/auth';
import { CONTRACT_ID, workedExample } from '@csu-ledger/cli';
import { createLogger } from '@csu-ledger/http';
import { createApi, createConsoleApp, createSignIn, loadConfig } from '../../services/console/src/index.ts';
import { createHeadSigner, keyIdOf, parseReceipt, verifyReceipt } from '../../packages/integrity/src/index.ts';
import { FIXED_NOW, must, startInProcess, type InProcess } from '../support/in-process.ts';

const Q1 = '2025-26-Q1';
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const key = { privateKey, publicKey, keyId: keyIdOf(publicKey) };
let h: InProcess;
let signer: ReturnType<typeof createHeadSigner> | undefined;
let dataDir: string;
let web: { url: string; server: Server };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'csu-ledger-console-receipt-'));
  // The console signs users in with the development key the services verify: the one in the data folder.
  const secret = await loadOrCreateDevSecret(dataDir);
  h = await startInProcess({ secret, signer: (store, clock) => (signer = createHeadSigner({ store, key, clock })), integrityKey: () => Promise.resolve(publicKey) });
  const saved = new Map<string, string>();
  for (const r of workedExample) {
    const path = r.path.replace(/\{(\w+)\}/g, (_, k: string) => saved.get(k) ?? k);
    const { body } = must(await h.post<Record<string, string>>(await h.token(r.as.role, r.as.org, r.as.sub), path, r.body));
    if (r.saveAs) saved.set(r.saveAs, body.extraId ?? body.challengeId ?? '');
  }
  await signer!.signChanged(); // as the service's interval would: the whole log signed before the approval
  const config = loadConfig({ LEDGER_DATA_DIR: dataDir });
  const app = createConsoleApp({
    api: createApi({ commandUrl: h.commandUrl, queryUrl: h.queryUrl }),
    signIn: await createSignIn(config),
    sessions: config.sessions,
    secureCookies: false,
    clock: () => new Date(FIXED_NOW), // the services' today, so the form's date (today) is not in their future
    logger: createLogger('console-receipt-test', 'silent'),
  });
  const server = await new Promise<Server>((done) => {
    const s = app.listen(0, '127.0.0.1', () => done(s));
  });
  web = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}, 60_000);
afterAll(async () => {
  await new Promise((done) => web?.server.close(done));
  await h?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A browser: its session cookie, carried on every request. */
const browser = () => {
  let cookie = '';
  const go = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${web.url}${path}`, { redirect: 'manual', ...init, headers: { ...(init.headers as Record<string, string>), cookie } });
    const set = res.headers.getSetCookie().find((c) => c.includes('ledger-session='));
    if (set) cookie = set.split(';')[0]!;
    return res;
  };
  const post = (path: string, fields: Record<string, string>) =>
    go(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  const signIn = async (role: string, org: string, sub: string) => {
    const html = await (await go('/sign-in')).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    expect((await post('/sign-in', { _csrf: csrf, role, org, sub, name: sub })).status).toBe(303);
  };
  return { go, post, signIn };
};

/** The fields of the form with this id, as the page drew them (what a browser would send unchanged). */
const formFields = (html: string, id: string): { action: string; fields: Record<string, string> } => {
  const form = new RegExp(`<form method="post" action="([^"]+)"[^>]*id="${id}">([\\s\\S]*?)</form>`).exec(html);
  if (!form) throw new Error(`no form ${id} on the page`);
  const fields: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(input[0])?.[1];
    if (name) fields[name] = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
  }
  return { action: form[1]!.replace(/&amp;/g, '&'), fields };
};

describe('the console offers the approval’s receipt as a download', () => {
  it('after CCG finance approves a quarter, in that session, as the JSON file the command service answered', async () => {
    const ccg = browser();
    await ccg.signIn('ccg', '08J', 'fin-08j-1');
    const page = `/contracts/${CONTRACT_ID}/settlements/${Q1}`;
    const html = await (await ccg.go(page)).text();
    expect(html).not.toContain('Download the receipt');
    const id = /<form method="post" action="[^"]*approve-settlement"[^>]*id="([^"]+)"/.exec(html)?.[1];
    const { action, fields } = formFields(html, id!);
    const approved = await ccg.post(action, fields); // approved today, the figure the page showed
    expect(approved.status).toBe(303);
    const after = await (await ccg.go(approved.headers.get('location')!)).text();
    expect(after).toContain('Download the receipt of this approval');
    const download = await ccg.go(`${page}/receipt`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename=receipt-${CONTRACT_ID}-${Q1}.json`);
    const receipt = parseReceipt(JSON.parse(await download.text()) as unknown);
    if (typeof receipt === 'string') throw new Error(receipt);
    expect(receipt).toMatchObject({ format: 'csu-ledger-receipt/1', contractId: CONTRACT_ID, quarter: Q1, event: { type: 'SettlementApproved' } });
    // What the CCG keeps proves the log holds the approval, checked with nothing but the receipt and the first key.
    expect(await verifyReceipt(h.store, receipt, publicKey)).toMatchObject({ ok: true, summary: { contractId: CONTRACT_ID, quarter: Q1 } });

    // Another session has no receipt to offer: 404. Nor has the next user who signs in on the same browser.
    const auditor = browser();
    await auditor.signIn('auditor', 'NAO', 'ada');
    expect(await (await auditor.go(page)).text()).not.toContain('Download the receipt');
    expect((await auditor.go(`${page}/receipt`)).status).toBe(404);
    await ccg.signIn('auditor', 'NAO', 'ada');
    expect((await ccg.go(`${page}/receipt`)).status).toBe(404);
  });
});

// After the approval above (the tests of a file run in order).
describe('what changed in a settlement since a past moment', () => {
  it("goes from the history's 'just before' the approval to the figures then and now, and the approval that changed the status", async () => {
    const auditor = browser();
    await auditor.signIn('auditor', 'NAO', 'ada');
    const history = await (await auditor.go(`/contracts/${CONTRACT_ID}/history`)).text();
    const before = /href="([^"]+)">2025\/26 Q1 as recorded just before this/.exec(history)?.[1]?.replace(/&amp;/g, '&');
    expect(before).toBeDefined();
    // The auditor's integrity card (GET /audit/verify): intact, the events after the last signing awaiting one.
    expect(history.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')).toMatch(/Intact Every event's hash chain and every signed head checked out.*signed heads, vouching through position \d+; \d+ later events chained, recorded within two signing intervals, awaiting a signature/);
    const then = await (await auditor.go(before!)).text();
    const changes = /<a href="([^"]+)">What changed since then<\/a>/.exec(then)?.[1]?.replace(/&amp;/g, '&');
    expect(changes).toMatch(/\/settlements\/2025-26-Q1\/changes\?from=/);
    // The timeline links there directly too, from the approval.
    expect(history.replace(/&amp;/g, '&')).toContain(`<a href="${changes}">What changed in 2025/26 Q1 since</a>`);
    const res = await auditor.go(changes!);
    expect(res.status).toBe(200);
    const html = await res.text();
    const text = html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Net payable (N) £417,000.00 £417,000.00');
    expect(text).toContain('Status Open Approved changed');
    expect(text).toMatch(/SettlementApproved fin-08j-1 CCG, 08J Status: Open → Approved/);
  });

  it("answers the service's refusal of an instant as a problem with the address", async () => {
    const auditor = browser();
    await auditor.signIn('auditor', 'NAO', 'ada');
    const res = await auditor.go(`/contracts/${CONTRACT_ID}/settlements/${Q1}/changes?from=2999-01-01T00:00:00Z`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('in the future');
  });
});
