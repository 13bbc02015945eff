// Issue 9, item 6: a fuzzer whose oracle is the specification, not the code. fuzz.int.test.ts builds its invalid
// input by filtering with the domain's own validators, so a validator that wrongly accepts (an amount of 2^53, a date
// before 2000, `100.0000000000000001` read as 100) passes it unseen. Here every command body is built as JSON text
// from the shapes API.md lists, one field at a time replaced by a value drawn without regard to validity (integers in
// and out of 0..100,000,000,000, fractions, exponents, strings, impossible and future dates, months and quarters of
// every shape, codes, text over 2,000 characters) or a field dropped or added; test/support/spec-limits.ts judges it
// from DOMAIN.md's Limits alone. Properties: an invalid body is answered 400 with a stable code and stores nothing;
// a valid one is never answered 5xx. Bodies go as raw text, so number literals reach the services as written.
// LEDGER_NIGHTLY=1 sends twenty times as many; LEDGER_FUZZ_SEED=<n> replays a run.
import { Agent, request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@csu-ledger/domain';
import {
  agreeContract,
  challengeIn,
  extraIn,
  must,
  startInProcess,
  TODAY,
  type InProcess,
} from '../support/in-process.ts';
import {
  judgeAll,
  judgeAmount,
  judgeBp,
  judgeCount,
  judgeDate,
  judgeEnum,
  judgeMonth,
  judgeOrgCode,
  judgeQuarter,
  judgeText,
  MAX_PENCE,
  type Verdict,
} from '../support/spec-limits.ts';

const NIGHTLY = process.env.LEDGER_NIGHTLY === '1';
const BATCH = 40;
const BATCHES = NIGHTLY ? 500 : 25;
const CONCURRENCY = 8;
const SEED =
  process.env.LEDGER_FUZZ_SEED === undefined
    ? (Date.now() ^ (process.pid << 16)) | 0
    : Number(process.env.LEDGER_FUZZ_SEED);
const PARTIES = { ccg: '08J', csu: '0AX' };
const CONTRACT = 'CON-L';

// ---- Values as JSON text, drawn without regard to validity: the oracle decides.
const json = (v: unknown): string => JSON.stringify(v);
const notAScalar = fc.constantFrom('null', 'true', 'false', '[]', '{}', '[1]', '{"value":1}', '""');
const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));

/** Amounts: in and around 0..100,000,000,000, beyond it, fractions, exponents, strings, huge literals. */
const amountText: fc.Arbitrary<string> = fc.oneof(
  fc.bigInt({ min: 0n, max: MAX_PENCE }).map(String),
  fc.constantFrom('0', '1', '99999999999', '100000000000', '100000000001', '9007199254740991', '9007199254740993'),
  fc.bigInt({ min: MAX_PENCE + 1n, max: 10n ** 40n }).map(String),
  fc.bigInt({ min: -(10n ** 12n), max: -1n }).map(String),
  fc.tuple(fc.bigInt({ min: 0n, max: MAX_PENCE }), digits(1, 20)).map(([i, f]) => `${i}.${f}`),
  fc.constantFrom('100.0', '100.0000000000000001', '99.99999999999999999', '1.5', '0.0', '-0.0', '-0'),
  fc
    .tuple(fc.integer({ min: 0, max: 99 }), fc.constantFrom('e', 'E', 'e+', 'e-'), fc.integer({ min: 0, max: 30 }))
    .map(([m, e, x]) => `${m}${e}${x}`),
  fc.bigInt({ min: 0n, max: MAX_PENCE * 2n }).map((n) => json(String(n))),
  notAScalar,
);

/** Basis points: in and around 0..10000, fractions, exponents, strings. */
const bpText: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 0, max: 10_000 }).map(String),
  fc.integer({ min: -20_000, max: 20_000 }).map(String),
  fc.constantFrom('10001', '-1', '9500.5', '9500.0', '95e2', '1e4', '"9500"', '1e400'),
  notAScalar,
);

