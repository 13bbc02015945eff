// The authorisation matrix over real HTTP: every role × every endpoint × own / other organisation. The expectations
// are generated from a verbatim copy of DOMAIN.md's "Who may do what" table (not from the code's PERMISSIONS), so the
// test fails if the code drifts from the spec.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '@csu-ledger/auth';
import type { Role } from '@csu-ledger/domain';
import {
  ACT_ON,
  agreeContract,
  allPages,
  challengeBody,
  challengeIn,
  contractBody,
  extraBody,
  extraIn,
  FIXED_NOW,
  fresh,
  must,
  netPayable,
  startInProcess,
  type InProcess,
  type Json,
  type Parties,
  type Reply,
} from '../support/in-process.ts';

// ---- The spec, copied from DOMAIN.md (keep verbatim: the point is to notice when code and text disagree).
const WHO_MAY_DO_WHAT = `
| role | may | sees |
| --- | --- | --- |
| \`admin\` | register and rename organisations, agree and vary contracts | all |
| \`csu\` | deliveries, measurements, raise/revise/withdraw/escalate extras, raise/record responses to/escalate/resolve/withdraw challenges, submit/withdraw invoices, serve break notice | contracts where its organisation is the CSU |
| \`ccg\` | reject deliveries, accept/dispute/resolve/escalate extras, query/confirm recoveries, dispute/pay invoices, approve settlements, serve break notice | contracts where its organisation is the CCG |
| \`auditor\` | nothing | everything, including history as of any time and integrity checks |
`;

interface RoleRule {
  /** Actions, one phrase each ("raise extras", "record responses to challenges"). */
  may: Set<string>;
  /** Which contracts the role sees: all, or those where the caller's organisation is this side. */
  sees: 'all' | 'ccg' | 'csu';
}

/** "raise/revise extras" and "register and rename organisations" share their last word: expand to one phrase each. */
const expandClause = (clause: string): string[] => {
  if (clause === 'nothing') return [];
  if (!clause.includes('/') && !clause.includes(' and ')) return [clause];
  const cut = clause.lastIndexOf(' ');
  const noun = clause.slice(cut + 1);
  return clause
    .slice(0, cut)
    .split(/\/| and /)
    .map((verb) => `${verb.trim()} ${noun}`);
};

const parseTable = (md: string): Record<Role, RoleRule> => {
  const rules: Partial<Record<Role, RoleRule>> = {};
  for (const row of md.trim().split('\n').slice(2)) {
    const [role, may, sees] = row
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim().replaceAll('`', ''));
    const seen: RoleRule['sees'] = /^(all|everything)\b/.test(sees!)
      ? 'all'
      : /is the CSU$/.test(sees!)
        ? 'csu'
        : /is the CCG$/.test(sees!)
          ? 'ccg'
          : (() => {
              throw new Error(`cannot read "sees" cell: ${sees}`);
            })();
    rules[role as Role] = { may: new Set(may!.split(', ').flatMap(expandClause)), sees: seen };
  }
  return rules as Record<Role, RoleRule>;
};

const RULES = parseTable(WHO_MAY_DO_WHAT);
const ROLES = Object.keys(RULES) as Role[];

// ---- Who calls, and whose contracts.
type Scope = 'own' | 'other';
const SCOPES: Scope[] = ['own', 'other'];
/** The caller's organisation per role; csu and ccg are the two sides of the "own" contract. */
const ORG: Record<Role, string> = { admin: 'NHS', csu: '0AX', ccg: '08J', auditor: 'NAO' };
const PARTIES: Record<Scope, Parties> = { own: { ccg: '08J', csu: '0AX' }, other: { ccg: '36L', csu: '0DE' } };
/** Contract ids that name no organisation, so an id echoed from the URL cannot look like a leak. */
const CONTRACT: Record<Scope, string> = { own: 'CON-A', other: 'CON-B' };
/** What the other organisation's contract holds and a caller who cannot see it must never read. */
const SECRETS = ['36L', '0DE', '160000000', 'SLAM', 'Head of Contracting', '1850000', 'duplicate-activity'];

