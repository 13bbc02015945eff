// Bad input on every command endpoint, over real HTTP: each spoilt request is refused with a problem+json answer, a
// stable code and the right status, and NOTHING is stored (the store's head position does not move). Each endpoint's
// base request is one that succeeds (checked last), so every refusal is due to the one thing spoilt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@csu-ledger/domain';
import {
  ACT_ON,
  agreeContract,
  challengeBody,
  challengeIn,
  contractBody,
  extraBody,
  extraIn,
  fresh,
  must,
  netPayable,
  startInProcess,
  TODAY,
  type InProcess,
  type Json,
  type PostOptions,
  type Reply,
} from '../support/in-process.ts';

const PARTIES = { ccg: '08J', csu: '0AX' };
const ORG: Record<Role, string> = { admin: 'NHS', csu: PARTIES.csu, ccg: PARTIES.ccg, auditor: 'NAO' };
const CONTRACT = 'CON-A';
/** The day after the services' fixed today. */
const TOMORROW = '2026-11-25';
/**
 * A number literal JSON.stringify cannot write as such (2^53 + 1, 1e2, 100.0, 100.0000000000000001): the body carries
 * this marker string, and the text sent has the literal in its place (DOMAIN.md Limits: numbers are judged from the
 * request's text).
 */
const literal = (text: string): string => `__LITERAL_${text}__`;
const LITERAL = /"__LITERAL_([^"]*)__"/g;
const UNSAFE_MARKER = literal('9007199254740993');
/** DOMAIN.md Limits: 0 ≤ amount ≤ 100,000,000,000 pence. */
const MAX_AMOUNT = 100_000_000_000;

let h: InProcess;

interface Target {
  route: string;
  as: Role;
  /** Fresh state the base request succeeds on; returns its path and body. */
  setup: () => Promise<{ path: string; body: Json }>;
  creates?: boolean;
  /** The body field holding the command's business date. */
  date: 'businessDate' | 'deliveredOn';
  /** Whole pence, ≥ 0 (fractions, negatives, strings and huge values refused). */
  money?: string[];
  /** Other whole numbers (basis points, counts, months of notice). */
  integers?: string[];
  /** Financial months such as 2025-26-M01. */
  months?: string[];
  /** Free text that must not be empty. */
  texts?: string[];
  /** Names a KPI of the contract. */
  kpi?: boolean;
  /** Cases for this endpoint alone. */
  extra?: Case[];
}

interface Case {
  name: string;
  /** The spoilt body (object) or, with `raw`, text sent as is. */
  spoil: (body: Json) => { body?: unknown; options?: PostOptions; path?: (path: string) => string };
  status: number;
  code: string;
  /** The field `errors[]` must name. */
  field?: string;
  /** A known bug: the test documents the right answer and is expected to fail until it is fixed. */
  bug?: string;
}

const set = (field: string, value: unknown) => (body: Json) => ({ body: { ...body, [field]: value } });
const invalid = (name: string, field: string, value: unknown, code = 'validation-failed'): Case => ({ name, spoil: set(field, value), status: 400, code, field });

