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
  parseSigningSummary,
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
  /**
   * Whether the log holds any signature or key change, as of the last read of it (a start's signing reads it): a log
   * never signed is signed early after its first events.
   */
  signedBefore(): boolean;
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
/** Events of the heads stream read at a time, newest first, when a signer first learns where signing got to. */
const SCAN_BACK = 64;

interface KeyHistory {
  changes: Array<{ data: KeyRotationData; position: bigint }>;
  first?: { keyId: string; position: bigint } | undefined;
}

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
  /**
   * The key the log has in force, and since which position when known (a rotation; else found in `history` when an
   * error needs it).
   */
  let inForce: { keyId: string; since?: bigint | undefined } | undefined;
  /**
   * Every key change in order, and the first signed head: the start of the heads stream, which a signer reads only
   * when a receipt (or an error) needs it, once, then keeps current as it follows the stream. Undefined until then.
   */
  let history: KeyHistory | undefined;
  /** The key changes known without `history`: those passed reading back from the end, then those followed since. */
  let recent: KeyHistory['changes'] = [];
  /** The first key (of the log's first signature or key change), once read. */
  let firstKey: string | undefined;
  const signedFor = new Map<string, RecordedEvent>();
  /** Positions of the heads stream's events after the cursor, as far as we know them. */
  const ownAfterCursor = new Set<bigint>();
  const moveCursor = (to: bigint | undefined): void => {
    cursor = to;
    if (to !== undefined) for (const p of ownAfterCursor) if (p <= to) ownAfterCursor.delete(p);
  };

  // One signing at a time in this process: each continues the heads stream from the last.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  /** Follows one event of the heads stream read forwards (oldest first). */
  const follow = (e: RecordedEvent): void => {
    if (cursor === undefined || e.position > cursor) ownAfterCursor.add(e.position);
    if (e.type === HEADS_SIGNED) {
      const data = parseSigningSummary(e.data);
      if (!data) return;
      inForce ??= { keyId: data.keyId, since: e.position };
      if (history && !history.first) history.first = { keyId: data.keyId, position: e.position };
      const through = BigInt(data.throughPosition);
      if (isLogWide(data.trigger) && (cursor === undefined || through > cursor)) cursor = through;
    } else if (e.type === KEY_ROTATED) {
      const change = parseKeyRotation(e.data);
      if (!change) return;
      inForce = { keyId: change.keyId, since: e.position };
      history?.changes.push({ data: change, position: e.position });
      recent.push({ data: change, position: e.position });
    }
  };

  /**
   * Where signing got to, read from the end of the heads stream (which grows by a signature a minute, and whose
   * signatures of a large log are large): back only until the newest log-wide signing and the key in force are known.
   * The key in force is the one of the newest signed head or key change: a signed head is made only with the key in
   * force (the signer checks it before every append), so it says the same as the change before it.
   */
  const scanFromEnd = async (): Promise<void> => {
    const passed: KeyHistory['changes'] = [];
    let first: { keyId: string; position: bigint } | undefined;
    let wide = false;
    // Nothing was known of the stream (it was empty, or this is the first read): whatever was gathered goes.
    history = undefined;
    recent = [];
    for (let from: number | undefined; ; ) {
      const page = await store.readStream(HEADS_STREAM, { direction: 'backwards', fromRevision: from, maxCount: SCAN_BACK });
      tail ??= page[0];
      for (const e of page) {
        if (e.type === HEADS_SIGNED) {
          const data = parseSigningSummary(e.data);
          if (!data) continue;
          inForce ??= { keyId: data.keyId };
          first = { keyId: data.keyId, position: e.position };
          // The newest log-wide signing's position, or a higher one on the same page (two processes signing at once).
          const through = BigInt(data.throughPosition);
          if (isLogWide(data.trigger) && (cursor === undefined || through > cursor)) cursor = through;
          if (isLogWide(data.trigger)) wide = true;
        } else if (e.type === KEY_ROTATED) {
          const change = parseKeyRotation(e.data);
          if (!change) continue;
          inForce ??= { keyId: change.keyId, since: e.position };
          passed.push({ data: change, position: e.position });
        }
      }
      for (const e of page) if (cursor === undefined || e.position > cursor) ownAfterCursor.add(e.position);
      const oldest = page[page.length - 1];
      const done = !oldest || oldest.revision === 0 || page.length < SCAN_BACK || (wide && inForce);
      if (!done) {
        from = oldest.revision - 1;
        continue;
      }
      recent = [...passed].reverse();
      // The whole stream was read: its history too, for free.
      if (!oldest || oldest.revision === 0) history = { changes: [...recent], first };
      return;
    }
  };

  /** Catches up with the heads stream (another process may sign too): the log-wide cursor and the key in force. */
  const refresh = async (): Promise<void> => {
    if (!tail) {
      await scanFromEnd();
      if (!tail) return;
    }
    const more = await store.readStream(HEADS_STREAM, { fromRevision: tail.revision + 1 });
    for (const e of more) follow(e);
    if (more.length > 0) tail = more[more.length - 1];
  };

  /** The key changes and first signed head, read forwards from the start to the tail once (see `history`). */
  const loadHistory = async (): Promise<KeyHistory> => {
    if (history) return history;
    const loaded: KeyHistory = { changes: [] };
    for (let from = 0; tail && from <= tail.revision; ) {
      const page = await store.readStream(HEADS_STREAM, { fromRevision: from, maxCount: Math.min(pageSize, tail.revision - from + 1) });
      if (page.length === 0) break;
      for (const e of page) {
        if (e.type === HEADS_SIGNED && !loaded.first) {
          const data = parseSigningSummary(e.data);
          if (data) loaded.first = { keyId: data.keyId, position: e.position };
        } else if (e.type === KEY_ROTATED) {
          const change = parseKeyRotation(e.data);
          if (change) loaded.changes.push({ data: change, position: e.position });
        }
      }
      from = page[page.length - 1]!.revision + 1;
    }
    history = loaded;
    return loaded;
  };

  /** The key of the log's first signature or key change; undefined while there is none (or it is malformed). */
  const firstKeyId = async (): Promise<string | undefined> => {
    if (firstKey !== undefined) return firstKey;
    const [e] = await store.readStream(HEADS_STREAM, { maxCount: 1 });
    if (e?.type === HEADS_SIGNED) firstKey = parseSigningSummary(e.data)?.keyId;
    else if (e?.type === KEY_ROTATED) firstKey = parseKeyRotation(e.data)?.previousKeyId;
    return firstKey;
  };

  /**
   * The key changes from the first key to `signer` (a receipt's), as the whole history gives them: every change up to
   * the first one to `signer`. Each change is signed by the key in force and is to a key never in force before
   * (rotate-key makes a new key; `rotateKey` refuses an old one), so the changes form one chain from the first key:
   * none when `signer` is the first key, else the chain back from the change to `signer`, which the changes read back
   * from the end usually hold. Only when they do not is the history read from the start.
   */
  const keyChangesFor = async (signer: string): Promise<KeyRotationData[]> => {
    const first = history ? undefined : await firstKeyId();
    if (first !== undefined) {
      if (signer === first) return [];
      const chain: KeyRotationData[] = [];
      for (let i = recent.findIndex((c) => c.data.keyId === signer), want = signer; i >= 0 && recent[i]!.data.keyId === want; i -= 1) {
        chain.unshift(recent[i]!.data);
        want = recent[i]!.data.previousKeyId;
        if (want === first) return chain;
      }
    }
    const all = (await loadHistory()).changes.map((c) => c.data);
    const upTo = all.findIndex((c) => c.keyId === signer);
    return all.slice(0, upTo + 1);
  };

  /** Signs only with the key in force: after a rotation by another process, that key is reloaded. */
  const requireKeyInForce = async (): Promise<void> => {
    if (!inForce || inForce.keyId === key.keyId) return;
    const reloaded = await reloadKey?.(inForce.keyId);
    if (reloaded?.keyId === inForce.keyId) {
      key = reloaded;
      return;
    }
    // Since the last key change, or the first signature when there was none.
    const known = await loadHistory();
    const since = inForce.since ?? known.changes.at(-1)?.position ?? known.first?.position;
    throw new KeyNotInForceError(
      `the integrity signing key ${short(key.keyId)} is not the key in force (${short(inForce.keyId)}, since position ${since}): ` +
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
      // The heads stream's own events right after the cursor tell nothing new, and need not be read again: the last
      // log-wide signing of a large log is one of them (21.5 MB at 1M events).
      if (through !== undefined) while (ownAfterCursor.has(through + 1n)) through += 1n;
      for (;;) {
        const page = await store.readAll({ after: through, maxCount: pageSize });
        for (const e of page) if (e.streamName !== HEADS_STREAM) changed.set(e.streamName, e);
        if (page.length > 0) through = page[page.length - 1]!.position;
        if (page.length < pageSize) break;
      }
      const heads = headsOf(changed.values());
      if (heads.length === 0) {
        moveCursor(through); // only signatures since: nothing new to vouch for
        return undefined;
      }
      const signed = await append(heads, through!, { kind: trigger });
      moveCursor(through);
      return signed;
    });

  const startPeriodic = (onError: (error: unknown) => void): (() => void) => {
    const timer = setInterval(() => void signChanged('periodic').catch(onError), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  };

  /** Does this signed head of `root`'s group cover the event? Its heads are checked only when it is of that group. */
  const covers = (head: RecordedEvent, root: string, event: RecordedEvent): boolean => {
    if (head.type !== HEADS_SIGNED) return false;
    const trigger = parseSigningSummary(head.data)?.trigger;
    if (trigger?.kind !== 'group' || trigger.root !== root) return false;
    const data = parseHeadsSigned(head.data);
    return data !== undefined && data.heads.some((h) => h.streamName === event.streamName && h.revision >= event.revision);
  };

  /** The first group signing after `event` that covers it, looking back from the end of the heads stream a page at a time. */
  const findCovering = async (root: string, event: RecordedEvent): Promise<RecordedEvent | undefined> => {
    await refresh();
    let found: RecordedEvent | undefined;
    for (let from = tail?.revision; from !== undefined && from >= 0; ) {
      const page = await store.readStream(HEADS_STREAM, { direction: 'backwards', fromRevision: from, maxCount: LOOK_BACK });
      for (const head of page) {
        if (head.position < event.position) return found; // signed before the event: nothing earlier covers it
        if (covers(head, root, event)) found = head;
      }
      if (page.length < LOOK_BACK) break;
      from = page[page.length - 1]!.revision - 1;
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
      return makeReceipt(head, await keyChangesFor(parseHeadsSigned(head.data)!.keyId), event, subject);
    });

  const rotateKey = (next: SigningKey) =>
    exclusive(async () => {
      // A change back to a key once in force would make the key changes no longer one chain (see keyChangesFor).
      await refresh();
      const before = [key.keyId, await firstKeyId(), ...(await loadHistory()).changes.map((c) => c.data.keyId)];
      if (before.includes(next.keyId)) throw new Error(`the key ${short(next.keyId)} has been in force before: a key change is to a new key`);
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

  return { signGroup, signChanged, startPeriodic, receiptFor, rotateKey, keyInForce, signedBefore: () => tail !== undefined };
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
  ...store,
  appendToStream: async (streamName, events, options) => {
    const result = await store.appendToStream(streamName, events, options);
    if (!result.duplicate && result.events.some((e) => types.includes(e.type))) {
      await signer.signGroup(streamName, result.events).catch(onError);
    }
    return result;
  },
});