const visible = (role: Role, parties: Parties): boolean => {
  const { sees } = RULES[role];
  return sees === 'all' || parties[sees] === ORG[role];
};

type Outcome = 'allowed' | 'forbidden' | 'not-found';

let h: InProcess;
const tokenOf = (role: Role, org = ORG[role]) => h.token(role, org);

/** The request one case sends: a path, a body that succeeds when allowed, and what the path names. */
interface Prepared {
  path: string;
  body: Json;
  /** The contract (and extra or challenge) the path names, for the "same answer as a missing one" check. */
  names?: { contractId: string; childId?: string; kind?: 'extra' | 'challenge' | 'invoice' };
}

interface CommandEndpoint {
  /** As API.md writes it. */
  route: string;
  /** The phrase of DOMAIN.md's table that grants it. */
  action: string;
  /** API.md's role column, to check the two documents agree. */
  apiRoles: Role[];
  /** Acts on a contract (or its extra or challenge), so the caller's organisation must see that contract. */
  scoped: boolean;
  creates: boolean;
  /** Builds fresh state where a command changes it, so each allowed case can succeed. */
  prepare: (scope: Scope) => Promise<Prepared>;
}

const onContract = (contractId: string, tail: string, body: Json): Prepared => ({
  path: `/contracts/${contractId}${tail}`,
  body,
  names: { contractId },
});
const onExtra = (extraId: string, contractId: string, verb: string, body: Json): Prepared => ({
  path: `/extras/${extraId}/${verb}`,
  body,
  names: { contractId, childId: extraId, kind: 'extra' },
});
const onChallenge = (challengeId: string, contractId: string, verb: string, body: Json): Prepared => ({
  path: `/challenges/${challengeId}/${verb}`,
  body,
  names: { contractId, childId: challengeId, kind: 'challenge' },
});
const extraAct = (verb: string, state: 'awaiting-ccg' | 'disputed', body: Json) => async (scope: Scope) =>
  onExtra(await extraIn(h, CONTRACT[scope], PARTIES[scope], state), CONTRACT[scope], verb, body);
const challengeAct = (verb: string, body: Json) => async (scope: Scope) =>
  onChallenge(await challengeIn(h, CONTRACT[scope], PARTIES[scope], 'raised'), CONTRACT[scope], verb, body);
/** A challenge resolved by its CSU (and, for `queried`, its recovery queried by its CCG): ready to query or confirm. */
const recoveryAct = (verb: string, state: 'resolved' | 'queried', body: Json) => async (scope: Scope) => {
  const id = await challengeIn(h, CONTRACT[scope], PARTIES[scope], 'raised');
  must(await h.post(await h.token('csu', PARTIES[scope].csu), `/challenges/${id}/resolve`, { businessDate: ACT_ON, recoveredPence: 1_000_000 }));
  if (state === 'queried') must(await h.post(await h.token('ccg', PARTIES[scope].ccg), `/challenges/${id}/query`, { businessDate: ACT_ON, reason: 'no credit note' }));
  return onChallenge(id, CONTRACT[scope], verb, body);
};
let invoiceNumber = 0;
/** An invoice submitted by the contract's CSU, ready to dispute, pay or withdraw. */
const invoiceAct = (verb: string, body: Json) => async (scope: Scope): Promise<Prepared> => {
  const csu = await h.token('csu', PARTIES[scope].csu);
  const { body: created } = must(await h.post<{ invoiceId: string }>(csu, `/contracts/${CONTRACT[scope]}/invoices`, invoiceBody(`M-${++invoiceNumber}`)));
  return { path: `/invoices/${created.invoiceId}/${verb}`, body, names: { contractId: CONTRACT[scope], childId: created.invoiceId, kind: 'invoice' } };
};
const invoiceBody = (invoiceNumber: string): Json => ({ businessDate: ACT_ON, invoiceNumber, quarter: '2025-26-Q1', kind: 'core', amountPence: 13_333_333, vatPence: 2_666_667 });