const genericCases = (t: Target): Case[] => [
  { name: 'malformed JSON', spoil: (b) => ({ options: { raw: JSON.stringify(b).slice(0, -1) } }), status: 400, code: 'malformed-json' },
  { name: 'JSON with a trailing comma', spoil: (b) => ({ options: { raw: `${JSON.stringify(b).slice(0, -1)},}` } }), status: 400, code: 'malformed-json' },
  { name: 'an array instead of an object', spoil: (b) => ({ body: [b] }), status: 400, code: 'validation-failed', field: '(body)' },
  { name: 'a bare string instead of an object', spoil: () => ({ options: { raw: '"businessDate"' } }), status: 400, code: 'malformed-json' },
  { name: 'text/plain content type', spoil: (b) => ({ options: { raw: JSON.stringify(b), contentType: 'text/plain' } }), status: 415, code: 'unsupported-media-type' },
  { name: 'form-encoded content type', spoil: () => ({ options: { raw: 'businessDate=2025-06-20', contentType: 'application/x-www-form-urlencoded' } }), status: 415, code: 'unsupported-media-type' },
  { name: 'an unknown field', spoil: set('colour', 'blue'), status: 400, code: 'validation-failed', field: 'colour' },
  { name: 'Idempotency-Key with a space', spoil: (b) => ({ body: b, options: { headers: { 'idempotency-key': 'two words' } } }), status: 400, code: 'validation-failed', field: 'Idempotency-Key' },
  { name: 'If-Match not a revision', spoil: (b) => ({ body: b, options: { headers: { 'if-match': 'latest' } } }), status: 400, code: 'validation-failed', field: 'If-Match' },
  { name: 'If-Match of a revision the stream is not at', spoil: (b) => ({ body: b, options: { headers: { 'if-match': '"999"' } } }), status: 412, code: 'precondition-failed' },
  invalid(`${t.date} as a number`, t.date, 20250620),
  invalid(`${t.date} empty`, t.date, ''),
  invalid(`${t.date} 2025-02-29 (not a leap year)`, t.date, '2025-02-29'),
  invalid(`${t.date} 2025-13-01`, t.date, '2025-13-01'),
  invalid(`${t.date} 2025-5-1 (not zero-padded)`, t.date, '2025-5-1'),
  invalid(`${t.date} 2025-06-20T00:00:00Z (an instant)`, t.date, '2025-06-20T00:00:00Z'),
  invalid(`${t.date} null`, t.date, null),
  invalid(`${t.date} tomorrow`, t.date, TOMORROW, 'business-date-in-future'),
  invalid(`${t.date} 9999-12-31`, t.date, '9999-12-31', 'business-date-in-future'),
  // DOMAIN.md Limits: nothing before 2000-04-01, no date that does not exist
  invalid(`${t.date} 2000-03-31 (before the ledger's first day)`, t.date, '2000-03-31'),
  invalid(`${t.date} 0000-01-01`, t.date, '0000-01-01'),
  invalid(`${t.date} 2025-02-30`, t.date, '2025-02-30'),
  ...(t.money ?? []).flatMap((f) => [
    invalid(`${f} as a string`, f, '100'),
    invalid(`${f} fractional (10.5)`, f, 10.5),
    invalid(`${f} negative`, f, -100),
    invalid(`${f} 1e300`, f, 1e300),
    invalid(`${f} MAX_SAFE_INTEGER + 2`, f, UNSAFE_MARKER),
    invalid(`${f} an array`, f, [100]),
    // DOMAIN.md Limits: at most £1bn, and judged from the text, not from the double it parses to
    invalid(`${f} 100,000,000,001 (above £1bn)`, f, MAX_AMOUNT + 1),
    invalid(`${f} 9007199254740991 (MAX_SAFE_INTEGER)`, f, Number.MAX_SAFE_INTEGER),
    invalid(`${f} 100.0000000000000001 (a double of 100)`, f, literal('100.0000000000000001')),
    invalid(`${f} 1e2`, f, literal('1e2')),
    invalid(`${f} 100.0`, f, literal('100.0')),
  ]),
  ...(t.integers ?? []).flatMap((f) => [
    invalid(`${f} as a string`, f, '5'),
    invalid(`${f} fractional`, f, 10.5),
    invalid(`${f} negative`, f, -1),
    invalid(`${f} 1e300`, f, 1e300),
    invalid(`${f} 1e1`, f, literal('1e1')),
    invalid(`${f} 10.0`, f, literal('10.0')),
  ]),
  ...(t.months ?? []).flatMap((f) => [
    invalid(`${f} 2025-26-M13`, f, '2025-26-M13'),
    invalid(`${f} 2025-27-M01 (not consecutive years)`, f, '2025-27-M01'),
    invalid(`${f} 2025-26-M1`, f, '2025-26-M1'),
    invalid(`${f} empty`, f, ''),
    invalid(`${f} 1999-00-M12 (before financial year 2000-01)`, f, '1999-00-M12'),
    invalid(`${f} 0000-01-M01`, f, '0000-01-M01'),
  ]),
  ...(t.texts ?? []).flatMap((f) => [
    invalid(`${f} empty`, f, ''),
    invalid(`${f} blank`, f, '   '),
    invalid(`${f} as a number`, f, 42),
    invalid(`${f} as an object`, f, { text: 'x' }),
    invalid(`${f} 10,001 characters`, f, 'x'.repeat(10_001)),
    invalid(`${f} 2,001 characters (DOMAIN.md Limits)`, f, 'x'.repeat(2_001)),
  ]),
  ...(t.kpi ? [invalid('kpiId unknown', 'kpiId', 'K9', 'unknown-kpi'), invalid('kpiId empty', 'kpiId', '')] : []),
  ...(t.extra ?? []),
];

const kpis = (weights: number[]) =>
  weights.map((weightBp, i) => ({ id: `K${i + 1}`, name: `KPI ${i + 1}`, serviceLine: 'finance', weightBp, targetBp: 9000, kind: 'measured' }));

