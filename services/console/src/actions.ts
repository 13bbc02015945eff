// Every command a console user can send: the form that asks for it, the service path it posts to, who may send it
// (PERMISSIONS of @csu-ledger/auth, the one table of who may do what) and, for extras and challenges, the states it
// is offered in (DOMAIN.md's transition tables). The service still decides each one; offering a form that the
// service would refuse only wastes the user's time, so the console offers only these.
import { PERMISSIONS, type Permission } from '@csu-ledger/auth';
import { formatMonth, formatQuarter } from './format.ts';
import type { FieldSpec, FormSpec } from './forms.ts';
import type { Challenge, Extra, Invoice, Kpi } from './views.ts';

export interface ActionContext {
  contractId: string;
  today: string;
  kpis: Kpi[];
  /** The term's months, for month pickers. */
  months: string[];
  /** The month to pre-select, e.g. the latest month whose deliverables are due. */
  month?: string;
  /** The term's quarters, for invoice forms, and the quarter to pre-select. */
  quarters?: string[];
  quarter?: string;
  /** The contract's extras an invoice may bill (id and a description to choose by). */
  extras?: { value: string; text: string }[];
}

export interface ActionDef {
  permission: Permission;
  title: string;
  submit: string;
  /** The command service path. */
  path: (contractId: string, target: string | undefined) => string;
  fields: (c: ActionContext) => FieldSpec[];
  /** The console page to come back to. */
  page: 'contract' | 'extras' | 'challenges' | 'invoices' | 'settlement';
  /** Statuses of the extra or challenge this transition is offered in. */
  from?: readonly string[];
  notice: string;
  warning?: boolean;
}

const businessDate = (c: ActionContext, label = 'Date it happened'): FieldSpec => ({
  name: 'businessDate',
  label,
  kind: 'date',
  hint: 'For example, 15 5 2025. Not in the future.',
  value: c.today,
});
const detail = (label = 'Details (optional)'): FieldSpec => ({ name: 'detail', label, kind: 'textarea', optional: true });
const monthField = (c: ActionContext, name = 'month', label = 'Month'): FieldSpec => ({
  name,
  label,
  kind: 'select',
  options: c.months.map((m) => ({ value: m, text: formatMonth(m) })),
  value: c.month ?? c.months[0] ?? '',
});
const kpiField = (c: ActionContext, kind: Kpi['kind']): FieldSpec => ({
  name: 'kpiId',
  label: 'KPI',
  kind: 'select',
  options: c.kpis.filter((k) => k.kind === kind).map((k) => ({ value: k.id, text: `${k.id} ${k.name}` })),
});
const pounds = (name: string, label: string, hint = 'In pounds and pence, for example 18,500.00'): FieldSpec => ({ name, label, kind: 'pounds', hint, width: 'nhsuk-input--width-10' });

const extraPath = (verb: string) => (_c: string, t: string | undefined) => `/extras/${encodeURIComponent(t ?? '')}/${verb}`;
const challengePath = (verb: string) => (_c: string, t: string | undefined) => `/challenges/${encodeURIComponent(t ?? '')}/${verb}`;
const invoicePath = (verb: string) => (_c: string, t: string | undefined) => `/invoices/${encodeURIComponent(t ?? '')}/${verb}`;
const onContract = (rest: string) => (c: string) => `/contracts/${encodeURIComponent(c)}${rest}`;

export const DISPUTE_REASONS = [
  { value: 'covered-by-core-offer', text: 'Covered by the core offer' },
  { value: 'not-requested', text: 'Not requested by the CCG' },
  { value: 'amount-excessive', text: 'Amount excessive' },
  { value: 'other', text: 'Other reason' },
];

export const CHALLENGE_CATEGORIES = [
  { value: 'emergency-readmission-30d', text: 'Emergency readmission within 30 days' },
  { value: 'duplicate-activity', text: 'Duplicate activity' },
  { value: 'coding-hrg', text: 'Coding (HRG)' },
  { value: 'non-contracted', text: 'Non-contracted activity' },
  { value: 'responsible-commissioner', text: 'Responsible commissioner ("Who Pays?")' },
  { value: 'outpatient-follow-up-ratio', text: 'Outpatient follow-up ratio' },
  { value: 'best-practice-tariff', text: 'Best practice tariff' },
  { value: 'other', text: 'Other' },
];

export const INVOICE_KIND_CHOICES = [
  { value: 'core', text: 'Core fee' },
  { value: 'credit-note', text: 'Credit note (takes its amount off the quarter, e.g. the withheld amount)' },
  { value: 'gain-share', text: 'Gain share' },
  { value: 'extra', text: 'An agreed extra' },
];

