// Receipts (issue 14): what a CCG keeps, outside the system, of a settlement approval. A small JSON file holding the
// signed head that covers the approval (every field its signature covers, and where it sits in the log) and the key
// changes from the first key to the one that signed it. Checking a receipt against a log needs only the receipt, the
// trusted first key and the streams it names: the log must still hold each stream, chained from its first event, up
// to the signed revision with the signed hash, whatever has happened to the `integrity-heads` stream since.
import type { KeyObject } from 'node:crypto';
import type { EventStore, RecordedEvent } from '@csu-ledger/event-store';
import { eventHash, integrityOf } from './chain.ts';
import { checkHeadsSignature, HEADS_SIGNED, HEADS_STREAM, parseHeadsSigned, type ChainHeadsSignedData } from './heads.ts';
import { keyIdOf } from './keys.ts';
import { checkKeyRotation, KEY_ROTATED, parseKeyRotation, type KeyRotationData } from './rotation.ts';
import type { Problem } from './verify.ts';

export const RECEIPT_FORMAT = 'csu-ledger-receipt/1';

/** What the receipt was issued for, as the command that asked for it knows it. */
export interface ReceiptSubject {
  contractId?: string | undefined;
  quarter?: string | undefined;
}

/** The event the receipt was issued for (the approval), bound to the signed head by its stream's hash chain. */
export interface ReceiptEvent {
  streamName: string;
  revision: number;
  position: string;
  eventId: string;
  type: string;
  hash: string;
}

/** The signed head: where it sits in the integrity-heads stream, its own chain hash, and all it signed. */
export type ReceiptSignedHead = { streamName: string; revision: number; position: string; hash: string } & ChainHeadsSignedData;

export interface Receipt {
  format: typeof RECEIPT_FORMAT;
  contractId?: string | undefined;
  quarter?: string | undefined;
  event?: ReceiptEvent | undefined;
  signedHead: ReceiptSignedHead;
  /** The key changes from the first key to the key that signed the head, in order (none while it is the first). */
  keyChanges: KeyRotationData[];
}

const hashOf = (e: RecordedEvent): string => integrityOf(e.metadata)?.hash ?? '';

export const makeReceipt = (head: RecordedEvent, keyChanges: KeyRotationData[], event?: RecordedEvent, subject: ReceiptSubject = {}): Receipt => {
  const data = parseHeadsSigned(head.data);
  if (head.type !== HEADS_SIGNED || !data) throw new Error(`position ${head.position} is not a signed head`);
  return {
    format: RECEIPT_FORMAT,
    ...(subject.contractId === undefined ? {} : { contractId: subject.contractId }),
    ...(subject.quarter === undefined ? {} : { quarter: subject.quarter }),
    ...(event
      ? {
          event: {
            streamName: event.streamName,
            revision: event.revision,
            position: event.position.toString(),
            eventId: event.eventId,
            type: event.type,
            hash: hashOf(event),
          },
        }
      : {}),
    signedHead: { streamName: head.streamName, revision: head.revision, position: head.position.toString(), hash: hashOf(head), ...data },
    keyChanges,
  };
};

const HASH = /^[0-9a-f]{64}$/;
const POSITION = /^\d{1,20}$/;
const isRevision = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A receipt read from its JSON, or what is wrong with it. */
export const parseReceipt = (value: unknown): Receipt | string => {
  if (!isObject(value)) return 'a receipt is a JSON object';
  if (value.format !== RECEIPT_FORMAT) return `a receipt's format is ${RECEIPT_FORMAT}`;
  const { contractId, quarter, event, signedHead, keyChanges } = value;
  if (contractId !== undefined && typeof contractId !== 'string') return 'contractId must be text';
  if (quarter !== undefined && typeof quarter !== 'string') return 'quarter must be text';
  let parsedEvent: ReceiptEvent | undefined;
  if (event !== undefined) {
    if (!isObject(event)) return 'event must be an object';
    const { streamName, revision, position, eventId, type, hash } = event;
    if (typeof streamName !== 'string' || !isRevision(revision) || typeof position !== 'string' || !POSITION.test(position)) {
      return 'event needs streamName, revision and position';
    }
    if (typeof eventId !== 'string' || typeof type !== 'string' || typeof hash !== 'string' || !HASH.test(hash)) return 'event needs eventId, type and hash';
    parsedEvent = { streamName, revision, position, eventId, type, hash };
  }
  if (!isObject(signedHead)) return 'signedHead must be an object';
  const { streamName, revision, position, hash } = signedHead;
  if (streamName !== HEADS_STREAM || !isRevision(revision) || typeof position !== 'string' || !POSITION.test(position)) {
    return `signedHead needs streamName ${HEADS_STREAM}, revision and position`;
  }
  if (typeof hash !== 'string' || !HASH.test(hash)) return 'signedHead needs its hash';
  const data = parseHeadsSigned(signedHead);
  if (!data) return 'signedHead is not a well-formed signed head';
  if (!Array.isArray(keyChanges)) return 'keyChanges must be a list';
  const changes: KeyRotationData[] = [];
  for (const c of keyChanges) {
    const change = parseKeyRotation(c);
    if (!change) return 'keyChanges holds a malformed key change';
    changes.push(change);
  }
  if (parsedEvent && !data.heads.some((h) => h.streamName === parsedEvent.streamName && h.revision >= parsedEvent.revision)) {
    return 'the signed head does not cover the event the receipt names';
  }
  return {
    format: RECEIPT_FORMAT,
    ...(contractId === undefined ? {} : { contractId }),
    ...(quarter === undefined ? {} : { quarter }),
    ...(parsedEvent ? { event: parsedEvent } : {}),
    signedHead: { streamName, revision, position, hash, ...data },
    keyChanges: changes,
  };
};