const TARGETS: Target[] = [
  {
    route: 'POST /contracts',
    as: 'admin',
    creates: true,
    setup: () => Promise.resolve({ path: '/contracts', body: contractBody(fresh('C-'), PARTIES) }),
    date: 'businessDate',
    money: ['annualFeePence', 'gainShareCapPence'],
    integers: ['feeAtRiskBp', 'gainShareBp', 'breakNoticeMonths', 'trustResponseWorkingDays'],
    months: ['firstMonth', 'lastMonth'],
    extra: [
      { name: 'KPI weights summing to 9000', spoil: set('kpis', kpis([6000, 3000])), status: 400, code: 'invalid-input', field: 'kpis' },
      { name: 'KPI weights summing to 10001', spoil: set('kpis', kpis([7001, 3000])), status: 400, code: 'invalid-input', field: 'kpis' },
      invalid('no KPIs', 'kpis', []),
      invalid('kpis an object, not an array', 'kpis', { K1: {} }),
      invalid('a KPI an array, not an object', 'kpis', [[]]),
      {
        name: 'an unknown field inside a KPI',
        spoil: (b) => ({ body: { ...b, kpis: (b.kpis as Json[]).map((k, i) => (i === 0 ? { ...k, colour: 'blue' } : k)) } }),
        status: 400,
        code: 'validation-failed',
        field: 'kpis.0.colour',
      },
      { name: 'a KPI weight fractional', spoil: (b) => ({ body: { ...b, kpis: (b.kpis as Json[]).map((k, i) => (i === 0 ? { ...k, weightBp: 3999.5 } : k)) } }), status: 400, code: 'validation-failed', field: 'kpis.0.weightBp' },
      { name: 'a KPI target above 10000 bp', spoil: (b) => ({ body: { ...b, kpis: (b.kpis as Json[]).map((k, i) => (i === 0 ? { ...k, targetBp: 10_001 } : k)) } }), status: 400, code: 'validation-failed', field: 'kpis.0.targetBp' },
      invalid('feeAtRiskBp above 10000', 'feeAtRiskBp', 10_001),
      invalid('ccg not an ODS-style code', 'ccg', 'kingston'),
      invalid('csu empty', 'csu', ''),
      invalid('vehicle unknown', 'vehicle', 'handshake'),
      { name: 'ccg and csu the same', spoil: set('csu', PARTIES.ccg), status: 400, code: 'invalid-input', field: 'csu' },
      { name: 'lastMonth before firstMonth', spoil: set('lastMonth', '2024-25-M12'), status: 400, code: 'invalid-input', field: 'lastMonth' },
      invalid('contractId with a dot', 'contractId', 'A.B'),
    ],
  },
  {
    route: 'POST /organisations',
    as: 'admin',
    creates: true,
    setup: () => Promise.resolve({ path: '/organisations', body: { businessDate: '2013-04-01', code: fresh('Q'), name: 'NHS Somewhere ICB', kind: 'ccg', population: 500_000, runningCostAllowancePencePerHead: 2500 } }),
    date: 'businessDate',
    money: ['runningCostAllowancePencePerHead'],
    integers: ['population'],
    texts: ['name'],
    extra: [invalid('kind unknown', 'kind', 'hospital'), invalid('code too short', 'code', 'AB'), invalid('code lower case', 'code', 'q1234'), invalid('code a number', 'code', 123)],
  },
  {
    route: 'POST /organisations/{code}/renaming',
    as: 'admin',
    setup: () => Promise.resolve({ path: `/organisations/${PARTIES.ccg}/renaming`, body: { businessDate: '2022-07-01', name: 'NHS South West London ICB (Kingston place)' } }),
    date: 'businessDate',
    texts: ['name'],
  },
  {
    route: 'POST /contracts/{id}/variations',
    as: 'admin',
    setup: async () => ({ path: `/contracts/${await agreeContract(h, PARTIES)}/variations`, body: { businessDate: '2025-06-01', effectiveQuarter: '2025-26-Q3', annualFeePence: 170_000_000 } }),
    date: 'businessDate',
    money: ['annualFeePence'],
    extra: [
      invalid('effectiveQuarter 2025-26-Q5', 'effectiveQuarter', '2025-26-Q5'),
      invalid('effectiveQuarter a month', 'effectiveQuarter', '2025-26-M07'),
      invalid('effectiveQuarter 1999-00-Q4 (before financial year 2000-01)', 'effectiveQuarter', '1999-00-Q4'),
      invalid('gainShareCapPence above £1bn', 'gainShareCapPence', MAX_AMOUNT + 1),
      { name: 'effectiveQuarter not later than the business date', spoil: set('effectiveQuarter', '2025-26-Q1'), status: 400, code: 'invalid-variation', field: 'effectiveQuarter' },
      { name: 'KPI weights summing to 9999', spoil: set('kpis', kpis([5000, 4999])), status: 400, code: 'invalid-input', field: 'kpis' },
      invalid('feeAtRiskBp fractional', 'feeAtRiskBp', 1000.5),
    ],
  },
  {
    route: 'POST /contracts/{id}/break-notices',
    as: 'csu',
    setup: async () => ({ path: `/contracts/${await agreeContract(h, PARTIES)}/break-notices`, body: { businessDate: '2026-11-02' } }),
    date: 'businessDate',
  },
  {
    route: 'POST /contracts/{id}/deliveries',
    as: 'csu',
    setup: () => Promise.resolve({ path: `/contracts/${CONTRACT}/deliveries`, body: { kpiId: 'K1', month: '2025-26-M02', deliveredOn: '2025-06-10', reference: 'K1-M02' } }),
    date: 'deliveredOn',
    months: ['month'],
    texts: ['reference'],
    kpi: true,
    extra: [
      { name: 'businessDate other than deliveredOn', spoil: set('businessDate', '2025-06-11'), status: 400, code: 'validation-failed', field: 'businessDate' },
      { name: 'a measured KPI', spoil: set('kpiId', 'K3'), status: 400, code: 'wrong-kpi-kind', field: 'kpiId' },
      { name: 'deliveredOn before the month it is for', spoil: set('deliveredOn', '2025-04-30'), status: 400, code: 'invalid-input', field: 'deliveredOn' },
    ],
  },
  {
    route: 'POST /contracts/{id}/rejections',
    as: 'ccg',
    setup: async () => {
      must(await h.post(await h.token('csu', PARTIES.csu), `/contracts/${CONTRACT}/deliveries`, { kpiId: 'K2', month: '2025-26-M03', deliveredOn: '2025-07-09' }));
      return { path: `/contracts/${CONTRACT}/rejections`, body: { businessDate: '2025-07-15', kpiId: 'K2', month: '2025-26-M03', reason: 'the pack omits the month-end accruals' } };
    },
    date: 'businessDate',
    months: ['month'],
    texts: ['reason'],
    kpi: true,
  },
  {
    route: 'POST /contracts/{id}/measurements',
    as: 'csu',
    setup: () => Promise.resolve({ path: `/contracts/${CONTRACT}/measurements`, body: { businessDate: '2025-05-02', kpiId: 'K3', month: '2025-26-M01', achievedBp: 9600, note: 'from the press log' } }),
    date: 'businessDate',
    integers: ['achievedBp'],
    months: ['month'],
    texts: ['note'],
    kpi: true,
    extra: [invalid('achievedBp above 10000', 'achievedBp', 10_001), { name: 'a deliverable KPI', spoil: set('kpiId', 'K1'), status: 400, code: 'wrong-kpi-kind', field: 'kpiId' }],
  },
  {
    route: 'POST /contracts/{id}/settlements/{quarter}/approval',
    as: 'ccg',
    setup: async () => {
      const id = await agreeContract(h, PARTIES);
      return { path: `/contracts/${id}/settlements/2025-26-Q1/approval`, body: { businessDate: '2025-07-01', netPayablePence: await netPayable(h, id, '2025-26-Q1') } };
    },
    date: 'businessDate',
    // N = F − W + G + X with W ≤ F is never negative, so a negative figure is invalid input (API.md: 400), not a
    // stale one; and it is an amount like any other (DOMAIN.md Limits).
    money: ['netPayablePence'],
    extra: [
      invalid('netPayablePence 36000000.0000000001 (a double of 36000000)', 'netPayablePence', literal('36000000.0000000001')),
      {
        name: 'quarter in the path 2025-26-Q5',
        spoil: (b) => ({ body: b, path: (p) => p.replace('2025-26-Q1', '2025-26-Q5') }),
        status: 400,
        code: 'validation-failed',
        field: 'quarter',
      },
    ],
  },
  {
    route: 'POST /contracts/{id}/extras',
    as: 'csu',
    creates: true,
    setup: () => Promise.resolve({ path: `/contracts/${CONTRACT}/extras`, body: extraBody() }),
    date: 'businessDate',
    money: ['amountPence'],
    texts: ['description', 'serviceLine', 'requestedBy'],
    extra: [invalid('amountPence 0', 'amountPence', 0)],
  },
  { route: 'POST /extras/{id}/accept', as: 'ccg', setup: extraSetup('awaiting-ccg', 'accept', { businessDate: ACT_ON }), date: 'businessDate' },
  {
    route: 'POST /extras/{id}/dispute',
    as: 'ccg',
    setup: extraSetup('awaiting-ccg', 'dispute', { businessDate: ACT_ON, reason: 'amount-excessive', detail: 'two days at most' }),
    date: 'businessDate',
    texts: ['detail'],
    extra: [invalid('reason unknown', 'reason', 'because'), invalid('reason missing', 'reason', undefined)],
  },
  {
    route: 'POST /extras/{id}/revise',
    as: 'csu',
    setup: extraSetup('disputed', 'revise', { businessDate: ACT_ON, amountPence: 1_200_000, detail: 'two days at day rate' }),
    date: 'businessDate',
    money: ['amountPence'],
    texts: ['detail'],
    extra: [invalid('amountPence 0', 'amountPence', 0)],
  },
  { route: 'POST /extras/{id}/withdraw', as: 'csu', setup: extraSetup('disputed', 'withdraw', { businessDate: ACT_ON }), date: 'businessDate' },
  { route: 'POST /extras/{id}/resolve', as: 'ccg', setup: extraSetup('disputed', 'resolve', { businessDate: ACT_ON, agreedPence: 900_000 }), date: 'businessDate', money: ['agreedPence'] },
  { route: 'POST /extras/{id}/escalate', as: 'ccg', setup: extraSetup('disputed', 'escalate', { businessDate: ACT_ON, detail: 'to formal dispute resolution' }), date: 'businessDate', texts: ['detail'] },
  {
    route: 'POST /contracts/{id}/challenges',
    as: 'csu',
    creates: true,
    setup: () => Promise.resolve({ path: `/contracts/${CONTRACT}/challenges`, body: { ...challengeBody(), phase: 'first' } }),
    date: 'businessDate',
    money: ['valuePence'],
    integers: ['activityLines'],
    months: ['activityMonth'],
    extra: [
      invalid('valuePence 0', 'valuePence', 0),
      invalid('activityLines 0', 'activityLines', 0),
      invalid('category unknown', 'category', 'vibes'),
      invalid('phase unknown', 'phase', 'final'),
      invalid('trust lower case', 'trust', 'rax'),
      invalid('trust too long', 'trust', 'RAX123'),
      invalid('trust empty', 'trust', ''),
    ],
  },
  {
    route: 'POST /challenges/{id}/responses',
    as: 'csu',
    setup: challengeSetup('responses', { businessDate: ACT_ON, acceptedPence: 2_000_000, rejectedPence: 1_000_000 }),
    date: 'businessDate',
    money: ['acceptedPence', 'rejectedPence'],
  },
  { route: 'POST /challenges/{id}/escalate', as: 'csu', setup: challengeSetup('escalate', { businessDate: ACT_ON, detail: 'after reconciliation' }), date: 'businessDate', texts: ['detail'] },
  { route: 'POST /challenges/{id}/resolve', as: 'csu', setup: challengeSetup('resolve', { businessDate: ACT_ON, recoveredPence: 3_000_000 }), date: 'businessDate', money: ['recoveredPence'] },
  { route: 'POST /challenges/{id}/withdraw', as: 'csu', setup: challengeSetup('withdraw', { businessDate: ACT_ON }), date: 'businessDate' },
];