/** Counts: whole numbers and what is not. */
const countText: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -5, max: 300 }).map(String),
  fc.constantFrom('2.5', '3.0', '1e1', '"3"', '-0'),
  notAScalar,
);

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
/** Dates: days that exist and do not, around 2000-04-01 and today, and not dates at all. */
const dateText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({
        y: fc.integer({ min: 1995, max: 2032 }),
        m: fc.integer({ min: 0, max: 13 }),
        d: fc.integer({ min: 0, max: 32 }),
      })
      .map(({ y, m, d }) => json(`${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`)),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        y: fc.integer({ min: 1999, max: 2027 }),
        m: fc.integer({ min: 1, max: 12 }),
        d: fc.integer({ min: 1, max: 28 }),
      })
      .map(({ y, m, d }) => json(`${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`)),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      ...[
        '2000-04-01',
        '2000-03-31',
        '1999-12-31',
        '0000-01-01',
        '0000-01-03',
        '2000-02-29',
        '1900-02-29',
        '2024-02-29',
        '2025-02-29',
        '2025-02-30',
        '2025-04-31',
        '2025-06-31',
        '2026-11-24',
        '2026-11-25',
        '2026-12-01',
        '2027-01-01',
        '9999-12-31',
        '2025-6-1',
        '20250601',
        '2025-06-01T00:00:00Z',
        ' 2025-06-01',
        '2025-06-01 ',
        '+002025-06-01',
        '2025/06/01',
        '01-06-2025',
        '',
        '2025-06',
        '２０２５-06-01',
      ].map(json),
    ),
  },
  { weight: 1, arbitrary: fc.oneof(notAScalar, fc.constantFrom('20250601', '2025')) },
);

/** Financial months and quarters: right and wrong years, numbers, case and padding. */
const fyText = (letter: 'M' | 'Q', max: number): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .record({
          y: fc.integer({ min: 1995, max: 2040 }),
          next: fc.oneof(
            { weight: 4, arbitrary: fc.constant(1) },
            { weight: 1, arbitrary: fc.integer({ min: -1, max: 3 }) },
          ),
          n: fc.integer({ min: 0, max: max + 2 }),
        })
        .map(({ y, next, n }) =>
          json(`${pad(y, 4)}-${pad((y + next) % 100, 2)}-${letter}${pad(n, letter === 'M' ? 2 : 1)}`),
        ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        ...(letter === 'M'
          ? ['2025-26-M1', '2025-26-m01', '2025-M01', '2025-26-Q1', '1999-00-M12', '2000-01-M01', '2099-00-M01', '']
          : ['2025-26-q1', '2025-26-M01', '1999-00-Q4', '2000-01-Q1', '2099-00-Q1', '2025-26-Q01', '']
        ).map(json),
      ),
    },
    { weight: 1, arbitrary: notAScalar },
  );

/** Codes: letters and digits of every length, other characters, case. */
const orgText: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9]{0,7}$/).map(json),
  fc.stringMatching(/^[A-Z0-9]{3,5}$/).map(json),
  fc.constantFrom('R-X', 'RA X', 'ＲＡＸ', 'RAX\u0000', ' RAX', '08J.', 'R\u0301AX').map(json),
  notAScalar,
);

/** Free text: short, blank, at and over 2,000 characters, not text at all. */
const freeText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 40 }).map((s) => json(`t${s}`)) },
  { weight: 2, arbitrary: fc.integer({ min: 2_001, max: 2_200 }).map((n) => json('x'.repeat(n))) },
  { weight: 1, arbitrary: fc.constantFrom(json('x'.repeat(2_000)), json('x'.repeat(1_500)), json(''), json('   ')) },
  { weight: 1, arbitrary: notAScalar },
);

const enumText = (values: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(...values).map(json),
    fc.constantFrom(...values).map((v) => json(v.toUpperCase())),
    fc.constantFrom(...values).map((v) => json(` ${v}`)),
    fc.string({ maxLength: 20 }).map(json),
    notAScalar,
  );

