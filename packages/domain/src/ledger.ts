// The contract ledger: everything recorded about one contract (its own stream, its extras' and its challenges'
// streams) folded in global (recorded) order. Both services compute settlements and performance from it, so every
// figure has one rule. It also decides the quarter each money item lands in, which depends on recorded order
// (DOMAIN.md: Settlement, "unless that quarter was already approved when that event was recorded").
import type { RecordedActor } from './actor.ts';
import { nextQuarter, quarterOfDate } from './calendar.ts';
import type { RaisedChallenge } from './challenge/model.ts';
import { evolveChallenge, initialChallengeState } from './challenge/model.ts';
import type { ContractState } from './contract/model.ts';
import { evolveContractIn, initialContractState } from './contract/model.ts';
import { newDraft, writable, type Draft } from './draft.ts';
import type { ChallengeEvent, ContractEvent, ExtraEvent, InvoiceEvent, IsoDate, OrganisationEvent, Provenance, QuarterId, StoredLedgerEvent } from './events.ts';
import { evolveInvoice, initialInvoiceState, type SubmittedInvoice } from './invoice/model.ts';
import type { RaisedExtra } from './extra/model.ts';
import { evolveExtra, initialExtraState } from './extra/model.ts';

export interface MoneyItem {
  kind: 'extra' | 'challenge';
  id: string;
  eventId: string;
  eventType: 'ExtraAccepted' | 'ExtraResolved' | 'ChallengeResolved';
  amountPence: number;
  businessDate: IsoDate;
  recordedAt: string;
  position: string;
  actor: RecordedActor;
  /** The quarter of its business date. */
  dueQuarter: QuarterId;
  /** Where it counts: `dueQuarter`, or the first later quarter not approved when it was recorded. */
  landingQuarter: QuarterId;
  /**
   * Whether it counts: `queried` while CCG finance questions a recovery (it leaves V until confirmed), `superseded`
   * once the recovery is recorded again with another value (DOMAIN.md: Acute activity challenges).
   */
  state: 'counted' | 'queried' | 'superseded';
  /** The confirmation that brought a queried recovery back, and where it then landed. */
  confirmed?: Provenance | undefined;
}

export interface ContractLedger {
  contract: ContractState;
  extras: Record<string, RaisedExtra>;
  challenges: Record<string, RaisedChallenge>;
  invoices: Record<string, SubmittedInvoice>;
  moneyItems: MoneyItem[];
  /** Global position of the last event folded in. */
  position: string;
}

export const initialLedger = (): ContractLedger => ({
  contract: initialContractState(),
  extras: {},
  challenges: {},
  invoices: {},
  moneyItems: [],
  position: '0',
});

const EXTRA_TYPES = new Set<string>(['ExtraRaised', 'ExtraAccepted', 'ExtraDisputed', 'ExtraRevised', 'ExtraWithdrawn', 'ExtraResolved', 'ExtraEscalated'] satisfies ExtraEvent['type'][]);
const CHALLENGE_TYPES = new Set<string>([
  'ChallengeRaised',
  'TrustResponded',
  'ChallengeEscalated',
  'ChallengeResolved',
  'ChallengeWithdrawn',
  'RecoveryQueried',
  'RecoveryConfirmed',
] satisfies ChallengeEvent['type'][]);
const INVOICE_TYPES = new Set<string>(['InvoiceSubmitted', 'InvoiceDisputed', 'InvoicePaid', 'InvoiceWithdrawn'] satisfies InvoiceEvent['type'][]);
const CONTRACT_TYPES = new Set<string>([
  'ContractAgreed',
  'ContractVaried',
  'BreakNoticeServed',
  'DeliverableDelivered',
  'DeliverableRejected',
  'MeasurementReported',
  'SettlementApproved',
]);
// Which aggregate an event belongs to: exact sets, not name prefixes, so a new event type cannot slip into the wrong one.
export const isContractEvent = (e: StoredLedgerEvent): e is StoredLedgerEvent & ContractEvent => CONTRACT_TYPES.has(e.type);
export const isExtraEvent = (e: StoredLedgerEvent): e is StoredLedgerEvent & ExtraEvent => EXTRA_TYPES.has(e.type);
export const isInvoiceEvent = (e: StoredLedgerEvent): e is StoredLedgerEvent & InvoiceEvent => INVOICE_TYPES.has(e.type);
export const isChallengeEvent = (e: StoredLedgerEvent): e is StoredLedgerEvent & ChallengeEvent => CHALLENGE_TYPES.has(e.type);
export const isOrganisationEvent = (e: StoredLedgerEvent): e is StoredLedgerEvent & OrganisationEvent =>
  e.type === 'OrganisationRegistered' || e.type === 'OrganisationRenamed';

