// Which read model an event changes, and how: a pure step over the batch's working set (STYLE.md pattern 9). The
// rules themselves are the domain's (evolveLedger, evolveOrganisation), so both services compute the same figures.
// An event that cannot be applied is confined to the unit it concerns (one contract, or one register entry): that
// unit is quarantined and its later events held back, while every other unit goes on (projectBatch).
import {
  contractIdOfStream,
  decodeLedgerEvent,
  evolveOrganisation,
  initialLedger,
  initialOrganisationState,
  isOrganisationEvent,
  ledgerFold,
  type ContractLedger,
  type OrganisationState,
} from '@csu-ledger/domain';
import type { RecordedEvent } from '@csu-ledger/event-store';
import type { Quarantine, ReadModelBatch } from './read-models.ts';
import { noteTouched, type TouchedItem } from './item-rows.ts';
import { withFact } from './register.ts';

export type WorkingSet = ReadModelBatch;

export interface Lookup {
  ledger(contractId: string): ContractLedger | undefined;
  organisation(code: string): OrganisationState | undefined;
}

/** What a batch reads from the read models: their state, their quarantines, and a way to forget what it changed. */
export interface BatchLookup extends Lookup {
  quarantined(unit: string): Quarantine | undefined;
  /** Forgets in-memory copies the read models keep between batches (a failed pass starts again from the file). */
  discard(): void;
}

/** An event the projection passed over by the operator's override (LEDGER_PROJECTION_SKIP), and why it failed. */
export interface SkippedEvent {
  position: string;
  streamName: string;
  type: string;
  reason: string;
}

export type ProjectEvent = (set: WorkingSet, lookup: Lookup, recorded: RecordedEvent) => void;

const ORGANISATION_TYPES = new Set(['OrganisationRegistered', 'OrganisationRenamed']);