// ---- Fields and commands, from API.md's tables.
interface Field {
  values: fc.Arbitrary<string>;
  judge: (text: string) => Verdict;
}
const amount: Field = { values: amountText, judge: judgeAmount };
const bp: Field = { values: bpText, judge: judgeBp };
const count: Field = { values: countText, judge: judgeCount };
/** A business date or a delivered-on date: not after today in England. */
const businessDate: Field = { values: dateText, judge: (t) => judgeDate(t, TODAY) };
const month: Field = { values: fyText('M', 12), judge: judgeMonth };
const quarter: Field = { values: fyText('Q', 4), judge: judgeQuarter };
const org: Field = { values: orgText, judge: judgeOrgCode };
const text: Field = { values: freeText, judge: judgeText };
const oneOf = (...values: string[]): Field => ({ values: enumText(values), judge: judgeEnum(values) });
/** A field whose shape the pages do not give (a KPI id, the KPIs): never changed, the base body's own value. */
const opaque: Field = { values: fc.constant('"K1"'), judge: () => 'valid' };

interface Command {
  path: string;
  role: Role;
  /** A body the pages allow, as JSON text per field. */
  base: Record<string, string>;
  required: Record<string, Field>;
  optional?: Record<string, Field>;
  /**
   * Whether a body the pages allow may be sent: only where a success changes nothing the other requests rely on
   * (a break notice would end the contract's term; an accepted extra cannot be accepted again).
   */
  validMaySucceed: boolean;
}
const T = json(TODAY);
const kpis = json([
  {
    id: 'K1',
    name: 'Monthly report',
    serviceLine: 'bi',
    weightBp: 6000,
    targetBp: 9500,
    kind: 'deliverable',
    dueWorkingDay: 10,
  },
  { id: 'K3', name: 'Press queries', serviceLine: 'comms', weightBp: 4000, targetBp: 9500, kind: 'measured' },
]);
const REASONS = ['covered-by-core-offer', 'not-requested', 'amount-excessive', 'other'];
const CATEGORIES = [
  'emergency-readmission-30d',
  'duplicate-activity',
  'coding-hrg',
  'non-contracted',
  'responsible-commissioner',
  'outpatient-follow-up-ratio',
  'best-practice-tariff',
  'other',
];
const commands = (ids: { awaiting: string; disputed: string; challenge: string }): Command[] => [
  {
    path: '/contracts',
    role: 'admin',
    base: {
      businessDate: json('2025-03-20'),
      ccg: json(PARTIES.ccg),
      csu: json(PARTIES.csu),
      firstMonth: json('2025-26-M01'),
      lastMonth: json('2026-27-M12'),
      annualFeePence: '120000000',
      feeAtRiskBp: '1000',
      gainShareBp: '2000',
      gainShareCapPence: '15000000',
      breakNoticeMonths: '3',
      trustResponseWorkingDays: '20',
      kpis,
    },
    required: {
      businessDate,
      ccg: org,
      csu: org,
      firstMonth: month,
      lastMonth: month,
      annualFeePence: amount,
      feeAtRiskBp: bp,
      gainShareBp: bp,
      gainShareCapPence: amount,
      breakNoticeMonths: count,
      trustResponseWorkingDays: count,
      kpis: opaque,
    },
    optional: { vehicle: oneOf('SLA', 'LPF-call-off') },
    validMaySucceed: true,
  },
  {
    path: '/organisations',
    role: 'admin',
    base: { businessDate: json('2013-04-01'), code: json('Q99'), name: json('NHS Somewhere ICB'), kind: json('ccg') },
    required: { businessDate, code: org, name: text, kind: oneOf('ccg', 'csu', 'trust') },
    optional: { population: count, runningCostAllowancePencePerHead: amount },
    validMaySucceed: true,
  },
  {
    path: `/organisations/${PARTIES.ccg}/renaming`,
    role: 'admin',
    base: { businessDate: T, name: json('NHS Kingston') },
    required: { businessDate, name: text },
    validMaySucceed: true,
  },
  {
    path: `/contracts/${CONTRACT}/variations`,
    role: 'admin',
    base: { businessDate: T, effectiveQuarter: json('2026-27-Q4'), feeAtRiskBp: '500' },
    required: { businessDate, effectiveQuarter: quarter },
    optional: {
      annualFeePence: amount,
      feeAtRiskBp: bp,
      gainShareBp: bp,
      gainShareCapPence: amount,
      breakNoticeMonths: count,
      trustResponseWorkingDays: count,
    },
    validMaySucceed: false,
  },
  {
    path: `/contracts/${CONTRACT}/break-notices`,
    role: 'csu',
    base: { businessDate: T },
    required: { businessDate },
    validMaySucceed: false,
  },
  {
    path: `/contracts/${CONTRACT}/deliveries`,
    role: 'csu',
    base: { kpiId: json('K1'), month: json('2025-26-M05'), deliveredOn: T },
    required: { kpiId: opaque, month, deliveredOn: businessDate },
    optional: { reference: text, businessDate },
    validMaySucceed: true,
  },
  {
    path: `/contracts/${CONTRACT}/rejections`,
    role: 'ccg',
    base: { businessDate: T, kpiId: json('K1'), month: json('2025-26-M05'), reason: json('late and incomplete') },
    required: { businessDate, kpiId: opaque, month, reason: text },
    validMaySucceed: false,
  },
  {
    path: `/contracts/${CONTRACT}/measurements`,
    role: 'csu',
    base: { businessDate: T, kpiId: json('K3'), month: json('2025-26-M05'), achievedBp: '9000' },
    required: { businessDate, kpiId: opaque, month, achievedBp: bp },
    optional: { note: text },
    validMaySucceed: true,
  },
  {
    path: `/contracts/${CONTRACT}/settlements/2025-26-Q1/approval`,
    role: 'ccg',
    base: { businessDate: T, netPayablePence: '100' },
    required: { businessDate, netPayablePence: amount },
    validMaySucceed: false,
  },
  {
    path: `/contracts/${CONTRACT}/extras`,
    role: 'csu',
    base: {
      businessDate: T,
      amountPence: '100',
      description: json('SUS extract'),
      serviceLine: json('bi'),
      requestedBy: json('Head of Contracting'),
    },
    required: { businessDate, amountPence: amount, description: text, serviceLine: text, requestedBy: text },
    validMaySucceed: true,
  },
  {
    path: `/extras/${ids.awaiting}/accept`,
    role: 'ccg',
    base: { businessDate: T },
    required: { businessDate },
    validMaySucceed: false,
  },
  {
    path: `/extras/${ids.awaiting}/dispute`,
    role: 'ccg',
    base: { businessDate: T, reason: json('other') },
    required: { businessDate, reason: oneOf(...REASONS) },
    optional: { detail: text },
    validMaySucceed: false,
  },
  {
    path: `/extras/${ids.disputed}/revise`,
    role: 'csu',
    base: { businessDate: T, amountPence: '5' },
    required: { businessDate, amountPence: amount },
    optional: { detail: text },
    validMaySucceed: false,
  },
  {
    path: `/extras/${ids.disputed}/withdraw`,
    role: 'csu',
    base: { businessDate: T },
    required: { businessDate },
    validMaySucceed: false,
  },
  {
    path: `/extras/${ids.disputed}/resolve`,
    role: 'ccg',
    base: { businessDate: T, agreedPence: '5' },
    required: { businessDate, agreedPence: amount },
    validMaySucceed: false,
  },
  {
    path: `/extras/${ids.disputed}/escalate`,
    role: 'ccg',
    base: { businessDate: T },
    required: { businessDate },
    optional: { detail: text },
    validMaySucceed: false,
  },
  {
    path: `/contracts/${CONTRACT}/challenges`,
    role: 'csu',
    base: {
      businessDate: T,
      trust: json('RAX'),
      activityMonth: json('2025-26-M01'),
      category: json('other'),
      activityLines: '3',
      valuePence: '100',
    },
    required: {
      businessDate,
      trust: org,
      activityMonth: month,
      category: oneOf(...CATEGORIES),
      activityLines: count,
      valuePence: amount,
    },
    optional: { phase: oneOf('first', 'post') },
    validMaySucceed: true,
  },
  {
    path: `/challenges/${ids.challenge}/responses`,
    role: 'csu',
    base: { businessDate: T, acceptedPence: '1', rejectedPence: '1' },
    required: { businessDate, acceptedPence: amount, rejectedPence: amount },
    validMaySucceed: false,
  },
  {
    path: `/challenges/${ids.challenge}/escalate`,
    role: 'csu',
    base: { businessDate: T },
    required: { businessDate },
    optional: { detail: text },
    validMaySucceed: false,
  },
  {
    path: `/challenges/${ids.challenge}/resolve`,
    role: 'csu',
    base: { businessDate: T, recoveredPence: '1' },
    required: { businessDate, recoveredPence: amount },
    validMaySucceed: false,
  },
  {
    path: `/challenges/${ids.challenge}/withdraw`,
    role: 'csu',
    base: { businessDate: T },
    required: { businessDate },
    validMaySucceed: false,
  },
];

