// Signing chain heads (issue 5): after each settlement approval (the heads of that contract's group) and periodically
// (the heads of every stream changed since the last periodic signing, only when the log moved). Each signing is a
// `ChainHeadsSigned` event appended, hash-chained like any other, to the `integrity-heads` stream.
import { randomUUID } from 'node:crypto';
import { ConcurrencyError, type EventStore, type NewEvent, type RecordedEvent } from '@csu-ledger/event-store';
import { chainEvents } from './chain.ts';
import { HEADS_SIGNED, HEADS_STREAM, headsOf, parseHeadsSigned, signHeads, type ChainHead, type SigningTrigger } from './heads.ts';
import type { SigningKey } from './keys.ts';

export interface HeadSigner {
  /** Signs the heads of the stream `root` and of its `root.<child>` streams. Undefined when it has none. */
  signGroup(root: string): Promise<RecordedEvent | undefined>;
  /** Signs the heads of every stream changed since the last periodic signing; undefined when none changed. */
  signChanged(): Promise<RecordedEvent | undefined>;
  /** Calls `signChanged` every `intervalMs` (0: never); returns a function that stops it. */
  startPeriodic(intervalMs: number, onError: (error: unknown) => void): () => void;
}

export interface HeadSignerOptions {
  store: EventStore;
  key: SigningKey;
  /** Page size for reading the log after the last signing. */
  pageSize?: number;
}

const MAX_ATTEMPTS = 8;

export const createHeadSigner = ({ store, key, pageSize = 5_000 }: HeadSignerOptions): HeadSigner => {
  /** The last event of the heads stream as far as we know, and the position the periodic signing has read to. */
  let tail: RecordedEvent | undefined;
  let cursor: bigint | undefined;

  // One signing at a time in this process: each continues the heads stream from the last.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  /** Catches up with the heads stream (another process may sign too), learning where periodic signing got to. */
  const refresh = async (): Promise<void> => {
    const more = await store.readStream(HEADS_STREAM, { fromRevision: tail ? tail.revision + 1 : 0 });
    for (const e of more) {
      const data = e.type === HEADS_SIGNED ? parseHeadsSigned(e.data) : undefined;
      const trigger = (e.data as { trigger?: SigningTrigger } | null)?.trigger;
      if (data && trigger?.kind === 'periodic') {
        const through = BigInt(data.throughPosition);
        if (cursor === undefined || through > cursor) cursor = through;
      }
    }
    if (more.length > 0) tail = more[more.length - 1];
  };

  const append = async (heads: ChainHead[], throughPosition: bigint, trigger: SigningTrigger): Promise<RecordedEvent> => {
    for (let attempt = 1; ; attempt++) {
      await refresh();
      const event: NewEvent = {
        eventId: randomUUID(),
        type: HEADS_SIGNED,
        data: signHeads(key, heads, throughPosition, trigger),
        metadata: { producer: 'integrity-signer' },
      };
      try {
        const result = await store.appendToStream(HEADS_STREAM, chainEvents(HEADS_STREAM, tail, [event]), {
          expectedRevision: tail ? tail.revision : 'no-stream',
        });
        tail = result.events[result.events.length - 1];
        return tail!;
      } catch (error) {
        // Another process signed first: read its signature and chain after it.
        if (!(error instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  };

  const signGroup = (root: string) =>
    exclusive(async () => {
      const events = await store.readStreamGroup(root);
      const heads = headsOf(events);
      if (heads.length === 0) return undefined;
      return append(heads, events[events.length - 1]!.position, { kind: 'group', root });
    });

  const signChanged = () =>
    exclusive(async () => {
      await refresh();
      const changed: RecordedEvent[] = [];
      let through = cursor;
      for (;;) {
        const page = await store.readAll({ after: through, maxCount: pageSize });
        for (const e of page) if (e.streamName !== HEADS_STREAM) changed.push(e);
        if (page.length > 0) through = page[page.length - 1]!.position;
        if (page.length < pageSize) break;
      }
      const heads = headsOf(changed);
      if (heads.length === 0) {
        cursor = through; // only signatures since: nothing new to vouch for
        return undefined;
      }
      const signed = await append(heads, through!, { kind: 'periodic' });
      cursor = through;
      return signed;
    });

  const startPeriodic = (intervalMs: number, onError: (error: unknown) => void): (() => void) => {
    if (intervalMs <= 0) return () => undefined;
    const timer = setInterval(() => void signChanged().catch(onError), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  };

  return { signGroup, signChanged, startPeriodic };
};

/**
 * The store, but an append that records one of `types` (a settlement approval) is followed at once by signing the
 * heads of its stream's group. A failed signing never fails the append, which is stored: it is reported, and the
 * next periodic signing covers the group anyway.
 */
export const signingAfter = (
  store: EventStore,
  signer: HeadSigner,
  types: readonly string[],
  onError: (error: unknown) => void,
): EventStore => ({
  appendToStream: async (streamName, events, options) => {
    const result = await store.appendToStream(streamName, events, options);
    if (!result.duplicate && result.events.some((e) => types.includes(e.type))) {
      await signer.signGroup(streamName).catch(onError);
    }
    return result;
  },
  readStream: (name, options) => store.readStream(name, options),
  readStreamGroup: (root, options) => store.readStreamGroup(root, options),
  readAll: (options) => store.readAll(options),
  headPosition: () => store.headPosition(),
  subscribeToAll: (options) => store.subscribeToAll(options),
  close: () => store.close(),
});
