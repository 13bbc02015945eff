// A contract's history (API.md: the contract's events, its extras and challenges included), a page at a time, read
// from the log itself: `asAt` is a prefix of the log in recorded order (the store's recorded times never decrease
// with position), so a page never needs the group's earlier events; `asOf`, `type`, `from` and `to` filter.
import { contractStream, decodeLedgerEvent, type LedgerEventType, type OrganisationEvent, type StoredLedgerEvent } from '@csu-ledger/domain';
import type { EventStore } from '@csu-ledger/event-store';
import { encodeCursor, type Page } from './paging.ts';
import type { TimeTravel } from './time-travel.ts';

type ContractGroupType = Exclude<LedgerEventType, OrganisationEvent['type']>;
/** The event types a contract's history may be filtered by (`type`). */
export const HISTORY_TYPES = [
  'ContractAgreed',
  'ContractVaried',
  'BreakNoticeServed',
  'DeliverableDelivered',
  'DeliverableRejected',
  'MeasurementReported',
  'SettlementApproved',
  'ExtraRaised',
  'ExtraAccepted',
  'ExtraDisputed',
  'ExtraRevised',
  'ExtraWithdrawn',
  'ExtraResolved',
  'ExtraEscalated',
  'ChallengeRaised',
  'TrustResponded',
  'ChallengeEscalated',
  'ChallengeResolved',
  'ChallengeWithdrawn',
  'RecoveryQueried',
  'RecoveryConfirmed',
  'InvoiceSubmitted',
  'InvoiceDisputed',
  'InvoicePaid',
  'InvoiceWithdrawn',
] as const satisfies readonly ContractGroupType[];
export type HistoryType = (typeof HISTORY_TYPES)[number];
// A new event type in a contract's group that this list lacks fails to compile here.
const everyType: [Exclude<ContractGroupType, HistoryType>] extends [never] ? true : never = true;
void everyType;

export interface HistoryQuery {
  contractId: string;
  when?: TimeTravel | undefined;
  types?: readonly string[] | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Exclusive: events after this position. */
  after?: bigint | undefined;
  limit: number;
}

/** How many events one request may read looking for matches; past it, a short page and a cursor to go on. */
export const HISTORY_SCAN_BUDGET = 10_000;

/** An event as a history row or the decode step gives it: its data in the current version of its type. */
export interface HistoryEvent {
  position: bigint;
  eventId: string;
  streamName: string;
  revision: number;
  type: string;
  data: unknown;
  metadata: { actor?: unknown; correlationId?: string | undefined; causationId?: string | undefined };
  recordedAt: string;
}

/**
 * One item of a history page. Its data is the event's in the current version of its type (decodeLedgerEvent lifts
 * older ones), so a reader meets one shape per type however old the log; `pnpm ledger export` keeps the stored bytes.
 */
export const historyItem = (e: HistoryEvent) => {
  const m = e.metadata;
  return {
    position: e.position.toString(),
    eventId: e.eventId,
    streamName: e.streamName,
    revision: e.revision,
    type: e.type,
    businessDate: (e.data as { businessDate?: string } | null)?.businessDate ?? null,
    recordedAt: e.recordedAt,
    actor: m.actor ?? null,
    correlationId: m.correlationId ?? null,
    causationId: m.causationId ?? null,
    data: e.data,
  };
};
export type HistoryItem = ReturnType<typeof historyItem>;

/**
 * One page of history. At most `HISTORY_SCAN_BUDGET` events are read per page, so a filter that matches little
 * costs a bounded amount per request: the page may then hold fewer than `limit` items (even none) with a `next`
 * cursor to continue from. `next` is null only when nothing more can match.
 */
export const historyPage = async (
  store: EventStore,
  q: HistoryQuery,
  pause: () => Promise<void> = () => Promise.resolve(),
): Promise<Page<HistoryItem>> => {
  const root = contractStream(q.contractId);
  const asAtMs = q.when?.asAt?.ms;
  const until = q.when?.asOf;
  const types = q.types === undefined ? undefined : new Set(q.types);
  const matches = (e: StoredLedgerEvent): boolean => {
    if (types && !types.has(e.type)) return false;
    const d = e.data.businessDate;
    return (
      (until === undefined || d <= until) && (q.from === undefined || d >= q.from) && (q.to === undefined || d <= q.to)
    );
  };
  const items: HistoryItem[] = [];
  const chunk = Math.min(Math.max(q.limit + 1, 256), 2_000);
  let cursor = q.after ?? 0n;
  let scanned = 0;
  for (;;) {
    const events = await store.readStreamGroup(root, { after: cursor, maxCount: chunk });
    for (const e of events) {
      // Recorded times never decrease with position: the first event recorded after asAt ends what was known.
      if (asAtMs !== undefined && Date.parse(e.recordedAt) > asAtMs) return { items, next: null };
      // The one decode step (issue 12): an event this code cannot read fails the page with its location
      // (DecodeError), and the filters read the current shape of every event, however old.
      const decoded = decodeLedgerEvent(e);
      if (!matches(decoded)) {
        cursor = e.position;
        scanned += 1;
        continue;
      }
      // One match beyond the page: there is more, and the page ends at its last item.
      if (items.length === q.limit) return { items, next: encodeCursor('history', items[items.length - 1]!.position) };
      items.push(historyItem(decoded));
      cursor = e.position;
      scanned += 1;
    }
    if (events.length < chunk) return { items, next: null };
    if (scanned >= HISTORY_SCAN_BUDGET) return { items, next: encodeCursor('history', cursor.toString()) };
    await pause();
  }
};