export const ACTIONS = {
  'record-delivery': {
    permission: 'deliver',
    title: 'Record a delivery',
    submit: 'Record delivery',
    path: onContract('/deliveries'),
    page: 'contract',
    notice: 'Delivery recorded',
    fields: (c) => [
      kpiField(c, 'deliverable'),
      monthField(c, 'month', 'Month delivered for'),
      { name: 'deliveredOn', label: 'Delivered on', kind: 'date', hint: 'For example, 15 5 2025. Not in the future.', value: c.today },
      { name: 'reference', label: 'Reference (optional)', kind: 'text', optional: true, width: 'nhsuk-input--width-20' },
    ],
  },
  'record-measurement': {
    permission: 'report-measurement',
    title: 'Record a measurement',
    submit: 'Record measurement',
    path: onContract('/measurements'),
    page: 'contract',
    notice: 'Measurement recorded',
    fields: (c) => [
      kpiField(c, 'measured'),
      monthField(c),
      { name: 'achieved', label: 'Achieved', kind: 'percent', hint: 'A percentage, for example 96.5', width: 'nhsuk-input--width-5' },
      { name: 'note', label: 'Evidence note (optional)', kind: 'textarea', optional: true },
      businessDate(c, 'Date reported'),
    ],
  },
  'reject-delivery': {
    permission: 'reject-delivery',
    title: 'Reject a delivery',
    submit: 'Reject delivery',
    path: onContract('/rejections'),
    page: 'contract',
    notice: 'Delivery rejected',
    warning: true,
    fields: (c) => [
      kpiField(c, 'deliverable'),
      monthField(c, 'month', 'Month delivered for'),
      { name: 'reason', label: 'Why it fails quality', kind: 'textarea' },
      businessDate(c, 'Date rejected'),
    ],
  },
  'raise-extra': {
    permission: 'raise-extra',
    title: 'Raise an extra',
    submit: 'Raise extra',
    path: onContract('/extras'),
    page: 'extras',
    notice: 'Extra raised',
    fields: (c) => [
      pounds('amount', 'Amount'),
      { name: 'description', label: 'What the work was', kind: 'textarea' },
      { name: 'serviceLine', label: 'Service line', kind: 'text', hint: 'For example, business-intelligence', width: 'nhsuk-input--width-20' },
      { name: 'requestedBy', label: 'Who at the CCG asked for it', kind: 'text' },
      businessDate(c, 'Date raised'),
    ],
  },
  'accept-extra': {
    permission: 'accept-extra',
    title: 'Accept',
    submit: 'Accept extra',
    path: extraPath('accept'),
    page: 'extras',
    from: ['awaiting-ccg'],
    notice: 'Extra accepted',
    fields: (c) => [businessDate(c, 'Date accepted')],
  },
  'dispute-extra': {
    permission: 'dispute-extra',
    title: 'Dispute',
    submit: 'Dispute extra',
    path: extraPath('dispute'),
    page: 'extras',
    from: ['awaiting-ccg'],
    notice: 'Extra disputed',
    warning: true,
    fields: (c) => [{ name: 'reason', label: 'Reason', kind: 'radios', options: DISPUTE_REASONS }, detail(), businessDate(c, 'Date disputed')],
  },
  'revise-extra': {
    permission: 'revise-extra',
    title: 'Revise the amount',
    submit: 'Revise extra',
    path: extraPath('revise'),
    page: 'extras',
    from: ['disputed'],
    notice: 'Extra revised: back with the CCG',
    fields: (c) => [pounds('amount', 'New amount'), detail(), businessDate(c, 'Date revised')],
  },
  'resolve-extra': {
    permission: 'resolve-extra',
    title: 'Record the agreed amount',
    submit: 'Resolve extra',
    path: extraPath('resolve'),
    page: 'extras',
    from: ['disputed', 'escalated'],
    notice: 'Extra resolved',
    fields: (c) => [pounds('agreed', 'Amount both sides agreed', 'In pounds and pence; 0 if nothing is payable'), businessDate(c, 'Date agreed')],
  },
  'escalate-extra': {
    permission: 'escalate-extra',
    title: 'Escalate to formal dispute resolution',
    submit: 'Escalate extra',
    path: extraPath('escalate'),
    page: 'extras',
    from: ['disputed'],
    notice: 'Extra escalated',
    warning: true,
    fields: (c) => [detail(), businessDate(c, 'Date escalated')],
  },
  'withdraw-extra': {
    permission: 'withdraw-extra',
    title: 'Withdraw',
    submit: 'Withdraw extra',
    path: extraPath('withdraw'),
    page: 'extras',
    from: ['awaiting-ccg', 'disputed', 'escalated'],
    notice: 'Extra withdrawn',
    warning: true,
    fields: (c) => [businessDate(c, 'Date withdrawn')],
  },
  'raise-challenge': {
    permission: 'raise-challenge',
    title: 'Raise a challenge',
    submit: 'Raise challenge',
    path: onContract('/challenges'),
    page: 'challenges',
    notice: 'Challenge raised',
    fields: (c) => [
      { name: 'trust', label: 'Trust ODS code', kind: 'text', hint: 'For example, RAX', width: 'nhsuk-input--width-5' },
      monthField(c, 'activityMonth', 'Activity month'),
      { name: 'category', label: 'Category', kind: 'select', options: CHALLENGE_CATEGORIES },
      { name: 'activityLines', label: 'Activity lines (PLCM records)', kind: 'integer', width: 'nhsuk-input--width-5' },
      pounds('value', 'Value challenged'),
      { name: 'phase', label: 'Reconciliation phase (optional)', kind: 'radios', optional: true, options: [{ value: 'first', text: 'First reconciliation' }, { value: 'post', text: 'Post reconciliation' }] },
      businessDate(c, 'Date raised'),
    ],
  },
  'record-trust-response': {
    permission: 'record-trust-response',
    title: "Record the trust's response",
    submit: 'Record response',
    path: challengePath('responses'),
    page: 'challenges',
    from: ['raised', 'responded'],
    notice: "Trust's response recorded",
    fields: (c) => [pounds('accepted', 'Value the trust accepts'), pounds('rejected', 'Value the trust rejects'), businessDate(c, 'Date of the response')],
  },
  'escalate-challenge': {
    permission: 'escalate-challenge',
    title: 'Escalate to formal dispute resolution',
    submit: 'Escalate challenge',
    path: challengePath('escalate'),
    page: 'challenges',
    from: ['raised', 'responded'],
    notice: 'Challenge escalated',
    warning: true,
    fields: (c) => [detail(), businessDate(c, 'Date escalated')],
  },
  'resolve-challenge': {
    permission: 'resolve-challenge',
    title: 'Record the recovery',
    submit: 'Resolve challenge',
    path: challengePath('resolve'),
    page: 'challenges',
    // A recovery CCG finance queried may be recorded again with another value, which clears the query (DOMAIN.md).
    from: ['raised', 'responded', 'escalated', 'queried'],
    notice: 'Challenge resolved',
    fields: (c) => [
      pounds('recovered', 'Value recovered', 'In pounds and pence; never more than challenged'),
      { name: 'creditNoteReference', label: "The trust's credit note reference (optional)", kind: 'text', optional: true, width: 'nhsuk-input--width-20' },
      businessDate(c, 'Date resolved'),
    ],
  },
  'query-recovery': {
    permission: 'query-recovery',
    title: 'Query the recovery',
    submit: 'Query recovery',
    path: challengePath('query'),
    page: 'challenges',
    from: ['resolved'],
    notice: 'Recovery queried: it leaves the gain share until you confirm it',
    warning: true,
    fields: (c) => [{ name: 'reason', label: 'What CCG finance questions about it', kind: 'textarea' }, businessDate(c, 'Date queried')],
  },
  'confirm-recovery': {
    permission: 'confirm-recovery',
    title: 'Confirm the recovery',
    submit: 'Confirm recovery',
    path: challengePath('confirm'),
    page: 'challenges',
    from: ['queried'],
    notice: 'Recovery confirmed: it counts in the gain share again',
    fields: (c) => [businessDate(c, 'Date confirmed')],
  },
  'submit-invoice': {
    permission: 'submit-invoice',
    title: 'Submit an invoice',
    submit: 'Submit invoice',
    path: onContract('/invoices'),
    page: 'invoices',
    notice: 'Invoice submitted',
    fields: (c) => [
      { name: 'invoiceNumber', label: 'Invoice number', kind: 'text', hint: 'Unique for your organisation, for example 0AX-2025-0107', width: 'nhsuk-input--width-20' },
      {
        name: 'quarter',
        label: 'Quarter it bills',
        kind: 'select',
        options: (c.quarters ?? []).map((q) => ({ value: q, text: formatQuarter(q) })),
        value: c.quarter ?? c.quarters?.[0] ?? '',
      },
      { name: 'kind', label: 'What it bills', kind: 'radios', options: INVOICE_KIND_CHOICES },
      {
        name: 'extraId',
        label: 'The extra it bills (only for an agreed extra)',
        kind: 'select',
        optional: true,
        options: c.extras ?? [],
      },
      pounds('amount', 'Amount before VAT', 'In pounds and pence, for example 133,333.33; a credit note too is a positive amount'),
      pounds('vat', 'VAT', 'In pounds and pence; 0.00 if none'),
      businessDate(c, 'Date received by the CCG'),
    ],
  },
  'dispute-invoice': {
    permission: 'dispute-invoice',
    title: 'Dispute',
    submit: 'Dispute invoice',
    path: invoicePath('dispute'),
    page: 'invoices',
    from: ['submitted'],
    notice: 'Invoice disputed',
    warning: true,
    fields: (c) => [{ name: 'reason', label: 'Why it does not match what was agreed', kind: 'textarea' }, businessDate(c, 'Date disputed')],
  },
  'pay-invoice': {
    permission: 'pay-invoice',
    title: 'Record payment',
    submit: 'Record payment',
    path: invoicePath('pay'),
    page: 'invoices',
    from: ['submitted', 'disputed'],
    notice: 'Payment recorded',
    fields: (c) => [
      pounds('amount', 'Amount paid, including VAT', 'The invoice is paid in full: its gross amount'),
      { name: 'paidOn', label: 'Paid on', kind: 'date', hint: 'For example, 15 5 2025. Not in the future.', value: c.today },
    ],
  },
  'withdraw-invoice': {
    permission: 'withdraw-invoice',
    title: 'Withdraw',
    submit: 'Withdraw invoice',
    path: invoicePath('withdraw'),
    page: 'invoices',
    from: ['submitted', 'disputed'],
    notice: 'Invoice withdrawn',
    warning: true,
    fields: (c) => [businessDate(c, 'Date withdrawn')],
  },
  'withdraw-challenge': {
    permission: 'withdraw-challenge',
    title: 'Withdraw',
    submit: 'Withdraw challenge',
    path: challengePath('withdraw'),
    page: 'challenges',
    from: ['raised', 'responded', 'escalated'],
    notice: 'Challenge withdrawn',
    warning: true,
    fields: (c) => [businessDate(c, 'Date withdrawn')],
  },
  'approve-settlement': {
    permission: 'approve-settlement',
    title: 'Approve this settlement',
    submit: 'Approve',
    path: (c, q) => `/contracts/${encodeURIComponent(c)}/settlements/${encodeURIComponent(q ?? '')}/approval`,
    page: 'settlement',
    notice: 'Settlement approved',
    fields: (c) => [{ name: 'netPayablePence', label: 'Net payable', kind: 'hidden' }, businessDate(c, 'Date approved')],
  },
} satisfies Record<string, ActionDef>;