function extraSetup(state: 'awaiting-ccg' | 'disputed', verb: string, body: Json): Target['setup'] {
  return async () => ({ path: `/extras/${await extraIn(h, CONTRACT, PARTIES, state)}/${verb}`, body });
}
function challengeSetup(verb: string, body: Json): Target['setup'] {
  return async () => ({ path: `/challenges/${await challengeIn(h, CONTRACT, PARTIES, 'raised')}/${verb}`, body });
}

interface FieldProblem {
  path: string;
  message: string;
}

/**
 * Does `errors[]` point at `field`? Its own path or one inside it, or (for an unknown key, which zod reports on the object holding
 * it) the holder's path with the key named in the message.
 */
const namesField = (errors: FieldProblem[], field: string): boolean => {
  const cut = field.lastIndexOf('.');
  const holder = cut < 0 ? '(body)' : field.slice(0, cut);
  const key = field.slice(cut + 1);
  return errors.some((e) => e.path === field || e.path.startsWith(`${field}.`) || (e.path === holder && e.message.includes(`"${key}"`)));
};

const send = async (t: Target, path: string, body: Json, c: Case): Promise<Reply> => {
  const spoilt = c.spoil(body);
  let raw = spoilt.options?.raw;
  if (raw === undefined && spoilt.body !== undefined) raw = JSON.stringify(spoilt.body).replace(LITERAL, '$1');
  // the path is input too: a case may spoil it instead of the body
  return h.post(await h.token(t.as, ORG[t.as]), spoilt.path?.(path) ?? path, undefined, { ...spoilt.options, ...(raw === undefined ? {} : { raw }) });
};