// ---- Requests: the base body with one change, judged by the oracle.
interface Probe {
  command: Command;
  body: string;
  verdict: Verdict;
  /** The field changed, dropped or added. */
  field: string;
  how: string;
}
const UNKNOWN_KEYS = ['amountPense', 'BusinessDate', 'businessdate', 'note2', 'extra', '__proto__', 'constructor', 'x'];
const probeOf = (command: Command): fc.Arbitrary<Probe> => {
  const fields = { ...command.required, ...command.optional };
  const names = Object.keys(fields).filter((name) => fields[name] !== opaque);
  const bodyOf = (entries: [string, string][]) => `{${entries.map(([k, v]) => `${json(k)}:${v}`).join(',')}}`;
  const baseVerdicts = (except: string): Verdict[] =>
    Object.entries(command.base)
      .filter(([name]) => name !== except)
      .map(([name, value]) => fields[name]!.judge(value));
  const changed = fc
    .constantFrom(...names)
    .chain((name) => fields[name]!.values.map((value) => ({ name, value })))
    .map(({ name, value }) => ({
      command,
      body: bodyOf([...Object.entries(command.base).filter(([k]) => k !== name), [name, value]]),
      verdict: judgeAll([...baseVerdicts(name), fields[name]!.judge(value)]),
      field: name,
      how: `${name} = ${value.length > 60 ? `${value.slice(0, 60)}… (${value.length} characters)` : value}`,
    }));
  const dropped = fc.constantFrom(...Object.keys(command.required)).map((name) => ({
    command,
    body: bodyOf(Object.entries(command.base).filter(([k]) => k !== name)),
    verdict: 'invalid' as const, // API.md: a required field
    field: name,
    how: `${name} missing`,
  }));
  const added = fc
    .tuple(
      fc.oneof(fc.constantFrom(...UNKNOWN_KEYS), fc.stringMatching(/^[a-z][A-Za-z]{0,12}$/)),
      fc.jsonValue({ maxDepth: 1 }),
    )
    .filter(([key]) => !(key in fields))
    .map(([key, value]) => ({
      command,
      body: bodyOf([...Object.entries(command.base), [key, json(value) ?? 'null']]),
      verdict: 'invalid' as const, // a field API.md does not list for this command
      field: key,
      how: `unknown field ${key}`,
    }));
  return fc
    .oneof({ weight: 8, arbitrary: changed }, { weight: 1, arbitrary: dropped }, { weight: 1, arbitrary: added })
    .filter((p) => p.verdict === 'invalid' || command.validMaySucceed);
};

