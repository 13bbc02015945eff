// A quarter's settlement between two instants (issue 14): both figures side by side, and the events recorded between
// them that changed any figure (with business date, recorded time and who), so an auditor can see why a number
// moved. A job (past.ts): the contract's group is folded from the log up to `from` (the time-travel fold, snapshots
// and all), then event by event up to `to`, the quarter's settlement (the domain's settlementView) computed after each.
// Attribution reads every state as on `to`'s date (DOMAIN.md: a view asAt an instant uses its date in England), so
// what the passing of time alone changed between the two dates (a deliverable falling due undelivered) is one entry
// of its own, `elapsed`, before the events.
import {
  contractStream,
  decodeLedgerEvent,
  isInvoiceEvent,
  lastDayOfQuarter,
  ledgerFold,
  londonDate,
  monthsOfQuarter,
  settlementView,
  type ContractLedger,
  type IsoDate,
  type QuarterId,
  type SettlementView,
  type StoredLedgerEvent,
} from '@csu-ledger/domain';
import type { EventStore } from '@csu-ledger/event-store';
import { HttpError } from '@csu-ledger/http';
import { historyItem } from './history.ts';
import type { Instant, TimeTravel } from './time-travel.ts';

export interface SettlementDiffJob {
  kind: 'settlement-diff';
  contractId: string;
  quarter: QuarterId;
  from: Instant;
  to: Instant;
}

/** Events of the window one request may examine; past it, a narrower window is asked for. */
export const DIFF_EVENT_LIMIT = 20_000;
/**
 * Records visited recomputing the quarter after events (each recomputation visits every money item, extra and
 * challenge of the contract); past it, a narrower window is asked for. It bounds one request's work whatever the
 * contract's size, to seconds of one core: measured on the 2-core machine at a load average of 15, a window in which
 * 1,000 extras of the quarter were raised and accepted (2,000 recomputations) reaches it and is refused after 4 to 5 s,
 * while the same window for a quarter those extras cannot touch answers in 0.2 s.
 */
export const DIFF_WORK_LIMIT = 2_000_000;
const PAGE = 2_000;

type Value = bigint | number | string | null;
/** The figures compared, by name (nested counts and values flattened with a dot). */
export const FIGURES = [
  'status',
  'feePence',
  'atRiskPence',
  'performanceScoreBp',
  'withheldPence',
  'recoveredPence',
  'gainSharePence',
  'extrasPence',
  'netPayablePence',
  'disputedExtras.count',
  'disputedExtras.valuePence',
  'openChallenges.count',
  'openChallenges.valuePence',
] as const;
type Figure = (typeof FIGURES)[number];

const valueOf = (v: SettlementView | null, figure: Figure): Value => {
  if (v === null) return null;
  if (figure === 'disputedExtras.count') return v.disputedExtras.count;
  if (figure === 'disputedExtras.valuePence') return v.disputedExtras.valuePence;
  if (figure === 'openChallenges.count') return v.openChallenges.count;
  if (figure === 'openChallenges.valuePence') return v.openChallenges.valuePence;
  return v[figure];
};

const difference = (from: Value, to: Value): bigint | number | null => {
  if (typeof from === 'bigint' && typeof to === 'bigint') return to - from;
  if (typeof from === 'number' && typeof to === 'number') return to - from;
  return null;
};

/** The figures that differ between two settlements, each before and after. */
const changed = (before: SettlementView | null, after: SettlementView | null) =>
  FIGURES.flatMap((figure) => {
    const [b, a] = [valueOf(before, figure), valueOf(after, figure)];
    return b === a ? [] : [{ figure, before: b, after: a }];
  });

/**
 * Events that cannot move this quarter's figures, passed over without recomputing them: invoices (DOMAIN.md: the
 * settlement knows nothing of bills), KPI records for months outside the quarter (its score uses its own months), and
 * events of extras and challenges raised after the quarter ended (they land in a later quarter, never an earlier one,
 * and count as open only in quarters they were raised by; gain share looks only at earlier quarters).
 */