export type ActionName = keyof typeof ACTIONS;

export const isActionName = (s: string): s is ActionName => Object.hasOwn(ACTIONS, s);

/** May someone in this role send this command at all (their organisation is the services' to check)? */
export const roleMay = (role: string, action: ActionName): boolean =>
  (PERMISSIONS[ACTIONS[action].permission] as readonly string[]).includes(role);

/** The form of an action for one page, or for one extra, challenge or quarter (`target`). */
export const actionForm = (name: ActionName, c: ActionContext, target?: string, overrides: Partial<Pick<FormSpec, 'title' | 'submit' | 'lead'>> = {}): FormSpec => {
  const def: ActionDef = ACTIONS[name];
  return {
    action: name,
    ...(target === undefined ? {} : { target }),
    title: def.title,
    submit: def.submit,
    url: `/contracts/${encodeURIComponent(c.contractId)}/actions/${name}`,
    fields: def.fields(c),
    ...(def.warning ? { warning: true } : {}),
    ...overrides,
  };
};

const PAGE_OF = { extra: 'extras', challenge: 'challenges', invoice: 'invoices' } as const;

/** The transitions offered for an extra, a challenge or an invoice in its state, to someone in this role. */
export const transitionsFor = (kind: 'extra' | 'challenge' | 'invoice', item: Extra | Challenge | Invoice, role: string): ActionName[] =>
  (Object.keys(ACTIONS) as ActionName[]).filter((name) => {
    const def: ActionDef = ACTIONS[name];
    // A credit note is never paid: it reduces what the CSU bills for the quarter (DOMAIN.md).
    if (name === 'pay-invoice' && (item as Invoice).kind === 'credit-note') return false;
    return def.page === PAGE_OF[kind] && def.from?.includes(item.status) === true && roleMay(role, name);
  });

export const quarterTitle = formatQuarter;
