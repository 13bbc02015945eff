// For tests: logs built in memory the way the command service writes them (chained events, signed heads), and the
// tools of someone who rewrites a log and re-hashes it to cover their tracks.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@csu-ledger/event-store';
import { chainEvents, eventHash } from './chain.ts';
import { HEADS_SIGNED, HEADS_STREAM, headsOf, signHeads, type SigningTrigger } from './heads.ts';
import { keyIdOf, type SigningKey } from './keys.ts';
import { KEY_ROTATED, signRotation } from './rotation.ts';

/** The interval the fixtures' heads record. */
export const INTERVAL_MS = 60_000;

export const newSigningKey = (): SigningKey => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
};

const START = Date.parse('2025-04-01T09:00:00.000Z');

export interface LogBuilder {
  events: RecordedEvent[];
  append(streamName: string, type: string, data: unknown, metadata?: Record<string, unknown>): RecordedEvent;
  /** Signs the current heads of the given streams (default: every stream but the heads stream). */
  sign(streams?: string[], trigger?: SigningTrigger): RecordedEvent;
  /** Records a change to `next`, signed by the key in use, and signs with `next` from then on. */
  rotate(next: SigningKey): RecordedEvent;
  /** Moves the clock on: the next event is recorded `ms` later than it would have been. */
  wait(ms: number): void;
}

/** Appended one a second from 2025-04-01T09:00Z, heads signed (issue 14's form) when they are recorded. */
export const logBuilder = (firstKey: SigningKey): LogBuilder => {
  let key = firstKey;
  let skew = 0;
  const events: RecordedEvent[] = [];
  const nextTime = () => START + skew + events.length * 1_000;
  const lastOf = (streamName: string) => events.findLast((e) => e.streamName === streamName);
  const append = (streamName: string, type: string, data: unknown, metadata: Record<string, unknown> = { actor: { sub: 'u1' } }) => {
    const last = lastOf(streamName);
    const [chained] = chainEvents(streamName, last, [{ eventId: randomUUID(), type, data, metadata }]);
    const recorded: RecordedEvent = {
      ...chained!,
      streamName,
      revision: last ? last.revision + 1 : 0,
      position: BigInt(events.length + 1),
      recordedAt: new Date(nextTime()).toISOString(),
    };
    events.push(recorded);
    return recorded;
  };
  const sign = (streams?: string[], trigger: SigningTrigger = { kind: 'periodic' }) => {
    const covered = events.filter((e) => e.streamName !== HEADS_STREAM && (streams === undefined || streams.includes(e.streamName)));
    const through = events[events.length - 1]?.position ?? 0n;
    const data = signHeads(key, headsOf(covered), through, { trigger, signedAt: new Date(nextTime()), intervalMs: INTERVAL_MS });
    return append(HEADS_STREAM, HEADS_SIGNED, data, { producer: 'test' });
  };
  const rotate = (next: SigningKey) => {
    const recorded = append(HEADS_STREAM, KEY_ROTATED, signRotation(key, next, new Date(nextTime())), { producer: 'test' });
    key = next;
    return recorded;
  };
  const wait = (ms: number) => {
    skew += ms;
  };
  return { events, append, sign, rotate, wait };
};

/** A small history: a contract with an extra, signed, then more events, signed again, then an unsigned tail. */
export const sampleLog = (key: SigningKey): RecordedEvent[] => {
  const log = logBuilder(key);
  log.append('contract-C1', 'ContractAgreed', { contractId: 'C1', annualFeePence: 160_000_000, kpis: [{ id: 'K1', weightBp: 10_000 }] });
  log.append('organisation-08J', 'OrganisationRegistered', { code: '08J', name: 'Kingston CCG' });
  log.append('contract-C1', 'DeliverableDelivered', { kpiId: 'K1', month: '2025-26-M01', deliveredOn: '2025-05-14' });
  log.append('contract-C1.extra-aaaaaaaaaaaa', 'ExtraRaised', { amountPence: 1_850_000, description: 'SUS extract' });
  log.append('contract-C1', 'MeasurementReported', { kpiId: 'K1', month: '2025-26-M02', achievedBp: 9600 });
  log.sign(); // position 6
  log.append('contract-C1.extra-aaaaaaaaaaaa', 'ExtraDisputed', { reason: 'covered-by-core-offer' });
  log.append('contract-C1', 'SettlementApproved', { quarter: '2025-26-Q1', netPayablePence: 41_700_000 });
  log.sign(['contract-C1', 'contract-C1.extra-aaaaaaaaaaaa'], { kind: 'group', root: 'contract-C1' }); // position 9
  log.append('organisation-08J', 'OrganisationRenamed', { code: '08J', name: 'NHS South West London' });
  return log.events;
};

/** A deep copy to tamper with. */
export const copyOf = (events: RecordedEvent[]): RecordedEvent[] => structuredClone(events);

/** What a capable attacker does after changing a stream: recompute every hash of it so the chain looks whole. */
export const rechain = (events: RecordedEvent[], streamName: string): RecordedEvent[] => {
  let previous: string | null = null;
  return events.map((e) => {
    if (e.streamName !== streamName) return e;
    const { integrity: _old, ...rest } = e.metadata;
    const hash = eventHash({ ...e, metadata: rest }, previous);
    const next = { ...e, metadata: { ...rest, integrity: { hash, previous } } };
    previous = hash;
    return next;
  });
};
