// Signing chain heads (issue 5): after each settlement approval (the heads of that contract's group) and on an
// interval (the heads of every stream changed since the last log-wide signing, only when the log moved). Each signing
// is a `ChainHeadsSigned` event appended, hash-chained like any other, to the `integrity-heads` stream.
// Issue 14: the command service also signs at start (covering what a crash left unsigned) and at a graceful stop;
// every head records when it was signed and the interval, under the key; the signer signs only with the key the log
// says is in force (reloading it after a rotation), records key changes, and answers receipts for approvals.
import { randomUUID } from 'node:crypto';
import { ConcurrencyError, type EventStore, type NewEvent, type RecordedEvent } from '@csu-ledger/event-store';
import { chainEvents } from './chain.ts';
import {
  DEFAULT_SIGN_INTERVAL_MS,
  HEADS_SIGNED,
  HEADS_STREAM,
  headsOf,
  isLogWide,
  parseHeadsSigned,
  signHeads,
  type ChainHead,
  type SigningTrigger,
} from './heads.ts';
import type { SigningKey } from './keys.ts';
import { makeReceipt, type Receipt, type ReceiptSubject } from './receipt.ts';
import { KEY_ROTATED, parseKeyRotation, signRotation, type KeyRotationData } from './rotation.ts';

export type LogWideTrigger = 'periodic' | 'start' | 'stop';

export interface HeadSigner {
  /**
   * Signs the heads of the stream `root` and of its `root.<child>` streams (undefined when it has none), and keeps the
   * signed head as the receipt of `events` (an approval just recorded).
   */
  signGroup(root: string, events?: readonly RecordedEvent[]): Promise<RecordedEvent | undefined>;
  /** Signs the heads of every stream changed since the last log-wide signing; undefined when none changed. */
  signChanged(trigger?: LogWideTrigger): Promise<RecordedEvent | undefined>;
  /** Signs log-wide every `intervalMs` of the options; returns a function that stops it. */
  startPeriodic(onError: (error: unknown) => void): () => void;
  /**
   * The receipt of a recorded event: the first signing of its group that covers it (signing the group now if none
   * does yet), with the key changes from the first key to the one that signed it.
   */
  receiptFor(event: RecordedEvent, root: string, subject?: ReceiptSubject): Promise<Receipt>;
  /** Records a change to `next`, signed by the key in force (this signer's), and signs with `next` from then on. */
  rotateKey(next: SigningKey): Promise<RecordedEvent>;
  /** The id of the key the log says is in force (undefined before the first signature); reads the log first. */
  keyInForce(): Promise<string | undefined>;
}

export interface HeadSignerOptions {
  store: EventStore;
  key: SigningKey;
  /** Page size for reading the log after the last signing. */
  pageSize?: number;
  /** The interval between log-wide signings, recorded in every head (verify allows two of them). */
  intervalMs?: number;
  clock?: () => Date;
  /** The key with this id from where keys are kept, when the log says it is now in force (after a rotation). */
  reloadKey?: (keyId: string) => Promise<SigningKey | undefined>;
}

/** The key this process holds is not the one the log has in force: signing with it would vouch for nothing. */
export class KeyNotInForceError extends Error {
  override readonly name = 'KeyNotInForceError';
}

const MAX_ATTEMPTS = 8;
/** Receipts of approvals signed by this process, kept for retries of the same command. */
const RECEIPTS_KEPT = 1_000;
/** Signed heads read at a time when looking back for the signing that covers an event. */
const LOOK_BACK = 256;

const short = (id: string): string => `${id.slice(0, 12)}…`;