beforeAll(async () => {
  h = await startInProcess();
  const admin = await h.token('admin', 'NHS');
  must(await h.post(admin, '/organisations', { businessDate: '2013-04-01', code: PARTIES.ccg, name: 'NHS Kingston CCG', kind: 'ccg', population: 180_000, runningCostAllowancePencePerHead: 2500 }));
  await agreeContract(h, PARTIES, CONTRACT);
});
afterAll(() => h?.close());

describe.each(TARGETS.map((t) => [t.route, t] as const))('%s', (_route, t) => {
  let path: string;
  let body: Json;
  beforeAll(async () => {
    ({ path, body } = await t.setup());
  });

  const cases = genericCases(t);
  for (const c of cases) {
    const test = c.bug ? it.fails : it;
    test(`${c.name} → ${c.status} ${c.code}, nothing stored${c.bug ? ` (BUG: ${c.bug})` : ''}`, async () => {
      const before = await h.head();
      const r = await send(t, path, body, c);
      expect(await h.head(), 'something was stored').toBe(before);
      expect(r.status, r.text).toBe(c.status);
      expect(r.contentType).toMatch(/^application\/problem\+json/);
      expect(r.body).toMatchObject({ status: c.status, code: c.code, type: expect.stringContaining(c.code) as unknown });
      if (c.field !== undefined) {
        const errors = (r.body.errors ?? []) as FieldProblem[];
        expect(namesField(errors, c.field), `errors[] should name ${c.field}: ${JSON.stringify(errors)}`).toBe(true);
      }
    });
  }

  // Last: the unspoilt request succeeds, so each refusal above was caused by the one thing spoilt.
  it('the unspoilt request it was spoilt from is accepted', async () => {
    const before = await h.head();
    const r = await h.post(await h.token(t.as, ORG[t.as]), path, body);
    expect(r.status, r.text).toBe(t.creates ? 201 : 200);
    expect(await h.head()).toBeGreaterThan(before);
  });
});