const COMMANDS: CommandEndpoint[] = [
  {
    route: 'POST /contracts',
    action: 'agree contracts',
    apiRoles: ['admin'],
    scoped: false,
    creates: true,
    prepare: (scope) => Promise.resolve({ path: '/contracts', body: contractBody(fresh('C-'), PARTIES[scope]) }),
  },
  {
    route: 'POST /organisations',
    action: 'register organisations',
    apiRoles: ['admin'],
    scoped: false,
    creates: true,
    prepare: () => Promise.resolve({ path: '/organisations', body: { businessDate: '2025-01-01', code: fresh('T'), name: 'A trust', kind: 'trust' } }),
  },
  {
    route: 'POST /organisations/{code}/renaming',
    action: 'rename organisations',
    apiRoles: ['admin'],
    scoped: false,
    creates: false,
    prepare: (scope) => Promise.resolve({ path: `/organisations/${PARTIES[scope].ccg}/renaming`, body: { businessDate: '2025-01-01', name: 'Renamed ICB' } }),
  },
  {
    route: 'POST /contracts/{id}/variations',
    action: 'vary contracts',
    apiRoles: ['admin'],
    scoped: true,
    creates: false,
    prepare: async (scope) => onContract(await agreeContract(h, PARTIES[scope]), '/variations', { businessDate: '2025-06-01', effectiveQuarter: '2025-26-Q3', feeAtRiskBp: 1500 }),
  },
  {
    route: 'POST /contracts/{id}/break-notices',
    action: 'serve break notice',
    apiRoles: ['csu', 'ccg'],
    scoped: true,
    creates: false,
    // a notice can be served once per contract: a fresh one each time
    prepare: async (scope) => onContract(await agreeContract(h, PARTIES[scope]), '/break-notices', { businessDate: '2026-11-02' }),
  },
  {
    route: 'POST /contracts/{id}/deliveries',
    action: 'deliveries',
    apiRoles: ['csu'],
    scoped: true,
    creates: false,
    prepare: (scope) => Promise.resolve(onContract(CONTRACT[scope], '/deliveries', { kpiId: 'K1', month: '2025-26-M02', deliveredOn: '2025-06-10' })),
  },
  {
    route: 'POST /contracts/{id}/rejections',
    action: 'reject deliveries',
    apiRoles: ['ccg'],
    scoped: true,
    creates: false,
    prepare: async (scope) => {
      // something to reject: a fresh delivery by the contract's own CSU
      const delivery = { kpiId: 'K1', month: '2025-26-M03', deliveredOn: '2025-07-10' };
      must(await h.post(await h.token('csu', PARTIES[scope].csu), `/contracts/${CONTRACT[scope]}/deliveries`, delivery));
      return onContract(CONTRACT[scope], '/rejections', { businessDate: '2025-07-15', kpiId: 'K1', month: '2025-26-M03', reason: 'totals do not reconcile' });
    },
  },
  {
    route: 'POST /contracts/{id}/measurements',
    action: 'measurements',
    apiRoles: ['csu'],
    scoped: true,
    creates: false,
    prepare: (scope) => Promise.resolve(onContract(CONTRACT[scope], '/measurements', { businessDate: '2025-05-02', kpiId: 'K3', month: '2025-26-M01', achievedBp: 9600 })),
  },
  {
    route: 'POST /contracts/{id}/settlements/{quarter}/approval',
    action: 'approve settlements',
    apiRoles: ['ccg'],
    scoped: true,
    creates: false,
    // a quarter is approved once: a fresh contract, and the figure the query service shows for it
    prepare: async (scope) => {
      const id = await agreeContract(h, PARTIES[scope]);
      return onContract(id, '/settlements/2025-26-Q1/approval', { businessDate: '2025-07-01', netPayablePence: await netPayable(h, id, '2025-26-Q1') });
    },
  },
  {
    route: 'POST /contracts/{id}/extras',
    action: 'raise extras',
    apiRoles: ['csu'],
    scoped: true,
    creates: true,
    prepare: (scope) => Promise.resolve(onContract(CONTRACT[scope], '/extras', extraBody())),
  },
  { route: 'POST /extras/{id}/accept', action: 'accept extras', apiRoles: ['ccg'], scoped: true, creates: false, prepare: extraAct('accept', 'awaiting-ccg', { businessDate: ACT_ON }) },
  {
    route: 'POST /extras/{id}/dispute',
    action: 'dispute extras',
    apiRoles: ['ccg'],
    scoped: true,
    creates: false,
    prepare: extraAct('dispute', 'awaiting-ccg', { businessDate: ACT_ON, reason: 'not-requested', detail: 'nobody asked' }),
  },
  { route: 'POST /extras/{id}/revise', action: 'revise extras', apiRoles: ['csu'], scoped: true, creates: false, prepare: extraAct('revise', 'disputed', { businessDate: ACT_ON, amountPence: 1_000_000 }) },
  { route: 'POST /extras/{id}/withdraw', action: 'withdraw extras', apiRoles: ['csu'], scoped: true, creates: false, prepare: extraAct('withdraw', 'disputed', { businessDate: ACT_ON }) },
  { route: 'POST /extras/{id}/resolve', action: 'resolve extras', apiRoles: ['ccg'], scoped: true, creates: false, prepare: extraAct('resolve', 'disputed', { businessDate: ACT_ON, agreedPence: 900_000 }) },
  { route: 'POST /extras/{id}/escalate', action: 'escalate extras', apiRoles: ['csu', 'ccg'], scoped: true, creates: false, prepare: extraAct('escalate', 'disputed', { businessDate: ACT_ON, detail: 'formal dispute' }) },
  {
    route: 'POST /contracts/{id}/challenges',
    action: 'raise challenges',
    apiRoles: ['csu'],
    scoped: true,
    creates: true,
    prepare: (scope) => Promise.resolve(onContract(CONTRACT[scope], '/challenges', challengeBody())),
  },
  {
    route: 'POST /challenges/{id}/responses',
    action: 'record responses to challenges',
    apiRoles: ['csu'],
    scoped: true,
    creates: false,
    prepare: challengeAct('responses', { businessDate: ACT_ON, acceptedPence: 2_000_000, rejectedPence: 1_000_000 }),
  },
  { route: 'POST /challenges/{id}/escalate', action: 'escalate challenges', apiRoles: ['csu'], scoped: true, creates: false, prepare: challengeAct('escalate', { businessDate: ACT_ON }) },
  { route: 'POST /challenges/{id}/resolve', action: 'resolve challenges', apiRoles: ['csu'], scoped: true, creates: false, prepare: challengeAct('resolve', { businessDate: ACT_ON, recoveredPence: 3_000_000 }) },
  { route: 'POST /challenges/{id}/withdraw', action: 'withdraw challenges', apiRoles: ['csu'], scoped: true, creates: false, prepare: challengeAct('withdraw', { businessDate: ACT_ON }) },
  { route: 'POST /challenges/{id}/query', action: 'query recoveries', apiRoles: ['ccg'], scoped: true, creates: false, prepare: recoveryAct('query', 'resolved', { businessDate: ACT_ON, reason: 'no credit note yet' }) },
  { route: 'POST /challenges/{id}/confirm', action: 'confirm recoveries', apiRoles: ['ccg'], scoped: true, creates: false, prepare: recoveryAct('confirm', 'queried', { businessDate: ACT_ON }) },
  {
    route: 'POST /contracts/{id}/invoices',
    action: 'submit invoices',
    apiRoles: ['csu'],
    scoped: true,
    creates: true,
    prepare: (scope) => Promise.resolve(onContract(CONTRACT[scope], '/invoices', invoiceBody(`S-${++invoiceNumber}`))),
  },
  { route: 'POST /invoices/{id}/dispute', action: 'dispute invoices', apiRoles: ['ccg'], scoped: true, creates: false, prepare: invoiceAct('dispute', { businessDate: ACT_ON, reason: 'billed twice' }) },
  { route: 'POST /invoices/{id}/pay', action: 'pay invoices', apiRoles: ['ccg'], scoped: true, creates: false, prepare: invoiceAct('pay', { paidOn: ACT_ON, amountPence: 16_000_000 }) },
  { route: 'POST /invoices/{id}/withdraw', action: 'withdraw invoices', apiRoles: ['csu'], scoped: true, creates: false, prepare: invoiceAct('withdraw', { businessDate: ACT_ON }) },
];

