// Loading what a command decides on, and the visibility rule applied before anything else is revealed:
// a contract the caller's organisation may not see is 404, exactly like one that does not exist.
import {
  contractStream,
  decodeLedgerEvent,
  foldContractState,
  foldLedger,
  isLedgerRecord,
  type AgreedContract,
  type ContractLedger,
  type ContractState,
  type StoredLedgerEvent,
} from '@csu-ledger/domain';
import { actingRole, canSeeContract, rolesFor, type ContractParties, type Permission } from '@csu-ledger/auth';
import type { RequestContext } from './pipeline.ts';
import type { Actor } from '@csu-ledger/domain';
import type { EventStore, RecordedEvent } from '@csu-ledger/event-store';
import { HttpError } from '@csu-ledger/http';

/**
 * The one decode step (issue 12): stored records become domain events only through decodeLedgerEvent, which
 * validates each and lifts older versions; a record that is not one of ours (a signed head) is left out.
 */
export const decoded = (records: RecordedEvent[]): StoredLedgerEvent[] => records.filter(isLedgerRecord).map(decodeLedgerEvent);

export const foldContract = (records: RecordedEvent[]): ContractState => foldContractState(decoded(records));

/**
 * 403 when no role of the caller may ever do this, before anything about the target is looked up. Records the role
 * the caller acts in on the request context (refined by `requireContractRole` once the contract is known).
 */
export const requirePermission = (ctx: RequestContext, permission: Permission): void => {
  const roles = rolesFor(ctx.actor, permission);
  if (roles.length === 0) throw new HttpError('forbidden', `your role may not ${permission.replace(/-/g, ' ')}`);
  ctx.role = roles[0];
};

/** 403 unless the caller's organisation holds, on this contract, a role that may do this. */
export const requireContractRole = (ctx: RequestContext, permission: Permission, parties: ContractParties): void => {
  const role = actingRole(ctx.actor, permission, parties);
  if (role === undefined) {
    throw new HttpError(
      'forbidden',
      `your organisation's role on this contract may not ${permission.replace(/-/g, ' ')}`,
    );
  }
  ctx.role = role;
};

export const notFound = (what: string): HttpError => new HttpError('not-found', `no ${what} that you can see`);

export const visibleContract = (actor: Actor, state: ContractState, contractId: string): AgreedContract => {
  if (state.status !== 'agreed' || !canSeeContract(actor, state)) throw notFound(`contract ${contractId}`);
  return state;
};

export const loadContract = async (
  store: EventStore,
  actor: Actor,
  contractId: string,
): Promise<{ events: RecordedEvent[]; contract: AgreedContract }> => {
  const events = await store.readStream(contractStream(contractId));
  return { events, contract: visibleContract(actor, foldContract(events), contractId) };
};

export const loadLedger = async (
  store: EventStore,
  contractId: string,
): Promise<{ ledger: ContractLedger; position: bigint; events: RecordedEvent[] }> => {
  const events = await store.readStreamGroup(contractStream(contractId));
  return {
    ledger: foldLedger(decoded(events)),
    position: events.length === 0 ? 0n : events[events.length - 1]!.position,
    events,
  };
};

/** A command's target stream and the state folded from it (what most commands decide on). */
export const loadStream = async <S>(
  store: EventStore,
  streamName: string,
  fold: (events: RecordedEvent[]) => S,
): Promise<{ state: S; streamEvents: RecordedEvent[] }> => {
  const streamEvents = await store.readStream(streamName);
  return { state: fold(streamEvents), streamEvents };
};