export interface ReceiptSummary {
  contractId: string | null;
  quarter: string | null;
  /** The event the receipt was issued for, found unchanged where it was. */
  event: ReceiptEvent | null;
  /** Streams the signed head vouches for, and their events checked (each from its first). */
  streams: number;
  events: number;
  signedAt: string | null;
  throughPosition: string;
  /** The key that signed the head, and the keys from the trusted one to it. */
  keyId: string;
  keys: string[];
  /** Whether the log's integrity-heads stream still holds this very signed head (informative only). */
  signedHeadInLog: boolean;
}

export type ReceiptVerdict = { ok: true; summary: ReceiptSummary } | { ok: false; problem: Problem };

const short = (hash: string): string => `${hash.slice(0, 12)}…`;
const giveWay = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The signature of the receipt itself, by a key the trusted key leads to; the key chain's ids, or the problem. */
const checkSignature = (receipt: Receipt, trusted: KeyObject | undefined): string[] | Problem => {
  const s = receipt.signedHead;
  const problem = (kind: Problem['kind'], detail: string): Problem => ({ kind, streamName: HEADS_STREAM, revision: s.revision, position: BigInt(s.position), detail });
  if (!trusted) return problem('unsigned-key', 'there is no trusted public key to check the receipt with');
  let key = trusted;
  const keys = [keyIdOf(trusted)];
  for (const [i, change] of receipt.keyChanges.entries()) {
    const checked = checkKeyRotation(change, key);
    if (!checked.ok) return problem(checked.kind, `the receipt's key change ${i + 1}: ${checked.detail}`);
    key = checked.publicKey;
    keys.push(change.keyId);
  }
  switch (checkHeadsSignature(s, key)) {
    case 'unknown-key':
      return problem('unsigned-key', `the receipt is signed with key ${short(s.keyId)}, but the trusted key and its recorded changes lead to ${short(keys.at(-1)!)}`);
    case 'bad-signature':
      return problem('bad-signature', 'the receipt does not verify with its key: what it says was signed has been changed');
    case 'valid':
      return keys;
  }
};

/**
 * Does the log still hold, unchanged, every stream the receipt's signed head vouches for, from its first event to the
 * signed revision, and the receipt's event where it was? The first problem found, in log order.
 */