const organisationCode = (recorded: RecordedEvent): string => {
  const code = (recorded.data as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : recorded.streamName.replace(/^organisation-/, '');
};

/** The read model an event belongs to: `contract:<id>`, `organisation:<code>`, or undefined when none of ours. */
export const unitOf = (recorded: RecordedEvent): string | undefined => {
  if (ORGANISATION_TYPES.has(recorded.type)) return `organisation:${organisationCode(recorded)}`;
  const contractId = contractIdOfStream(recorded.streamName);
  return contractId === undefined ? undefined : `contract:${contractId}`;
};

export const emptyWorkingSet = (position: bigint): WorkingSet => ({
  ledgers: new Map(),
  organisations: new Map(),
  history: [],
  items: new Map(),
  quarantines: new Map(),
  released: new Set(),
  position,
});

/**
 * One fold per working set (a pass over a batch): the working set keeps only each ledger's latest state, so the
 * fold's steps may share their copies, and each ledger taken from the read models is copied once per pass, never
 * changed (issue 12: pure folds). A pass that fails leaves the read models' own ledgers as they were.
 */
const folds = new WeakMap<WorkingSet, ReturnType<typeof ledgerFold>>();
const foldOf = (set: WorkingSet): ReturnType<typeof ledgerFold> => {
  let fold = folds.get(set);
  if (!fold) folds.set(set, (fold = ledgerFold()));
  return fold;
};

/**
 * Applies one recorded event. Every event of a unit of ours passes the one decode step (issue 12) first: a record
 * that is not a readable version of a ledger event throws its located DecodeError here, which quarantines its unit
 * (projectBatch), never a crash deep in a fold.
 */
export const projectEvent: ProjectEvent = (set, lookup, recorded) => {
  set.position = recorded.position;
  if (unitOf(recorded) === undefined) return; // another application's stream (signed heads among them): not ours
  const event = decodeLedgerEvent(recorded);
  if (isOrganisationEvent(event)) {
    const code = event.data.code;
    const before = set.organisations.get(code) ?? lookup.organisation(code) ?? initialOrganisationState();
    // with the fact and its recorded time, so the register's views can be bitemporal (register.ts)
    set.organisations.set(code, withFact(before, evolveOrganisation(before, event), event));
    return;
  }
  const contractId = contractIdOfStream(recorded.streamName)!; // unitOf found it
  const ledger = set.ledgers.get(contractId) ?? lookup.ledger(contractId) ?? initialLedger();
  const next = foldOf(set)(ledger, event);
  set.ledgers.set(contractId, next);
  let touched = set.items.get(contractId);
  if (!touched) set.items.set(contractId, (touched = new Map<string, TouchedItem>()));
  noteTouched(touched, event, ledger, next);
  set.history.push({ contractId, event, eventId: recorded.eventId });
};

export const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The parties of the contract a failed event concerns, from its state before the event or from the event itself. */
const partiesOf = (set: WorkingSet, lookup: Lookup, unit: string, e: RecordedEvent): Quarantine['parties'] => {
  if (!unit.startsWith('contract:')) return undefined;
  const id = unit.slice('contract:'.length);
  const c = (set.ledgers.get(id) ?? lookup.ledger(id))?.contract;
  if (c?.status === 'agreed') return { ccg: c.ccg, csu: c.csu };
  const data = e.data as { ccg?: unknown; csu?: unknown } | null;
  return typeof data?.ccg === 'string' && typeof data.csu === 'string' ? { ccg: data.ccg, csu: data.csu } : undefined;
};

export interface BatchOutcome {
  /** Ready to commit: the good events applied, held-back counts, new quarantines, the position of the last event. */
  set: WorkingSet;
  /** Units quarantined by this batch. */
  quarantined: Quarantine[];
  /** Held-back events per unit in this batch (for the log). */
  held: Map<string, number>;
  /** Events passed over by the operator's override. */
  skipped: SkippedEvent[];
}

/**
 * Projects `events` (all after `from`) into a working set. An event that throws quarantines its unit at that event:
 * the pass starts again from the read models without it (which the failed pass left as they were), so the unit stands just
 * before the event, its later events are held back and counted, and every other unit's events are applied. An event
 * listed in `skip` that throws is passed over instead (the operator's override); one that applies is applied. Throws
 * only for a failure no unit can be blamed for.
 */
export const projectBatch = (
  from: bigint,
  events: readonly RecordedEvent[],
  lookup: BatchLookup,
  options: { skip?: ReadonlySet<bigint>; project?: ProjectEvent } = {},
): BatchOutcome => {
  const project = options.project ?? projectEvent;
  const passOver = new Map<bigint, SkippedEvent>();
  const found = new Map<string, Quarantine>();
  for (;;) {
    const set = emptyWorkingSet(from);
    for (const [unit, q] of found) set.quarantines.set(unit, q);
    const held = new Map<string, number>();
    let failed: { e: RecordedEvent; error: unknown } | undefined;
    for (const e of events) {
      set.position = e.position;
      if (passOver.has(e.position)) continue;
      const unit = unitOf(e);
      const q = unit === undefined ? undefined : (set.quarantines.get(unit) ?? lookup.quarantined(unit));
      if (unit !== undefined && q !== undefined && e.position >= BigInt(q.position)) {
        if (e.position === BigInt(q.position)) continue; // the event that failed: never applied, never counted
        set.quarantines.set(unit, { ...q, heldBack: q.heldBack + 1, lastHeldPosition: e.position.toString() });
        held.set(unit, (held.get(unit) ?? 0) + 1);
        continue;
      }
      try {
        project(set, lookup, e);
      } catch (error) {
        failed = { e, error };
        break;
      }
    }
    if (!failed) return { set, quarantined: [...found.values()], held, skipped: [...passOver.values()] };
    const { e, error } = failed;
    const unit = unitOf(e);
    if (unit === undefined) throw error;
    const reason = message(error);
    const parties = partiesOf(set, lookup, unit, e);
    lookup.discard();
    if (options.skip?.has(e.position)) {
      passOver.set(e.position, { position: e.position.toString(), streamName: e.streamName, type: e.type, reason });
    } else {
      found.set(unit, {
        unit,
        position: e.position.toString(),
        streamName: e.streamName,
        type: e.type,
        eventId: e.eventId,
        reason,
        ...(parties ? { parties } : {}),
        heldBack: 0,
        lastHeldPosition: null,
      });
    }
  }
};
