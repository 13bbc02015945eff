// The organisation register, bitemporal (DOMAIN.md: Who and what, Time travel): the name a view shows is the one in
// force at the date the view is about, as the system knew it at the view's `asAt`: a registration or a renaming
// recorded after asAt was not known then, and a view dated before an organisation's registration shows its code
// alone. Each registration and renaming is kept as a fact with the time it was recorded.
import {
  type IsoDate,
  type OrganisationEvent,
  type OrganisationState,
  type RegisteredOrganisation,
} from '@csu-ledger/domain';

export interface RegisterFact {
  type: 'registered' | 'renamed';
  /** The business date the name is in force from. */
  from: IsoDate;
  name: string;
  /** When the system recorded it (ISO 8601 UTC); absent in read models projected before facts were kept. */
  recordedAt?: string | undefined;
}

/** The read model's organisation: the domain's state and, since issue 9, the facts it was folded from. */
export type RegisterEntry = OrganisationState & { facts?: RegisterFact[] | undefined };

/** A decoded registration or renaming (decodeLedgerEvent) as a fact with its recorded time. */
export const factOf = (e: OrganisationEvent & { recordedAt: string }): RegisterFact => ({
  type: e.type === 'OrganisationRegistered' ? 'registered' : 'renamed',
  from: e.data.businessDate,
  name: e.data.name,
  recordedAt: e.recordedAt,
});

/** The state after an event, carrying the facts before it and the event's own (projection.ts). */
export const withFact = (
  before: RegisterEntry,
  after: OrganisationState,
  event: OrganisationEvent & { recordedAt: string },
): RegisterEntry => {
  if (after.status !== 'registered') return after;
  const facts = before.status === 'registered' ? (before.facts ?? factsOfState(before)) : [];
  return { ...after, facts: [...facts, factOf(event)] };
};

/** Facts of a state projected before facts were kept: every name known from the start, the earliest the registration. */
const factsOfState = (o: RegisteredOrganisation): RegisterFact[] =>
  o.names.map((n, i) => ({ type: i === 0 ? 'registered' : 'renamed', from: n.from, name: n.name }));

export const factsOf = (entry: RegisterEntry | undefined): RegisterFact[] =>
  entry?.status === 'registered' ? (entry.facts ?? factsOfState(entry)) : [];

/**
 * The name in force on `on` as known at `asAtMs` (every fact when undefined), or undefined when the organisation
 * was not registered by `on` as far as the system knew then. Facts are in recorded order; of two names in force
 * from the same date, the one recorded later wins.
 */
export const nameKnown = (facts: readonly RegisterFact[], on: IsoDate, asAtMs?: number): string | undefined => {
  const known =
    asAtMs === undefined
      ? facts
      : facts.filter((f) => f.recordedAt === undefined || Date.parse(f.recordedAt) <= asAtMs);
  const registered = known.find((f) => f.type === 'registered');
  if (!registered || on < registered.from) return undefined;
  let name: string | undefined;
  let since = '';
  for (const f of known) {
    if (f.from <= on && f.from >= since) {
      name = f.name;
      since = f.from;
    }
  }
  return name;
};

/** Whether the organisation was registered (and the registration recorded) by then; its kind when so. */
export const registeredKnown = (facts: readonly RegisterFact[], asAtMs?: number): boolean =>
  facts.some(
    (f) =>
      f.type === 'registered' &&
      (asAtMs === undefined || f.recordedAt === undefined || Date.parse(f.recordedAt) <= asAtMs),
  );

/** Names of parties for a view: the name in force on a date, or undefined (the code alone). */
export type Names = (code: string, on: IsoDate) => string | undefined;

export const namesFrom = (factsFor: (code: string) => readonly RegisterFact[], asAtMs?: number): Names => {
  return (code, on) => nameKnown(factsFor(code), on, asAtMs);
};