// ---- Sending.
interface Outcome {
  status: number;
  contentType: string;
  text: string;
  error?: string;
}
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const send = (base: string, path: string, token: string, body: string): Promise<Outcome> =>
  new Promise((resolve) => {
    const u = new URL(base);
    const bytes = Buffer.from(body, 'utf8');
    const req = httpRequest(
      {
        agent,
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': String(bytes.length),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', (err) => resolve({ status: 0, contentType: '', text: '', error: err.message }));
    req.end(bytes);
  });

const pool = async <T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> => {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i]!);
      }
    }),
  );
  return out;
};

/** A stable, machine-readable code: one lower-case word or several joined by hyphens (API.md: Conventions). */
const STABLE_CODE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Why this answer breaks a property, or undefined. */
const violation = (p: Probe, o: Outcome): string | undefined => {
  if (o.status === 0) return `no answer: ${o.error ?? ''}`;
  if (o.status >= 500) return `server error ${o.status}`;
  if (p.verdict === 'invalid' && o.status !== 400) return `an invalid body was answered ${o.status}, not 400`;
  if (o.status < 400) return undefined;
  if (!/^application\/problem\+json/.test(o.contentType)) return `an error that is not problem+json (${o.contentType})`;
  let problem: { code?: unknown; errors?: unknown };
  try {
    problem = JSON.parse(o.text) as typeof problem;
  } catch {
    return 'a problem body that is not JSON';
  }
  if (typeof problem.code !== 'string' || !STABLE_CODE.test(problem.code)) return 'a problem without a stable code';
  // Where the problem lists its fields, the one at fault is among them.
  if (p.verdict === 'invalid' && Array.isArray(problem.errors) && problem.errors.length > 0) {
    const paths = (problem.errors as { path?: unknown }[]).map((e) =>
      typeof e.path === 'string' ? e.path : JSON.stringify(e.path),
    );
    if (!paths.some((path) => path === p.field || path.startsWith(`${p.field}.`) || path === '(body)'))
      return `the problem names ${paths.join(', ')}, not ${p.field}`;
  }
  return undefined;
};

