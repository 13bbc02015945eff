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
import { createFoldCache, type FoldCache } from './fold-cache.ts';

/**
 * The one decode step (issue 12): stored records become domain events only through decodeLedgerEvent, which
 * validates each and lifts older versions; a record that is not one of ours (a signed head) is left out.
 */
export const decoded = (records: RecordedEvent[]): StoredLedgerEvent[] => records.filter(isLedgerRecord).map(decodeLedgerEvent);

export const foldContract = (records: RecordedEvent[]): ContractState => foldContractState(decoded(records));

/** Per store (tests run several in one process): the latest contract state per stream and ledger per group. */
const foldCaches = new WeakMap<EventStore, { contracts: FoldCache<ContractState>; ledgers: FoldCache<ContractLedger> }>();
const cachesOf = (store: EventStore) => {
  let caches = foldCaches.get(store);
  if (!caches) {
    caches = { contracts: createFoldCache(200_000), ledgers: createFoldCache(200_000) };
    foldCaches.set(store, caches);
  }
  return caches;
};

/** Committed records have a position; those still in flight (in-flight.ts) have none yet and may never commit. */
const isCommitted = (r: RecordedEvent): boolean => r.position > 0n;

/**
 * The contract's state from its stream's records (as `foldContract`), continuing the state folded for an earlier
 * command when the records still hold what it was folded from (fold-cache.ts). Only committed records are kept folded:
 * the events in flight after them are folded on top each time, since their append may yet fail.
 */
export const contractStateOf = (store: EventStore, records: RecordedEvent[]): ContractState => {
  const name = records[0]?.streamName;
  if (name === undefined) return foldContract(records);
  const cache = cachesOf(store).contracts;
  const hit = cache.get(name);
  const continues = hit !== undefined && records.length >= hit.count && records[hit.count - 1]?.eventId === hit.lastEventId;
  const from = continues ? hit.count : 0;
  let committed = from;
  while (committed < records.length && isCommitted(records[committed]!)) committed += 1;
  let state = foldContractState(decoded(records.slice(from, committed)), continues ? hit.state : undefined);
  const last = records[committed - 1];
  if (last && committed > from) cache.set(name, { state, count: committed, lastEventId: last.eventId, position: last.position });
  if (committed < records.length) state = foldContractState(decoded(records.slice(committed)), state);
  return state;
};

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
  return { events, contract: visibleContract(actor, contractStateOf(store, events), contractId) };
};

/**
 * The contract's ledger from its stream group and the position it was folded through. Only the group's events after
 * the ledger folded for an earlier command are read and folded (positions only grow, and what is committed at or
 * before a position never changes).
 */
export const loadLedger = async (store: EventStore, contractId: string): Promise<{ ledger: ContractLedger; position: bigint }> => {
  const root = contractStream(contractId);
  const cache = cachesOf(store).ledgers;
  const hit = cache.get(root);
  const tail = await store.readStreamGroup(root, hit ? { after: hit.position } : {});
  const last = tail[tail.length - 1];
  if (!last) return hit ? { ledger: hit.state, position: hit.position } : { ledger: foldLedger([]), position: 0n };
  const ledger = foldLedger(decoded(tail), hit?.state);
  cache.set(root, { state: ledger, count: (hit?.count ?? 0) + tail.length, lastEventId: last.eventId, position: last.position });
  return { ledger, position: last.position };
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
