// Which read model an event changes, and how: a pure step over the batch's working set (STYLE.md pattern 9). The
// rules themselves are the domain's (evolveLedger, evolveOrganisation), so both services compute the same figures.
import {
  contractIdOfStream,
  evolveLedger,
  evolveOrganisation,
  initialLedger,
  initialOrganisationState,
  type ContractLedger,
  type OrganisationEvent,
  type OrganisationState,
  type StoredLedgerEvent,
} from '@csu-ledger/domain';
import type { RecordedEvent } from '@csu-ledger/event-store';
import { withFact } from './register.ts';

export interface WorkingSet {
  ledgers: Map<string, ContractLedger>;
  organisations: Map<string, OrganisationState>;
  history: { contractId: string; event: StoredLedgerEvent; eventId: string }[];
  position: bigint;
}

export interface Lookup {
  ledger(contractId: string): ContractLedger | undefined;
  organisation(code: string): OrganisationState | undefined;
}

const ORGANISATION_TYPES = new Set(['OrganisationRegistered', 'OrganisationRenamed']);

export const projectEvent = (set: WorkingSet, lookup: Lookup, recorded: RecordedEvent): void => {
  const event = recorded as unknown as StoredLedgerEvent;
  set.position = recorded.position;
  if (ORGANISATION_TYPES.has(recorded.type)) {
    const code = (event.data as { code: string }).code;
    const before = set.organisations.get(code) ?? lookup.organisation(code) ?? initialOrganisationState();
    // with the fact and its recorded time, so the register's views can be bitemporal (register.ts)
    set.organisations.set(code, withFact(before, evolveOrganisation(before, event as unknown as OrganisationEvent), recorded));
    return;
  }
  const contractId = contractIdOfStream(recorded.streamName);
  if (contractId === undefined) return; // another application's stream, or a later event kind: not ours to show
  const ledger = set.ledgers.get(contractId) ?? lookup.ledger(contractId) ?? initialLedger();
  set.ledgers.set(contractId, evolveLedger(ledger, event));
  set.history.push({ contractId, event, eventId: recorded.eventId });
};