let h: InProcess;
let tokens: Record<Role, string>;
let all: Command[];

beforeAll(async () => {
  h = await startInProcess({ rateLimit: false });
  const admin = await h.token('admin', 'NHS');
  must(
    await h.post(admin, '/organisations', {
      businessDate: '2013-04-01',
      code: PARTIES.ccg,
      name: 'NHS Kingston CCG',
      kind: 'ccg',
      population: 180_000,
      runningCostAllowancePencePerHead: 2500,
    }),
  );
  await agreeContract(h, PARTIES, CONTRACT);
  all = commands({
    awaiting: await extraIn(h, CONTRACT, PARTIES, 'awaiting-ccg'),
    disputed: await extraIn(h, CONTRACT, PARTIES, 'disputed'),
    challenge: await challengeIn(h, CONTRACT, PARTIES, 'responded'),
  });
  tokens = {
    admin,
    csu: await h.token('csu', PARTIES.csu),
    ccg: await h.token('ccg', PARTIES.ccg),
    auditor: await h.token('auditor', 'NAO'),
  };
});
afterAll(async () => {
  agent.destroy();
  await h?.close();
});

describe('command bodies judged by the specification alone (DOMAIN.md: Limits; API.md)', () => {
  it(
    `${BATCHES * BATCH} bodies: every invalid one is 400 with a stable code and stores nothing; no valid one is 5xx`,
    async () => {
      const counts = { invalid: 0, valid: 0, unsure: 0, codes: new Map<string, number>() };
      const run = await fc.check(
        fc.asyncProperty(
          fc.array(
            fc.constantFrom(...all).chain((c) => probeOf(c)),
            { minLength: BATCH, maxLength: BATCH },
          ),
          async (batch) => {
            const before = await h.head();
            const outcomes = await pool(batch, CONCURRENCY, (p) =>
              send(h.commandUrl, p.command.path, tokens[p.command.role], p.body),
            );
            const problems: string[] = [];
            batch.forEach((p, i) => {
              const o = outcomes[i]!;
              counts[p.verdict] += 1;
              if (p.verdict === 'invalid') {
                const code = /"code":"([^"]*)"/.exec(o.text)?.[1] ?? `(${o.status})`;
                counts.codes.set(code, (counts.codes.get(code) ?? 0) + 1);
              }
              const why = violation(p, o);
              if (why !== undefined)
                problems.push(
                  `${why}: POST ${p.command.path} (${p.verdict}: ${p.how})\n  → ${o.status} ${o.text.slice(0, 300)}`,
                );
            });
            // Stores nothing: the log moved by exactly the number of bodies that were accepted, all of them valid.
            const accepted = outcomes.filter((o) => o.status >= 200 && o.status < 300).length;
            const after = await h.head();
            if (after - before !== BigInt(accepted))
              problems.push(`the log moved by ${after - before} events for ${accepted} accepted commands`);
            if (problems.length > 0)
              throw new Error(`${problems.length} problem(s) in a batch:\n${problems.slice(0, 8).join('\n')}`);
          },
        ),
        { numRuns: BATCHES, seed: SEED, endOnFailure: true },
      );
      if (run.failed)
        throw new Error(
          `batch ${run.numRuns} failed (replay with LEDGER_FUZZ_SEED=${run.seed}): ${String((run.errorInstance as Error | undefined)?.message ?? run.errorInstance)}`,
        );
      const codes = [...counts.codes.entries()].map(([c, n]) => `${c}×${n}`).join(' ');
      console.log(
        `spec fuzz (seed ${SEED}): ${counts.invalid} invalid bodies (${codes}), ${counts.valid} valid, ${counts.unsure} the pages do not decide`,
      );
      expect(counts.invalid).toBeGreaterThan(BATCHES * BATCH * 0.5);
      expect(counts.valid).toBeGreaterThan(0);
    },
    NIGHTLY ? 3_600_000 : 120_000,
  );

  // The values the issue names, each on every command that carries such a field: no luck involved.
  it('refuses the amounts, dates, months and quarters the Limits name, on every command that takes them', async () => {
    const named: { kind: Field; values: string[] }[] = [
      {
        kind: amount,
        values: ['100.0000000000000001', '1e2', '"100"', '100000000001', '9007199254740991', '-1', '100.0'],
      },
      {
        kind: businessDate,
        values: ['"2025-02-30"', '"1999-12-31"', '"0000-01-01"', '"2026-11-25"', '"9999-12-31"', '"2025-6-1"'],
      },
      { kind: month, values: ['"1999-00-M12"', '"2025-26-M13"', '"2025-27-M01"'] },
      { kind: quarter, values: ['"1999-00-Q4"', '"2025-26-Q5"', '"2025-26-Q0"'] },
      { kind: text, values: [json('x'.repeat(2_001))] },
    ];
    const problems: string[] = [];
    const before = await h.head();
    for (const command of all) {
      const fields = { ...command.required, ...command.optional };
      for (const [name, field] of Object.entries(fields)) {
        for (const value of named.find((n) => n.kind === field)?.values ?? []) {
          const entries = [...Object.entries(command.base).filter(([k]) => k !== name), [name, value]];
          const body = `{${entries.map(([k, v]) => `${json(k)}:${v}`).join(',')}}`;
          const probe: Probe = {
            command,
            body,
            verdict: 'invalid',
            field: name,
            how: `${name} = ${value.slice(0, 40)}`,
          };
          expect(field.judge(value), `the oracle on ${name} = ${value}`).toBe('invalid');
          const o = await send(h.commandUrl, command.path, tokens[command.role], body);
          const why = violation(probe, o);
          if (why !== undefined)
            problems.push(`${why}: POST ${command.path} ${probe.how} → ${o.status} ${o.text.slice(0, 200)}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(await h.head()).toBe(before);
  }, 120_000);
});
