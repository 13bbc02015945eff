// Issue 4: the services run end to end with LEDGER_STORE=postgres://… — both as separate processes on a real
// PostgreSQL started here from npm, with DOMAIN.md's worked example, an approval and the integrity check.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_ID, DEMO_ACTORS, workedExample } from '@csu-ledger/cli';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../packages/event-store/src/postgres/embedded-server.ts';
import { allPages, startSystem, type System } from '../support/system.ts';

let pg: EmbeddedServer;
let sys: System;

beforeAll(async () => {
  pg = await startEmbeddedPostgres({ fastInit: true });
  sys = await startSystem('pg', { LEDGER_STORE: await pg.createDatabase('ledger_e2e') });
}, 60_000);
afterAll(async () => {
  await sys?.stop();
  await pg?.stop();
});

describe('CSU Ledger on PostgreSQL', () => {
  it('settles the worked example at N = 41,700,000p and approves it', async () => {
    const saved = new Map<string, string>();
    for (const r of workedExample) {
      const user = sys.as(r.as.role, r.as.org, r.as.sub, r.as.name);
      const path = r.path.replace(/\{(\w+)\}/g, (_, k: string) => saved.get(k) ?? k);
      const answer = await sys.post<Record<string, string>>(user, path, r.body);
      expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).toBeLessThan(300);
      if (r.saveAs) saved.set(r.saveAs, answer.body.extraId ?? answer.body.challengeId ?? '');
    }
    const ccg = sys.as(DEMO_ACTORS.ccg.role, DEMO_ACTORS.ccg.org);
    const q1 = await sys.get<{ netPayablePence: number; status: string }>(ccg, `/contracts/${CONTRACT_ID}/settlements/2025-26-Q1`);
    expect(q1.body).toMatchObject({ status: 'open', netPayablePence: 41_700_000, withheldPence: 1_600_000, gainSharePence: 2_400_000 });
    const stale = await sys.post(ccg, `/contracts/${CONTRACT_ID}/settlements/2025-26-Q1/approval`, { businessDate: '2025-07-21', netPayablePence: 41_699_999 });
    expect(stale.status).toBe(409);
    const ok = await sys.post<{ receipt: { format: string } }>(ccg, `/contracts/${CONTRACT_ID}/settlements/2025-26-Q1/approval`, {
      businessDate: '2025-07-21',
      netPayablePence: 41_700_000,
    });
    expect(ok.status).toBe(200);
    // Issue 14: the approval answers with its receipt, and the log on PostgreSQL holds what it vouches for.
    expect(ok.body.receipt).toMatchObject({ format: 'csu-ledger-receipt/1', contractId: CONTRACT_ID, quarter: '2025-26-Q1', event: { type: 'SettlementApproved' } });
    expect((await sys.get(ccg, `/contracts/${CONTRACT_ID}/settlements/2025-26-Q1`)).body).toMatchObject({ status: 'approved', netPayablePence: 41_700_000 });
    const auditor = sys.as('auditor', 'NAO');
    const verdict = await sys.get<{ verdict: string }>(auditor, '/audit/verify');
    expect(verdict.body.verdict).toBe('intact');
    const kept = encodeURIComponent(JSON.stringify(ok.body.receipt));
    expect((await sys.get<{ verdict: string }>(auditor, `/audit/verify?receipt=${kept}`)).body).toMatchObject({ verdict: 'holds' });
  });

  // Issue 9: time travel and history run in a worker thread that opens the store itself, here PostgreSQL.
  it('answers history and time travel from its fold worker, a page at a time', async () => {
    const auditor = sys.as('auditor', 'NAO');
    type Event = { type: string; recordedAt: string };
    const history = await allPages<Event>(sys, auditor, `/contracts/${CONTRACT_ID}/history`, 5);
    const approval = history.find((e) => e.type === 'SettlementApproved')!;
    const before = new Date(Date.parse(approval.recordedAt) - 1).toISOString();
    const then = await sys.get(auditor, `/contracts/${CONTRACT_ID}/settlements/2025-26-Q1?asAt=${before}`);
    expect(then.body).toMatchObject({ status: 'open', netPayablePence: 41_700_000 });
    const past = await allPages<Event>(sys, auditor, `/contracts/${CONTRACT_ID}/history?asAt=${before}`, 4);
    expect(past).toEqual(history.slice(0, history.indexOf(approval)));
    const asOf = await sys.get(auditor, `/contracts/${CONTRACT_ID}/settlements/2025-26-Q1?asOf=2025-05-31`);
    expect(asOf.status).toBe(200);
    // Issue 14: the settlement diff is a job of the same fold worker: across the approval, only the status moved.
    const to = new Date().toISOString();
    const diff = await sys.get<{ changes: { type: string; figures: { figure: string }[] }[] }>(
      auditor,
      `/contracts/${CONTRACT_ID}/settlements/2025-26-Q1/diff?from=${before}&to=${to}`,
    );
    expect(diff.body.changes.map((c) => [c.type, c.figures.map((f) => f.figure)])).toEqual([['SettlementApproved', ['status']]]);
  });
});