const expectedFor = (role: Role, endpoint: CommandEndpoint, scope: Scope): Outcome => {
  if (!RULES[role].may.has(endpoint.action)) return 'forbidden';
  if (endpoint.scoped && !visible(role, PARTIES[scope])) return 'not-found';
  return 'allowed';
};

const MISSING_CONTRACT = 'NO-SUCH';
/** The same request aimed at a contract (or extra, challenge) that does not exist. */
const missingTwin = (p: Prepared): { path: string; ids: string[] } => {
  const n = p.names!;
  if (!n.childId) return { path: p.path.replace(n.contractId, MISSING_CONTRACT), ids: [MISSING_CONTRACT] };
  const childId = `${MISSING_CONTRACT}.${n.kind}-000000000000`;
  return { path: p.path.replace(n.childId, childId), ids: [childId, MISSING_CONTRACT] };
};

/** The body with the ids the caller sent replaced, so two answers can be compared and leaks looked for. */
const withoutIds = (text: string, ids: string[]): string => ids.reduce((t, id) => t.replaceAll(id, '<id>'), text);

const expectProblem = (r: Reply, status: number, code: string): void => {
  expect(r.status, r.text).toBe(status);
  expect(r.contentType).toMatch(/^application\/problem\+json/);
  expect(r.body.code).toBe(code);
  expect(r.body.status).toBe(status);
};

