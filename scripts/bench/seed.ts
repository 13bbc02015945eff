// Events for a contract appended straight to the log, in the shapes the command service writes (measurements,
// deliveries, extras raised and answered, challenges raised and resolved): how the benchmarks build a long contract
// or a large log in seconds, when the command path is not what they measure. The contract itself (and its
// organisations) must exist first, created over HTTP, so the projections accept what follows.
import type { EventStore, NewEvent, RecordedEvent } from '@csu-ledger/event-store';
import { chainEvents } from '@csu-ledger/integrity';

const month = (i: number) => `2025-26-M${String(1 + (i % 12)).padStart(2, '0')}`;
const hex = (n: number) => n.toString(16).padStart(12, '0');

/**
 * Appends about `events` events (a multiple of 20) to contract `contractId`'s streams, many appends at once so the
 * store commits them together. The contract's KPIs must be K1 (deliverable) and K2 (measured), term 2025-26.
 * `round` numbers the extras and challenges, so seeding one contract twice needs a higher first round.
 */
export const seedContract = async (
  store: EventStore,
  contractId: string,
  events: number,
  actor: { sub: string; org: string; role: string },
  firstRound = 0,
): Promise<number> => {
  const metadata = { actor: { ...actor, name: actor.sub }, correlationId: 'bench' };
  const event = (type: string, data: Record<string, unknown>): NewEvent => ({
    eventId: crypto.randomUUID(),
    type,
    data,
    metadata,
  });
  let seeded = 0;
  for (let round = firstRound; seeded < events; round += 1) {
    const appends: Promise<unknown>[] = [];
    // 250 rounds of 20 events in one go: the store commits them together.
    for (let r = 0; r < 250 && seeded < events; r += 1, seeded += 20) {
      const n = round * 250 + r;
      for (let k = 0; k < 8; k += 1) {
        appends.push(
          store.appendToStream(
            `contract-${contractId}`,
            [
              event('MeasurementReported', {
                contractId,
                kpiId: 'K2',
                month: month(n + k),
                achievedBp: 9000 + ((n * 7 + k) % 1000),
                businessDate: '2025-07-20',
              }),
            ],
            { expectedRevision: 'any' },
          ),
        );
      }
      for (let k = 0; k < 6; k += 1) {
        appends.push(
          store.appendToStream(
            `contract-${contractId}`,
            [
              event('DeliverableDelivered', {
                contractId,
                kpiId: 'K1',
                month: month(n + k),
                deliveredOn: '2025-07-10',
                businessDate: '2025-07-10',
                reference: `r-${n}-${k}`,
              }),
            ],
            { expectedRevision: 'any' },
          ),
        );
      }
      const extraA = `${contractId}.extra-${hex(2 * n)}`;
      const extraB = `${contractId}.extra-${hex(2 * n + 1)}`;
      const raise = (extraId: string, d: string) =>
        event('ExtraRaised', {
          extraId,
          contractId,
          amountPence: 1_000 + (n % 5_000),
          description: 'Ad hoc extract',
          serviceLine: 'bi',
          requestedBy: 'Head of Contracting',
          businessDate: d,
        });
      appends.push(
        store.appendToStream(
          `contract-${extraA}`,
          [
            raise(extraA, '2025-05-01'),
            event('ExtraAccepted', {
              extraId: extraA,
              contractId,
              amountPence: 1_000 + (n % 5_000),
              businessDate: `2025-${String(5 + (n % 7)).padStart(2, '0')}-02`,
            }),
          ],
          { expectedRevision: 'no-stream' },
        ),
      );
      appends.push(
        store.appendToStream(
          `contract-${extraB}`,
          [
            raise(extraB, '2025-05-01'),
            event('ExtraDisputed', {
              extraId: extraB,
              contractId,
              reason: 'covered-by-core-offer',
              businessDate: '2025-05-02',
            }),
          ],
          { expectedRevision: 'no-stream' },
        ),
      );
      const challenge = `${contractId}.challenge-${hex(n)}`;
      appends.push(
        store.appendToStream(
          `contract-${challenge}`,
          [
            event('ChallengeRaised', {
              challengeId: challenge,
              contractId,
              trust: 'RAX',
              activityMonth: '2025-26-M01',
              category: 'duplicate-activity',
              activityLines: 3,
              valuePence: 50_000,
              businessDate: '2025-05-06',
            }),
            event('ChallengeResolved', {
              challengeId: challenge,
              contractId,
              recoveredPence: 10_000 + (n % 40_000),
              businessDate: `2025-${String(6 + (n % 6)).padStart(2, '0')}-20`,
            }),
          ],
          { expectedRevision: 'no-stream' },
        ),
      );
    }
    await Promise.all(appends);
  }
  return seeded;
};

/**
 * The store, but every append hash-chained after the last event of its stream, as the command service writes them, so
 * a seeded log can be signed and verified like one the service wrote (the scale scenario's start-up must not include
 * re-reading a log no signature can cover). Each stream's appends reach the store in the order they were made,
 * without waiting for each other's commit (the store still commits them together), each expecting the revision the one
 * before leaves: an append applied out of order fails rather than breaking the chain.
 */
export const chainingStore = (store: EventStore): EventStore => {
  const tails = new Map<string, Promise<RecordedEvent | undefined>>();
  return {
    ...store,
    appendToStream: (streamName, events) => {
      const step = (tails.get(streamName) ?? store.readStream(streamName).then((es) => es.at(-1))).then((tail) => {
        const chained = chainEvents(streamName, tail, events);
        const appended = store.appendToStream(streamName, chained, { expectedRevision: tail ? tail.revision : 'no-stream' });
        const last = chained.at(-1)!;
        const revision = (tail ? tail.revision : -1) + chained.length;
        return { appended, tail: { ...last, streamName, revision, position: 0n, recordedAt: '' } satisfies RecordedEvent };
      });
      tails.set(streamName, step.then((s) => s.tail));
      return step.then((s) => s.appended);
    },
  };
};