/** The provenance of a stored event: what statements and views trace a figure to. */
export const provenanceOf = (e: StoredLedgerEvent): Provenance => ({
  eventId: e.eventId,
  type: e.type,
  businessDate: e.data.businessDate,
  position: e.position.toString(),
  recordedAt: e.recordedAt,
  by: e.metadata.actor,
});

const landingQuarter = (ledger: ContractLedger, businessDate: IsoDate): QuarterId => {
  let q = quarterOfDate(businessDate);
  const approvals = ledger.contract.status === 'agreed' ? ledger.contract.approvals : {};
  while (approvals[q]) q = nextQuarter(q);
  return q;
};

const moneyItem = (ledger: ContractLedger, e: StoredLedgerEvent, kind: MoneyItem['kind'], id: string, amountPence: number): MoneyItem => ({
  kind,
  id,
  eventId: e.eventId,
  eventType: e.type as MoneyItem['eventType'],
  amountPence,
  businessDate: e.data.businessDate,
  recordedAt: e.recordedAt,
  position: e.position.toString(),
  actor: e.metadata.actor,
  dueQuarter: quarterOfDate(e.data.businessDate),
  landingQuarter: landingQuarter(ledger, e.data.businessDate),
  state: 'counted',
});

/** The recovery of a challenge now standing: its latest resolution (earlier ones were superseded). */
const latestRecovery = (items: MoneyItem[], challengeId: string): number =>
  items.findLastIndex((i) => i.kind === 'challenge' && i.id === challengeId && i.state !== 'superseded');

/** What a query, a confirmation or a new resolution does to the challenge's recovery among the money items. */
const recoveryChange = (draft: Draft, l: ContractLedger, e: StoredLedgerEvent & ChallengeEvent, id: string): void => {
  // raising, trust responses, escalation and withdrawal move no money (and need no search of the items)
  if (e.type !== 'ChallengeResolved' && e.type !== 'RecoveryQueried' && e.type !== 'RecoveryConfirmed') return;
  const at = latestRecovery(l.moneyItems, id);
  const current = l.moneyItems[at];
  if (e.type === 'ChallengeResolved') {
    const item = moneyItem(l, e, 'challenge', id, e.data.recoveredPence);
    l.moneyItems = writable(draft, l.moneyItems);
    if (current) l.moneyItems[at] = { ...current, state: 'superseded' };
    l.moneyItems.push(item);
    return;
  }
  if (!current) return;
  // Confirmed, it counts as if never queried: in its own quarter, or the first after it not approved when confirmed.
  const changed: MoneyItem =
    e.type === 'RecoveryQueried'
      ? { ...current, state: 'queried' }
      : { ...current, state: 'counted', landingQuarter: landingQuarter(l, current.businessDate), confirmed: provenanceOf(e) };
  l.moneyItems = writable(draft, l.moneyItems);
  l.moneyItems[at] = changed;
};

/**
 * Folds one stored event of the contract's group into its ledger: a new ledger, the one given (and everything in it)
 * left as it was; what the event does not touch is shared. Events of other contracts or organisations are ignored.
 */
export const evolveLedger = (ledger: ContractLedger, e: StoredLedgerEvent): ContractLedger => evolveLedgerIn(newDraft(), ledger, e);