/** A 404 for another organisation's thing reads exactly as a 404 for a thing that does not exist. */
const expectNothingRevealed = (r: Reply, ids: string[], twin: Reply, twinIds: string[]): void => {
  const scrubbed = withoutIds(r.text, ids);
  for (const secret of SECRETS) expect(scrubbed, `leaks ${secret}`).not.toContain(secret);
  expect(scrubbed).toBe(withoutIds(twin.text, twinIds));
};

beforeAll(async () => {
  h = await startInProcess();
  const admin = await tokenOf('admin');
  for (const [code, kind, extra] of [
    ['08J', 'ccg', { population: 180_000, runningCostAllowancePencePerHead: 2500 }],
    ['36L', 'ccg', { population: 1_500_000, runningCostAllowancePencePerHead: 2200 }],
    ['0AX', 'csu', {}],
    ['0DE', 'csu', {}],
  ] as const) {
    must(await h.post(admin, '/organisations', { businessDate: '2013-04-01', code, name: `Organisation ${code}`, kind, ...extra }));
  }
  for (const scope of SCOPES) await agreeContract(h, PARTIES[scope], CONTRACT[scope]);
  // something in every list, so an allowed GET shows data and a refused one has data it could leak
  for (const scope of SCOPES) {
    await extraIn(h, CONTRACT[scope], PARTIES[scope], 'disputed');
    await challengeIn(h, CONTRACT[scope], PARTIES[scope], 'responded');
  }
});
afterAll(() => h?.close());