// DOMAIN.md Limits at their edges: the bounds themselves are accepted, so the refusals above are of what lies beyond.
describe('the Limits themselves are accepted', () => {
  it('an amount of exactly £1bn, a contract from 2000-01-M01 agreed on 2000-04-01, an organisation registered that day', async () => {
    const admin = await h.token('admin', 'NHS');
    must(await h.post(await h.token('csu', PARTIES.csu), `/contracts/${CONTRACT}/extras`, { ...extraBody(), amountPence: MAX_AMOUNT }));
    const early = { ...contractBody(fresh('C-'), PARTIES), businessDate: '2000-04-01', firstMonth: '2000-01-M01', lastMonth: '2000-01-M12', annualFeePence: MAX_AMOUNT, gainShareCapPence: MAX_AMOUNT };
    must(await h.post(admin, '/contracts', early));
    must(await h.post(admin, '/organisations', { businessDate: '2000-04-01', code: fresh('E'), name: 'NHS Early CCG', kind: 'ccg' }));
  });

  it('an amount with spaces around it in the JSON text is read exactly', async () => {
    const r = must(await h.post(await h.token('csu', PARTIES.csu), `/contracts/${CONTRACT}/extras`, undefined, { raw: JSON.stringify(extraBody()).replace('"amountPence":1850000', '"amountPence" :  1850000 ') }));
    expect(r.status).toBe(201);
  });
});

// API.md: `errors` lists field problems; an unknown key is reported at its own path so a client can point at it.
it('reports an unknown field at its own path in errors[]', async () => {
  const before = await h.head();
  const r = await h.post(await h.token('csu', PARTIES.csu), `/contracts/${CONTRACT}/extras`, { ...extraBody(), colour: 'blue' });
  expect(await h.head()).toBe(before);
  expect(r.status).toBe(400);
  expect((r.body.errors as FieldProblem[]).map((e) => e.path)).toContain('colour');
});