/**
 * The one rule for each event's place in the ledger, writing only what `draft` made (draft.ts): the ledger given is
 * copied on first write in a fold, each collection once, and then changed in place by that fold's later steps.
 */
export const evolveLedgerIn = (draft: Draft, ledger: ContractLedger, e: StoredLedgerEvent): ContractLedger => {
  const l = writable(draft, ledger);
  l.position = e.position.toString();
  if (isContractEvent(e)) {
    l.contract = evolveContractIn(draft, l.contract, e, provenanceOf(e));
  } else if (isExtraEvent(e)) {
    const id = e.data.extraId;
    const next = evolveExtra(l.extras[id] ?? initialExtraState(), e);
    if (next.status !== 'none') {
      l.extras = writable(draft, l.extras);
      l.extras[id] = next;
    }
    const payable = e.type === 'ExtraAccepted' ? e.data.amountPence : e.type === 'ExtraResolved' ? e.data.agreedPence : undefined;
    if (payable !== undefined) {
      const item = moneyItem(l, e, 'extra', id, payable);
      l.moneyItems = writable(draft, l.moneyItems);
      l.moneyItems.push(item);
    }
  } else if (isChallengeEvent(e)) {
    const id = e.data.challengeId;
    const next = evolveChallenge(l.challenges[id] ?? initialChallengeState(), e);
    if (next.status !== 'none') {
      l.challenges = writable(draft, l.challenges);
      l.challenges[id] = next;
    }
    recoveryChange(draft, l, e, id);
  } else if (isInvoiceEvent(e)) {
    const next = evolveInvoice(l.invoices[e.data.invoiceId] ?? initialInvoiceState(), e);
    if (next.status !== 'none') {
      l.invoices = writable(draft, l.invoices);
      l.invoices[e.data.invoiceId] = next;
    }
  }
  return l;
};

/**
 * A fold of many events into one ledger, sharing one draft: each part of the ledger it starts from is copied at most
 * once, however many events follow. Each state it returns is its own to change at its next step: keep only the
 * latest (or start another fold before going on from a state kept elsewhere, as a snapshot).
 */
export const ledgerFold = (): ((ledger: ContractLedger, e: StoredLedgerEvent) => ContractLedger) => {
  const draft = newDraft();
  return (ledger, e) => evolveLedgerIn(draft, ledger, e);
};

export const foldLedger = (events: Iterable<StoredLedgerEvent>, from: ContractLedger = initialLedger()): ContractLedger => {
  const step = ledgerFold();
  let ledger = from;
  for (const e of events) ledger = step(ledger, e);
  return ledger;
};

/**
 * A contract's own events (others are passed over) folded, each with its provenance: from the start, or onto a state
 * folded earlier (left as it was: the fold copies what it changes).
 */
export const foldContractState = (events: Iterable<StoredLedgerEvent>, from: ContractState = initialContractState()): ContractState => {
  const draft = newDraft();
  let state = from;
  for (const e of events) if (isContractEvent(e)) state = evolveContractIn(draft, state, e, provenanceOf(e));
  return state;
};

/**
 * Time travel (DOMAIN.md: Settlement): `asAt` keeps only events recorded by that instant; `asOf` keeps only events
 * whose business date is on or before that date. Both keep recorded order, so the rules apply as they did.
 */
export const eventsAsOf = <E extends StoredLedgerEvent>(events: E[], when: { asOf?: IsoDate | undefined; asAt?: string | undefined }): E[] =>
  events.filter(
    (e) => (when.asOf === undefined || e.data.businessDate <= when.asOf) && (when.asAt === undefined || e.recordedAt <= when.asAt),
  );

/** The quarter a challenge's standing recovery counts in, if it has one (DOMAIN.md: a query needs that quarter open). */
export const recoveryQuarter = (ledger: ContractLedger, challengeId: string): QuarterId | undefined =>
  ledger.moneyItems[latestRecovery(ledger.moneyItems, challengeId)]?.landingQuarter;