const cannotMove = (e: StoredLedgerEvent, ledger: ContractLedger, months: readonly string[], lastDay: IsoDate): boolean => {
  if (isInvoiceEvent(e)) return true;
  const child = e.streamName.startsWith('contract-') ? e.streamName.slice('contract-'.length) : '';
  const item = ledger.extras[child] ?? ledger.challenges[child];
  if (item !== undefined && item.raisedOn > lastDay) return true;
  if (e.type === 'DeliverableDelivered' || e.type === 'DeliverableRejected' || e.type === 'MeasurementReported') {
    return !months.includes(e.data.month);
  }
  return false;
};

const viewOn = (ledger: ContractLedger, q: QuarterId, on: IsoDate): SettlementView | null =>
  ledger.contract.status === 'agreed' ? settlementView(ledger, q, on) : null;

export const settlementDiff = async (
  store: EventStore,
  job: SettlementDiffJob,
  /** The contract's ledger as the log held it at a past moment (past.ts's foldPast). */
  fold: (when: TimeTravel) => Promise<ContractLedger>,
  pause: () => Promise<void> = () => Promise.resolve(),
  /** The window's bounds (tests make them small). */
  limits: { events: number; work: number } = { events: DIFF_EVENT_LIMIT, work: DIFF_WORK_LIMIT },
): Promise<unknown> => {
  const { contractId, quarter, from, to } = job;
  const fromDate = londonDate(new Date(from.ms));
  const toDate = londonDate(new Date(to.ms));
  let ledger = await fold({ asAt: from, now: fromDate });
  const atFrom = viewOn(ledger, quarter, fromDate);
  let current = viewOn(ledger, quarter, toDate);
  const changes: unknown[] = [];
  const elapsed = changed(atFrom, current);
  if (elapsed.length > 0) changes.push({ cause: 'elapsed', from: fromDate, to: toDate, figures: elapsed });

  const months = monthsOfQuarter(quarter);
  const lastDay = lastDayOfQuarter(quarter);
  let work = 0;
  const root = contractStream(contractId);
  let after = BigInt(ledger.position);
  let examined = 0;
  // One fold from here on: only the latest ledger is kept, so its steps share their copies (issue 12: pure folds).
  const step = ledgerFold();
  for (let done = false; !done; ) {
    const page = await store.readStreamGroup(root, { after, maxCount: PAGE });
    for (const e of page) {
      // Recorded times never decrease with position: the first event recorded after `to` ends the window.
      if (Date.parse(e.recordedAt) > to.ms) {
        done = true;
        break;
      }
      if (++examined > limits.events) {
        throw new HttpError('validation-failed', `more than ${limits.events} events of this contract were recorded between from and to`, {
          errors: [{ path: 'from', message: `the window holds more than ${limits.events} events of this contract; narrow it` }],
        });
      }
      after = e.position;
      // The one decode step (issue 12): a record this code cannot read fails the job with its location.
      const event = decodeLedgerEvent(e);
      ledger = step(ledger, event);
      if (cannotMove(event, ledger, months, lastDay) && current !== null) continue;
      work += 1 + ledger.moneyItems.length + Object.keys(ledger.extras).length + Object.keys(ledger.challenges).length;
      if (work > limits.work) {
        throw new HttpError('validation-failed', 'the events between from and to are too many for one comparison over a contract this large', {
          errors: [{ path: 'from', message: `comparing after each event of this window would visit more than ${limits.work} records of this contract; narrow it` }],
        });
      }
      const next = viewOn(ledger, quarter, toDate);
      const moved = changed(current, next);
      if (moved.length > 0) {
        const { data: _data, correlationId: _c, causationId: _k, ...item } = historyItem(event);
        changes.push({ cause: 'event', ...item, figures: moved });
      }
      current = next;
    }
    if (page.length < PAGE) done = true;
    else await pause();
  }
  if (current === null) throw new HttpError('not-found', `contract ${contractId} had not been agreed by ${to.iso}`);
  return {
    contractId,
    quarter,
    from: { asAt: from.iso, settlement: atFrom },
    to: { asAt: to.iso, settlement: current },
    figures: FIGURES.map((figure) => {
      const [a, b] = [valueOf(atFrom, figure), valueOf(current, figure)];
      return { figure, from: a, to: b, difference: difference(a, b) };
    }),
    changes,
    eventsExamined: examined,
  };
};