describe('the spec itself', () => {
  it('DOMAIN.md table reads as expected (guards the parser)', () => {
    expect([...RULES.admin.may].sort()).toEqual(['agree contracts', 'register organisations', 'rename organisations', 'vary contracts']);
    expect(RULES.auditor.may.size).toBe(0);
    expect(RULES.csu.may).toContain('record responses to challenges');
    expect({ admin: RULES.admin.sees, csu: RULES.csu.sees, ccg: RULES.ccg.sees, auditor: RULES.auditor.sees }).toEqual({ admin: 'all', csu: 'csu', ccg: 'ccg', auditor: 'all' });
  });

  it('every action in the table has an endpoint, and every endpoint an action', () => {
    const inTable = new Set(ROLES.flatMap((r) => [...RULES[r].may]));
    expect([...new Set(COMMANDS.map((c) => c.action))].sort()).toEqual([...inTable].sort());
  });

  it.each(COMMANDS.map((c) => [c.route, c] as const))("API.md's role column agrees with DOMAIN.md: %s", (_route, c) => {
    expect(ROLES.filter((r) => RULES[r].may.has(c.action)).sort()).toEqual([...c.apiRoles].sort());
  });
});

describe('commands: role × endpoint × own/other organisation', () => {
  const cases = COMMANDS.flatMap((c) => ROLES.flatMap((role) => SCOPES.map((scope) => ({ c, role, scope, outcome: expectedFor(role, c, scope) }))));

  // A refusal changes nothing (checked below), so refused cases share one fixture per endpoint and organisation;
  // an allowed case gets fresh state so that it can succeed.
  const shared = new Map<string, Promise<Prepared>>();
  const fixture = (c: CommandEndpoint, scope: Scope, outcome: Outcome): Promise<Prepared> => {
    if (outcome === 'allowed') return c.prepare(scope);
    const key = `${c.route} ${scope}`;
    if (!shared.has(key)) shared.set(key, c.prepare(scope));
    return shared.get(key)!;
  };

  it.each(cases.map((x) => [`${x.c.route} as ${x.role}, ${x.scope} organisation → ${x.outcome}`, x] as const))('%s', async (_name, { c, role, scope, outcome }) => {
    const prepared = await fixture(c, scope, outcome);
    const token = await tokenOf(role);
    const before = await h.head();
    const r = await h.post(token, prepared.path, prepared.body);
    if (outcome === 'allowed') {
      expect(r.status, r.text).toBe(c.creates ? 201 : 200);
      expect(r.body.position).toEqual(expect.stringMatching(/^\d+$/));
      expect(await h.head()).toBeGreaterThan(before);
      return;
    }
    expectProblem(r, outcome === 'forbidden' ? 403 : 404, outcome === 'forbidden' ? 'forbidden' : 'not-found');
    expect(await h.head()).toBe(before);
    if (!prepared.names) return;
    // the refusal must not depend on whether the thing exists: same answer for one that does not
    const twin = missingTwin(prepared);
    const other = await h.post(token, twin.path, prepared.body);
    expect(other.status).toBe(r.status);
    const ids = [prepared.names.childId, prepared.names.contractId].filter((x): x is string => x !== undefined);
    expectNothingRevealed(r, ids, other, twin.ids);
    expect(await h.head()).toBe(before);
  });

  it('a role acts only for its own side: csu and ccg tokens of the other side of the same contract get 404', async () => {
    const before = await h.head();
    // 08J is the CCG of CON-A, so a csu token for 08J is nobody's CSU there; likewise ccg for 0AX
    const asCsuOfCcg = await h.post(await h.token('csu', '08J'), `/contracts/${CONTRACT.own}/deliveries`, { kpiId: 'K1', month: '2025-26-M02', deliveredOn: '2025-06-10' });
    expectProblem(asCsuOfCcg, 404, 'not-found');
    const asCcgOfCsu = await h.post(await h.token('ccg', '0AX'), `/contracts/${CONTRACT.own}/break-notices`, { businessDate: '2026-11-02' });
    expectProblem(asCcgOfCsu, 404, 'not-found');
    expectProblem(await h.get(await h.token('csu', '08J'), `/contracts/${CONTRACT.own}`), 404, 'not-found');
    expect(await h.head()).toBe(before);
  });
});