describe('refusals by the rules (409) store nothing', () => {
  const csu = () => h.token('csu', PARTIES.csu);
  const ccg = () => h.token('ccg', PARTIES.ccg);
  const admin = () => h.token('admin', 'NHS');

  const refused = async (token: string, path: string, body: Json, code: string): Promise<void> => {
    const before = await h.head();
    const r = await h.post(token, path, body);
    expect(r.status, r.text).toBe(409);
    expect(r.contentType).toMatch(/^application\/problem\+json/);
    expect(r.body.code).toBe(code);
    expect(await h.head()).toBe(before);
  };

  it('accepting an accepted extra → transition-not-allowed', async () => {
    const id = await extraIn(h, CONTRACT, PARTIES, 'accepted');
    await refused(await ccg(), `/extras/${id}/accept`, { businessDate: ACT_ON }, 'transition-not-allowed');
    await refused(await ccg(), `/extras/${id}/dispute`, { businessDate: ACT_ON, reason: 'other' }, 'transition-not-allowed');
    await refused(await csu(), `/extras/${id}/withdraw`, { businessDate: ACT_ON }, 'transition-not-allowed');
  });

  it('revising or escalating an extra the CCG has not answered → transition-not-allowed', async () => {
    const id = await extraIn(h, CONTRACT, PARTIES, 'awaiting-ccg');
    await refused(await csu(), `/extras/${id}/revise`, { businessDate: ACT_ON, amountPence: 1 }, 'transition-not-allowed');
    await refused(await csu(), `/extras/${id}/escalate`, { businessDate: ACT_ON }, 'transition-not-allowed');
    await refused(await ccg(), `/extras/${id}/resolve`, { businessDate: ACT_ON, agreedPence: 1 }, 'transition-not-allowed');
  });

  it('after escalation only resolve or withdraw: revising → transition-not-allowed; resolving above the claim → amount-exceeds-claim', async () => {
    const id = await extraIn(h, CONTRACT, PARTIES, 'escalated');
    await refused(await csu(), `/extras/${id}/revise`, { businessDate: ACT_ON, amountPence: 1 }, 'transition-not-allowed');
    await refused(await ccg(), `/extras/${id}/escalate`, { businessDate: ACT_ON }, 'transition-not-allowed');
    await refused(await ccg(), `/extras/${id}/resolve`, { businessDate: ACT_ON, agreedPence: 1_850_001 }, 'amount-exceeds-claim');
  });

  it('a withdrawn challenge takes no response, escalation, resolution or second withdrawal', async () => {
    const id = await challengeIn(h, CONTRACT, PARTIES, 'withdrawn');
    const token = await csu();
    await refused(token, `/challenges/${id}/responses`, { businessDate: ACT_ON, acceptedPence: 1, rejectedPence: 1 }, 'transition-not-allowed');
    await refused(token, `/challenges/${id}/escalate`, { businessDate: ACT_ON }, 'transition-not-allowed');
    await refused(token, `/challenges/${id}/resolve`, { businessDate: ACT_ON, recoveredPence: 1 }, 'transition-not-allowed');
    await refused(token, `/challenges/${id}/withdraw`, { businessDate: ACT_ON }, 'transition-not-allowed');
  });

  it('recovering or answering more than was challenged → amount-exceeds-challenge', async () => {
    const id = await challengeIn(h, CONTRACT, PARTIES, 'raised');
    await refused(await csu(), `/challenges/${id}/resolve`, { businessDate: ACT_ON, recoveredPence: 4_000_001 }, 'amount-exceeds-challenge');
    await refused(await csu(), `/challenges/${id}/responses`, { businessDate: ACT_ON, acceptedPence: 3_000_000, rejectedPence: 1_000_001 }, 'amount-exceeds-challenge');
  });

  it('rejecting with no delivery → nothing-to-reject; twice → nothing-to-reject', async () => {
    await refused(await ccg(), `/contracts/${CONTRACT}/rejections`, { businessDate: '2025-09-15', kpiId: 'K1', month: '2025-26-M05', reason: 'late' }, 'nothing-to-reject');
    must(await h.post(await csu(), `/contracts/${CONTRACT}/deliveries`, { kpiId: 'K1', month: '2025-26-M06', deliveredOn: '2025-10-10' }));
    must(await h.post(await ccg(), `/contracts/${CONTRACT}/rejections`, { businessDate: '2025-10-15', kpiId: 'K1', month: '2025-26-M06', reason: 'incomplete' }));
    await refused(await ccg(), `/contracts/${CONTRACT}/rejections`, { businessDate: '2025-10-16', kpiId: 'K1', month: '2025-26-M06', reason: 'still incomplete' }, 'nothing-to-reject');
  });

  it('a second break notice → break-notice-already-served', async () => {
    const id = await agreeContract(h, PARTIES);
    must(await h.post(await ccg(), `/contracts/${id}/break-notices`, { businessDate: '2026-10-01' }));
    await refused(await csu(), `/contracts/${id}/break-notices`, { businessDate: '2026-10-02' }, 'break-notice-already-served');
  });

  it('registering a registered organisation, or agreeing an existing contract id → already-exists', async () => {
    await refused(await admin(), '/organisations', { businessDate: '2013-04-01', code: PARTIES.ccg, name: 'Again', kind: 'ccg' }, 'already-exists');
    await refused(await admin(), '/contracts', contractBody(CONTRACT, PARTIES), 'already-exists');
  });

  it('approvals: stale figure, quarter not ended, earlier quarter open, then a closed quarter refuses deliveries', async () => {
    const id = await agreeContract(h, PARTIES);
    const seen = await netPayable(h, id, '2025-26-Q1');
    const approval = (quarter: string) => `/contracts/${id}/settlements/${quarter}/approval`;
    await refused(await ccg(), approval('2025-26-Q1'), { businessDate: '2025-07-01', netPayablePence: seen + 1 }, 'stale-settlement');
    // FIXED_NOW (2026-11-24) lies in 2026-27-Q3
    await refused(await ccg(), approval('2026-27-Q3'), { businessDate: TODAY, netPayablePence: 0 }, 'quarter-not-ended');
    await refused(await ccg(), approval('2025-26-Q2'), { businessDate: '2025-10-01', netPayablePence: 0 }, 'earlier-quarter-open');
    must(await h.post(await ccg(), approval('2025-26-Q1'), { businessDate: '2025-07-01', netPayablePence: seen }));
    await refused(await ccg(), approval('2025-26-Q1'), { businessDate: '2025-07-02', netPayablePence: seen }, 'quarter-closed');
    await refused(await csu(), `/contracts/${id}/deliveries`, { kpiId: 'K1', month: '2025-26-M02', deliveredOn: '2025-06-10' }, 'quarter-closed');
    await refused(await csu(), `/contracts/${id}/measurements`, { businessDate: '2025-05-02', kpiId: 'K3', month: '2025-26-M01', achievedBp: 9600 }, 'quarter-closed');
  });

  it('a measurement for a month outside the term → outside-term', async () => {
    await refused(await csu(), `/contracts/${CONTRACT}/measurements`, { businessDate: '2025-05-02', kpiId: 'K3', month: '2028-29-M01', achievedBp: 9600 }, 'outside-term');
  });
});