export const verifyReceipt = async (store: EventStore, receipt: Receipt, trusted: KeyObject | undefined): Promise<ReceiptVerdict> => {
  const keys = checkSignature(receipt, trusted);
  if (!Array.isArray(keys)) return { ok: false, problem: keys };
  const s = receipt.signedHead;
  const through = BigInt(s.throughPosition);
  const problems: Problem[] = [];
  let checked = 0;
  for (const head of s.heads) {
    const events = await store.readStream(head.streamName);
    const at = (e: RecordedEvent, kind: Problem['kind'], detail: string): Problem => ({ kind, streamName: e.streamName, revision: e.revision, position: e.position, detail });
    let previous: string | null = null;
    for (let r = 0; r <= head.revision; r += 1) {
      const e = events[r];
      if (!e || e.revision !== r) {
        const before = r > 0 ? events[r - 1] : undefined;
        const ends = before ? `the stream ends at revision ${r - 1} (position ${before.position})` : 'the log has no event of this stream';
        problems.push({
          kind: 'missing',
          streamName: head.streamName,
          revision: r,
          position: before?.position ?? BigInt(s.position),
          detail: `the receipt's signed head covers revision ${head.revision} of this stream, but ${e ? `revision ${r} is not where it should be` : ends}: events were deleted`,
        });
        break;
      }
      checked += 1;
      if (checked % 500 === 0) await giveWay();
      const integrity = integrityOf(e.metadata);
      if (!integrity) {
        problems.push(at(e, 'altered', 'the event carries no integrity hash'));
        break;
      }
      if (eventHash(e, integrity.previous) !== integrity.hash) {
        problems.push(at(e, 'altered', `its content no longer matches its hash ${short(integrity.hash)}`));
        break;
      }
      if (integrity.previous !== previous) {
        problems.push(at(e, 'altered', `it links to ${short(integrity.previous ?? 'none')}, but revision ${r - 1} of the log's stream has the hash ${short(previous ?? 'none')}`));
        break;
      }
      if (e.position > through) {
        problems.push(at(e, 'reordered', `the receipt's signed head read the log through position ${s.throughPosition}, yet this event it covers is at position ${e.position}`));
        break;
      }
      previous = integrity.hash;
      if (r === head.revision && integrity.hash !== head.hash) {
        problems.push(
          at(e, 'head-mismatch', `the receipt's signed head gives this revision the hash ${short(head.hash)}, but the log's chain gives ${short(integrity.hash)}: the stream was rewritten at or before this revision`),
        );
        break;
      }
      const named = receipt.event;
      if (named && named.streamName === e.streamName && named.revision === r) {
        if (named.eventId !== e.eventId || named.hash !== integrity.hash) {
          problems.push(at(e, 'altered', `the receipt names event ${named.eventId} (hash ${short(named.hash)}) here, but the log holds ${e.eventId} (hash ${short(integrity.hash)})`));
          break;
        }
        if (named.position !== e.position.toString()) {
          problems.push(at(e, 'reordered', `the receipt places this event at position ${named.position}, the log at position ${e.position}`));
          break;
        }
      }
    }
  }
  if (problems.length > 0) {
    const first = problems.reduce((a, b) => (b.position < a.position ? b : a));
    return { ok: false, problem: first };
  }
  const [stored] = await store.readAll({ after: BigInt(s.position) - 1n, maxCount: 1 });
  const signedHeadInLog =
    stored !== undefined && stored.streamName === HEADS_STREAM && stored.revision === s.revision && hashOf(stored) === s.hash && stored.position.toString() === s.position;
  return {
    ok: true,
    summary: {
      contractId: receipt.contractId ?? null,
      quarter: receipt.quarter ?? null,
      event: receipt.event ?? null,
      streams: s.heads.length,
      events: checked,
      signedAt: s.signedAt ?? null,
      throughPosition: s.throughPosition,
      keyId: s.keyId,
      keys,
      signedHeadInLog,
    },
  };
};

/**
 * The receipt of the latest signing: of `root`'s group when given (what its latest approval was answered with; the
 * event is that group's latest event of `eventType` the signing covers), else of the whole log. Undefined when none.
 */
export const latestReceipt = async (
  store: EventStore,
  options: { root?: string | undefined; eventType?: string | undefined; subject?: (event: RecordedEvent | undefined) => ReceiptSubject } = {},
): Promise<Receipt | undefined> => {
  const log = await store.readStream(HEADS_STREAM);
  const changes: KeyRotationData[] = [];
  let chosen: { head: RecordedEvent; changes: number } | undefined;
  for (const e of log) {
    if (e.type === KEY_ROTATED) {
      const change = parseKeyRotation(e.data);
      if (change) changes.push(change);
      continue;
    }
    const data = e.type === HEADS_SIGNED ? parseHeadsSigned(e.data) : undefined;
    if (!data) continue;
    if (options.root !== undefined && !(data.trigger?.kind === 'group' && data.trigger.root === options.root)) continue;
    chosen = { head: e, changes: changes.length };
  }
  if (!chosen) return undefined;
  const data = parseHeadsSigned(chosen.head.data)!;
  let event: RecordedEvent | undefined;
  const rootHead = options.root === undefined ? undefined : data.heads.find((h) => h.streamName === options.root);
  if (rootHead && options.eventType !== undefined) {
    event = (await store.readStream(options.root!)).findLast((e) => e.type === options.eventType && e.revision <= rootHead.revision);
  }
  const signer = data.keyId;
  const known = changes.slice(0, chosen.changes);
  const upTo = known.findIndex((c) => c.keyId === signer);
  return makeReceipt(chosen.head, known.slice(0, upTo + 1), event, options.subject?.(event) ?? {});
};