describe('queries: role × endpoint × own/other organisation', () => {
  // asOf/asAt take another code path (folding the log): the visibility rule must hold there too
  const TIME_TRAVEL = `?asOf=2025-06-30&asAt=${encodeURIComponent(FIXED_NOW)}`;
  const GETS: { route: string; path: (id: string) => string }[] = [
    { route: 'GET /contracts/{id}', path: (id) => `/contracts/${id}` },
    { route: 'GET /contracts/{id}?asOf&asAt', path: (id) => `/contracts/${id}${TIME_TRAVEL}` },
    { route: 'GET /contracts/{id}/performance/{quarter}', path: (id) => `/contracts/${id}/performance/2025-26-Q1` },
    { route: 'GET /contracts/{id}/performance/{quarter}?asOf&asAt', path: (id) => `/contracts/${id}/performance/2025-26-Q1${TIME_TRAVEL}` },
    { route: 'GET /contracts/{id}/settlements/{quarter}', path: (id) => `/contracts/${id}/settlements/2025-26-Q1` },
    { route: 'GET /contracts/{id}/settlements/{quarter}?asOf&asAt', path: (id) => `/contracts/${id}/settlements/2025-26-Q1${TIME_TRAVEL}` },
    { route: 'GET /contracts/{id}/extras', path: (id) => `/contracts/${id}/extras` },
    { route: 'GET /contracts/{id}/challenges', path: (id) => `/contracts/${id}/challenges` },
    { route: 'GET /contracts/{id}/history', path: (id) => `/contracts/${id}/history` },
    { route: 'GET /contracts/{id}/history?asOf&asAt', path: (id) => `/contracts/${id}/history${TIME_TRAVEL}` },
    { route: 'GET /contracts/{id}/settlements/{quarter}/statement', path: (id) => `/contracts/${id}/settlements/2025-26-Q1/statement` },
    { route: 'GET /contracts/{id}/settlements/{quarter}/reconciliation', path: (id) => `/contracts/${id}/settlements/2025-26-Q1/reconciliation` },
    { route: 'GET /contracts/{id}/settlements/{quarter}/what-if', path: (id) => `/contracts/${id}/settlements/2025-26-Q1/what-if` },
    { route: 'GET /contracts/{id}/break-clause', path: (id) => `/contracts/${id}/break-clause?servedOn=2025-08-31` },
    { route: 'GET /contracts/{id}/invoices', path: (id) => `/contracts/${id}/invoices` },
  ];
  const cases = GETS.flatMap((g) => ROLES.flatMap((role) => SCOPES.map((scope) => ({ g, role, scope, seen: visible(role, PARTIES[scope]) }))));

  it.each(cases.map((x) => [`${x.g.route} as ${x.role}, ${x.scope} organisation → ${x.seen ? 200 : 404}`, x] as const))('%s', async (_name, { g, role, scope, seen }) => {
    const token = await tokenOf(role);
    const id = CONTRACT[scope];
    const r = await h.get(token, g.path(id));
    if (seen) {
      expect(r.status, r.text).toBe(200);
      expect(r.body.contractId).toBe(id);
      return;
    }
    expectProblem(r, 404, 'not-found');
    expectNothingRevealed(r, [id], await h.get(token, g.path(MISSING_CONTRACT)), [MISSING_CONTRACT]);
  });

  it.each(ROLES)('GET /contracts lists exactly the contracts %s may see', async (role) => {
    const agreed = (await h.store.readAll())
      .filter((e) => e.type === 'ContractAgreed')
      .map((e) => e.data as { contractId: string; ccg: string; csu: string });
    const expected = agreed.filter((c) => visible(role, c)).map((c) => c.contractId);
    const listed = await allPages<{ contractId: string }>(h, await tokenOf(role), '/contracts', 7);
    expect(listed.map((c) => c.contractId).sort()).toEqual(expected.sort());
    // guard: the fixture really has both kinds, so "only its own" is not vacuous
    expect(expected.length).toBeGreaterThan(0);
    if (RULES[role].sees !== 'all') expect(expected).not.toContain(CONTRACT.other);
    else expect(expected.length).toBe(agreed.length);
  });

  // API.md: a commissioner's support spend. Admin, auditor and that commissioner only; anyone else 404.
  const spendCases = ROLES.flatMap((role) =>
    SCOPES.map((scope) => {
      const code = PARTIES[scope].ccg;
      const seen = role === 'admin' || role === 'auditor' || (role === 'ccg' && ORG[role] === code);
      return { role, scope, code, seen };
    }),
  );
  it.each(
    spendCases.flatMap((x) =>
      ['support-spend', 'payment-performance'].map((what) => [`GET /organisations/${x.code}/${what} as ${x.role} → ${x.seen ? 200 : 404}`, { ...x, what }] as const),
    ),
  )('%s', async (_name, { role, code, seen, what }) => {
    const token = await tokenOf(role);
    const r = await h.get(token, `/organisations/${code}/${what}?year=2025-26`);
    if (seen) {
      expect(r.status, r.text).toBe(200);
      return;
    }
    expectProblem(r, 404, 'not-found');
    // no more said than for a code that is not registered at all
    const twin = await h.get(token, `/organisations/ZZZ/${what}?year=2025-26`);
    expect(withoutIds(r.text, [code])).toBe(withoutIds(twin.text, ['ZZZ']));
    expect(withoutIds(r.text, [code])).not.toMatch(/1500000|2200/);
  });
});