export const createHeadSigner = ({
  store,
  key: initialKey,
  pageSize = 5_000,
  intervalMs = DEFAULT_SIGN_INTERVAL_MS,
  clock = () => new Date(),
  reloadKey,
}: HeadSignerOptions): HeadSigner => {
  let key = initialKey;
  /** The last event of the heads stream as far as we know, and the position log-wide signing has read to. */
  let tail: RecordedEvent | undefined;
  let cursor: bigint | undefined;
  /** The key the log has in force, since which position; and every key change, in order. */
  let inForce: { keyId: string; since: bigint } | undefined;
  const changes: KeyRotationData[] = [];
  const signedFor = new Map<string, RecordedEvent>();

  // One signing at a time in this process: each continues the heads stream from the last.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  /** Catches up with the heads stream (another process may sign too): the log-wide cursor and the key in force. */
  const refresh = async (): Promise<void> => {
    const more = await store.readStream(HEADS_STREAM, { fromRevision: tail ? tail.revision + 1 : 0 });
    for (const e of more) {
      if (e.type === HEADS_SIGNED) {
        const data = parseHeadsSigned(e.data);
        if (!data) continue;
        inForce ??= { keyId: data.keyId, since: e.position };
        const through = BigInt(data.throughPosition);
        if (isLogWide(data.trigger) && (cursor === undefined || through > cursor)) cursor = through;
      } else if (e.type === KEY_ROTATED) {
        const change = parseKeyRotation(e.data);
        if (!change) continue;
        inForce = { keyId: change.keyId, since: e.position };
        changes.push(change);
      }
    }
    if (more.length > 0) tail = more[more.length - 1];
  };

  /** Signs only with the key in force: after a rotation by another process, that key is reloaded. */
  const requireKeyInForce = async (): Promise<void> => {
    if (!inForce || inForce.keyId === key.keyId) return;
    const reloaded = await reloadKey?.(inForce.keyId);
    if (reloaded?.keyId === inForce.keyId) {
      key = reloaded;
      return;
    }
    throw new KeyNotInForceError(
      `the integrity signing key ${short(key.keyId)} is not the key in force (${short(inForce.keyId)}, since position ${inForce.since}): ` +
        'restore that key (LEDGER_INTEGRITY_KEY or <data dir>/integrity-key.pem), or change keys with `pnpm ledger rotate-key`',
    );
  };

  /** Appends one event to the heads stream after its tail, made once we know the tail and the key in force. */
  const appendToHeads = async (make: () => NewEvent): Promise<RecordedEvent> => {
    for (let attempt = 1; ; attempt++) {
      await refresh();
      await requireKeyInForce();
      const event = make();
      try {
        const result = await store.appendToStream(HEADS_STREAM, chainEvents(HEADS_STREAM, tail, [event]), {
          expectedRevision: tail ? tail.revision : 'no-stream',
        });
        await refresh();
        return result.events[result.events.length - 1]!;
      } catch (error) {
        // Another process signed first: read its signature and chain after it.
        if (!(error instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  };

  const append = (heads: ChainHead[], throughPosition: bigint, trigger: SigningTrigger): Promise<RecordedEvent> =>
    appendToHeads(() => ({
      eventId: randomUUID(),
      type: HEADS_SIGNED,
      data: signHeads(key, heads, throughPosition, { trigger, signedAt: clock(), intervalMs }),
      metadata: { producer: 'integrity-signer' },
    }));

  const remember = (events: readonly RecordedEvent[], head: RecordedEvent): void => {
    for (const e of events) {
      signedFor.set(e.eventId, head);
      if (signedFor.size > RECEIPTS_KEPT) signedFor.delete(signedFor.keys().next().value!);
    }
  };

  const signGroupNow = async (root: string): Promise<RecordedEvent | undefined> => {
    const events = await store.readStreamGroup(root);
    const heads = headsOf(events);
    if (heads.length === 0) return undefined;
    return append(heads, events[events.length - 1]!.position, { kind: 'group', root });
  };

  const signGroup = (root: string, events: readonly RecordedEvent[] = []) =>
    exclusive(async () => {
      const signed = await signGroupNow(root);
      if (signed) remember(events, signed);
      return signed;
    });

  const signChanged = (trigger: LogWideTrigger = 'periodic') =>
    exclusive(async () => {
      await refresh();
      // Only the last event of each changed stream is kept: memory by streams, not by events, however long the
      // unsigned tail (a start after a crash, or a log imported in bulk).
      const changed = new Map<string, RecordedEvent>();
      let through = cursor;
      for (;;) {
        const page = await store.readAll({ after: through, maxCount: pageSize });
        for (const e of page) if (e.streamName !== HEADS_STREAM) changed.set(e.streamName, e);
        if (page.length > 0) through = page[page.length - 1]!.position;
        if (page.length < pageSize) break;
      }
      const heads = headsOf(changed.values());
      if (heads.length === 0) {
        cursor = through; // only signatures since: nothing new to vouch for
        return undefined;
      }
      const signed = await append(heads, through!, { kind: trigger });
      cursor = through;
      return signed;
    });

  const startPeriodic = (onError: (error: unknown) => void): (() => void) => {
    const timer = setInterval(() => void signChanged('periodic').catch(onError), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  };

  /** Does this signed head of `root`'s group cover the event? */
  const covers = (head: RecordedEvent, root: string, event: RecordedEvent): boolean => {
    const data = head.type === HEADS_SIGNED ? parseHeadsSigned(head.data) : undefined;
    if (data?.trigger?.kind !== 'group' || data.trigger.root !== root) return false;
    return data.heads.some((h) => h.streamName === event.streamName && h.revision >= event.revision);
  };

  /** The first group signing after `event` that covers it, looking back from the end of the heads stream. */
  const findCovering = async (root: string, event: RecordedEvent): Promise<RecordedEvent | undefined> => {
    await refresh();
    let found: RecordedEvent | undefined;
    for (let to = tail ? tail.revision + 1 : 0; to > 0; to -= LOOK_BACK) {
      const from = Math.max(0, to - LOOK_BACK);
      const page = (await store.readStream(HEADS_STREAM, { fromRevision: from })).filter((e) => e.revision < to);
      for (let i = page.length - 1; i >= 0; i -= 1) {
        const head = page[i]!;
        if (head.position < event.position) return found; // signed before the event: nothing earlier covers it
        if (covers(head, root, event)) found = head;
      }
    }
    return found;
  };

  const receiptFor = (event: RecordedEvent, root: string, subject?: ReceiptSubject) =>
    exclusive(async () => {
      let head = signedFor.get(event.eventId) ?? (await findCovering(root, event));
      // The signing after the event failed or never ran: sign the group now, and the receipt is that signing.
      if (!head) head = await signGroupNow(root);
      if (!head || !covers(head, root, event)) throw new Error(`no signed head covers ${event.streamName} revision ${event.revision}`);
      remember([event], head);
      const signer = parseHeadsSigned(head.data)!.keyId;
      const upTo = changes.findIndex((c) => c.keyId === signer);
      return makeReceipt(head, changes.slice(0, upTo + 1), event, subject);
    });

  const rotateKey = (next: SigningKey) =>
    exclusive(async () => {
      const recorded = await appendToHeads(() => ({
        eventId: randomUUID(),
        type: KEY_ROTATED,
        data: signRotation(key, next, clock()),
        metadata: { producer: 'integrity-signer' },
      }));
      key = next;
      return recorded;
    });

  const keyInForce = () =>
    exclusive(async () => {
      await refresh();
      return inForce?.keyId;
    });

  return { signGroup, signChanged, startPeriodic, receiptFor, rotateKey, keyInForce };
};

/**
 * The store, but an append that records one of `types` (a settlement approval) is followed at once by signing the
 * heads of its stream's group, kept as the receipt of the events appended. A failed signing never fails the append,
 * which is stored: it is reported, and the receipt asked for next signs the group again.
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
      await signer.signGroup(streamName, result.events).catch(onError);
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