// Business dates that the contract's own history rules out. Each is stored today (200/201); each on a fresh contract,
// since what gets stored would otherwise spoil the shared one. DOMAIN.md: a business date is "when it happened".
describe('dates the contract history makes impossible are refused and store nothing', () => {
  const refusedAsInput = async (role: Role, path: string, body: Json): Promise<void> => {
    const before = await h.head();
    const r = await h.post(await h.token(role, ORG[role]), path, body);
    expect(await h.head(), `stored: ${r.status} ${r.text}`).toBe(before);
    expect(r.status).toBe(400);
    expect(r.contentType).toMatch(/^application\/problem\+json/);
    expect(['invalid-input', 'validation-failed']).toContain(r.body.code);
  };

  // The worst of these: a notice backdated before the agreement (2025-03-20) sets termEndMonth to 2010-11-M01, so
  // every quarter's fee becomes 0 (2025-26-Q1 net payable 36,000,000p -> 0) and deliveries are refused outside-term.
  it('refuses a break notice dated before the contract was agreed', async () => {
    await refusedAsInput('ccg', `/contracts/${await agreeContract(h, PARTIES)}/break-notices`, { businessDate: '2010-01-01' });
  });
  it('refuses a variation agreed before the contract was agreed', async () => {
    await refusedAsInput('admin', `/contracts/${await agreeContract(h, PARTIES)}/variations`, { businessDate: '2010-01-01', effectiveQuarter: '2025-26-Q2', feeAtRiskBp: 500 });
  });
  it('refuses an extra raised before the contract was agreed', async () => {
    await refusedAsInput('csu', `/contracts/${await agreeContract(h, PARTIES)}/extras`, { ...extraBody(), businessDate: '2010-01-01' });
  });
  it('refuses a challenge raised before the contract was agreed', async () => {
    await refusedAsInput('csu', `/contracts/${await agreeContract(h, PARTIES)}/challenges`, { ...challengeBody(), businessDate: '2010-01-01' });
  });
  // Deliveries refuse a date before their month starts (contract/decide.ts deliver); measurements have no such check.
  it('refuses a measurement for a month that has not begun (2027-28-M06 reported on 2026-11-24)', async () => {
    await refusedAsInput('csu', `/contracts/${await agreeContract(h, PARTIES)}/measurements`, { businessDate: TODAY, kpiId: 'K3', month: '2027-28-M06', achievedBp: 9000 });
  });
  it('refuses a measurement dated before the month it measures', async () => {
    await refusedAsInput('csu', `/contracts/${await agreeContract(h, PARTIES)}/measurements`, { businessDate: '2025-04-01', kpiId: 'K3', month: '2025-26-M06', achievedBp: 9000 });
  });
  it('refuses a challenge of activity in a month that has not begun (2030-31-M01)', async () => {
    await refusedAsInput('csu', `/contracts/${await agreeContract(h, PARTIES)}/challenges`, { ...challengeBody(), activityMonth: '2030-31-M01' });
  });
});