describe('identity', () => {
  // a well-formed token signed with another key: what a forged or foreign token looks like
  let foreign: string;
  beforeAll(async () => {
    foreign = await signDevToken(new Uint8Array(32).fill(7), { sub: 'mallory', org: '0AX', roles: ['csu'] });
  });

  const commandPaths = COMMANDS.map((c) => c.route.replace('POST ', '').replace('{id}', c.route.includes('/extras/') ? 'CON-A.extra-000000000000' : c.route.includes('/challenges/') ? 'CON-A.challenge-000000000000' : 'CON-A').replace('{code}', '08J').replace('{quarter}', '2025-26-Q1'));
  const queryPaths = [
    '/contracts',
    '/contracts/CON-A',
    '/contracts/CON-A/performance/2025-26-Q1',
    '/contracts/CON-A/settlements/2025-26-Q1',
    '/contracts/CON-A/extras',
    '/contracts/CON-A/challenges',
    '/contracts/CON-A/history',
    '/organisations',
    '/organisations/08J/support-spend?year=2025-26',
  ];

  const expect401 = (r: Reply, code: 'missing-token' | 'invalid-token'): void => {
    expectProblem(r, 401, code);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
  };

  it.each(commandPaths)('POST %s: no token → 401 missing-token; bad token → 401 invalid-token; nothing stored', async (path) => {
    const before = await h.head();
    const body = { businessDate: '2025-06-01' };
    expect401(await h.post(undefined, path, body), 'missing-token');
    expect401(await h.post('not-a-jwt', path, body), 'invalid-token');
    expect401(await h.post(foreign, path, body), 'invalid-token');
    expect401(await h.post(undefined, path, body, { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } }), 'missing-token');
    expect(await h.head()).toBe(before);
  });

  it.each(queryPaths)('GET %s: no token → 401 missing-token; bad token → 401 invalid-token', async (path) => {
    expect401(await h.get(undefined, path), 'missing-token');
    expect401(await h.get('not-a-jwt', path), 'invalid-token');
    expect401(await h.get(foreign, path), 'invalid-token');
  });

  it('GET /health needs no token on either service', async () => {
    for (const base of [h.commandUrl, h.queryUrl]) {
      const res = await fetch(`${base}/health`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { status: string }).status).toBe('ok');
    }
  });
});
