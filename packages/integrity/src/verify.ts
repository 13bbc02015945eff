// Verification (issue 5): reads the log in global order and checks every event, every stream and every signature.
// Works on anything that yields RecordedEvents in global order: a store of any adapter (`readLog`) or an exported
// file (`verifyNdjson`, in ndjson.ts). The first problem found is the verdict.
import type { KeyObject } from 'node:crypto';
import type { EventStore, RecordedEvent } from '@csu-ledger/event-store';
import { eventHash, integrityOf } from './chain.ts';
import { checkHeadsSignature, HEADS_SIGNED, HEADS_STREAM, parseHeadsSigned, type ChainHeadsSignedData } from './heads.ts';
import { keyIdOf } from './keys.ts';

export type ProblemKind = 'altered' | 'missing' | 'reordered' | 'bad-signature' | 'head-mismatch' | 'unsigned-key';

export interface Problem {
  kind: ProblemKind;
  streamName: string;
  revision: number;
  /** Where the event is, or (for a missing one) where its absence shows. */
  position: bigint;
  detail: string;
  /** In an exported file: the line of the event named. */
  line?: number | undefined;
}

export interface Summary {
  /** Every event checked, the signed heads among them. */
  events: number;
  /** Events of the integrity-heads stream: signed heads. */
  headEvents: number;
  streams: number;
  /** Signed heads checked, every one valid. */
  signatures: number;
  /** The last position verified. */
  throughPosition: bigint;
  /** The highest position through which a valid signature read the log. */
  signedThroughPosition: bigint;
  /** Events after the last signed head of their stream: chained, but not yet vouched for by the key. */
  unsignedEvents: number;
  /** The trusted key's id, or null when none was given. */
  keyId: string | null;
}

export type Verdict = { ok: true; summary: Summary } | { ok: false; problem: Problem };

export interface VerifyOptions {
  /**
   * An export holds some streams only (a contract's group) and only the signatures over them: each stream present
   * must still be whole from revision 0, but the `integrity-heads` stream may have gaps, and signed heads are
   * checked for the streams present and for streams of their groups (which an export must include).
   */
  partial?: boolean | undefined;
}

interface Chain {
  last: number;
  lastHash: string;
  /** Hash and position at each revision from 0 (dense streams only): signed heads may name any earlier revision. */
  hashes: string[];
  positions: bigint[];
  /** Highest revision a valid signature covered; -1 when none. */
  signed: number;
}

/** A problem that needs the rest of the log to be named: an event it lacks may only have moved later. */
interface Awaiting {
  streamName: string;
  revision: number;
  ifLater: (late: RecordedEvent) => Problem;
  ifNever: Problem;
}

const short = (hash: string): string => `${hash.slice(0, 12)}…`;

export interface Verifier {
  /** Checks the next event in global order; false once the verdict is known (no need to read further). */
  push(event: RecordedEvent): boolean;
  finish(): Verdict;
}

export const createVerifier = (publicKey: KeyObject | undefined, options: VerifyOptions = {}): Verifier => {
  const partial = options.partial ?? false;
  const keyId = publicKey ? keyIdOf(publicKey) : undefined;
  const chains = new Map<string, Chain>();
  let events = 0;
  let signatures = 0;
  let headEvents = 0;
  let signedThrough = 0n;
  let lastPosition: bigint | undefined;
  let previousEvent: RecordedEvent | undefined;
  let problem: Problem | undefined;
  let awaiting: Awaiting | undefined;

  const at = (e: RecordedEvent, kind: ProblemKind, detail: string): Problem => ({
    kind,
    streamName: e.streamName,
    revision: e.revision,
    position: e.position,
    detail,
  });

  /** In an export, a head is checked when its stream is present or belongs to the group of a stream present. */
  const expectedInFile = (streamName: string): boolean => {
    if (chains.has(streamName)) return true;
    for (let dot = streamName.indexOf('.'); dot >= 0; dot = streamName.indexOf('.', dot + 1)) {
      if (chains.has(streamName.slice(0, dot))) return true;
    }
    return false;
  };

  const checkSignedHeads = (e: RecordedEvent): Problem | undefined => {
    const data: ChainHeadsSignedData | undefined = parseHeadsSigned(e.data);
    if (!data) return at(e, 'bad-signature', 'the signed heads are malformed');
    switch (checkHeadsSignature(data, publicKey)) {
      case 'unknown-key':
        return at(
          e,
          'unsigned-key',
          keyId
            ? `the heads are signed with key ${short(data.keyId)}, not with the trusted key ${short(keyId)}`
            : `there is no trusted public key to check the heads signed with key ${short(data.keyId)}`,
        );
      case 'bad-signature':
        return at(e, 'bad-signature', 'the signature does not verify with the trusted key: the signed heads were changed');
      case 'valid':
        break;
    }
    signatures += 1;
    for (const head of data.heads) {
      if (partial && (head.streamName === HEADS_STREAM || !expectedInFile(head.streamName))) continue;
      const chain = chains.get(head.streamName);
      if (chain && head.revision <= chain.last) {
        const hash = chain.hashes[head.revision]!;
        if (hash !== head.hash) {
          return {
            kind: 'head-mismatch',
            streamName: head.streamName,
            revision: head.revision,
            position: chain.positions[head.revision]!,
            detail: `the heads signed at position ${e.position} give this revision the hash ${short(head.hash)}, but the log's chain gives ${short(hash)}: the stream was rewritten at or before this revision`,
          };
        }
        chain.signed = Math.max(chain.signed, head.revision);
        continue;
      }
      // The signature was written after the heads it covers: an event it covers that is not here yet was deleted
      // (the tail of a stream) or moved after it.
      const next = chain ? chain.last + 1 : 0;
      const sequel = chain ? `the stream ends at revision ${chain.last} (position ${chain.positions[chain.last]})` : 'the log has no event of this stream before it';
      awaiting = {
        streamName: head.streamName,
        revision: next,
        ifLater: (late) =>
          at(late, 'reordered', `the heads signed at position ${e.position} cover revision ${head.revision} of this stream, yet this event comes after them`),
        ifNever: {
          kind: 'missing',
          streamName: head.streamName,
          revision: next,
          position: e.position,
          detail: `the heads signed at position ${e.position} cover revision ${head.revision}, but ${sequel}: an event was deleted`,
        },
      };
      return undefined;
    }
    signedThrough = BigInt(data.throughPosition) > signedThrough ? BigInt(data.throughPosition) : signedThrough;
    return undefined;
  };

  const check = (e: RecordedEvent): Problem | undefined => {
    if (lastPosition !== undefined && e.position <= lastPosition) {
      return at(e, 'reordered', `position ${e.position} comes after position ${lastPosition}`);
    }
    lastPosition = e.position;
    // The store assigns recorded times that never decrease (port.ts): a row moved earlier in the log shows as a time
    // later than the event after it.
    if (previousEvent !== undefined && e.recordedAt < previousEvent.recordedAt) {
      return at(previousEvent, 'reordered', `recorded at ${previousEvent.recordedAt}, after the event that follows it at position ${e.position} (recorded at ${e.recordedAt})`);
    }
    previousEvent = e;

    const integrity = integrityOf(e.metadata);
    if (!integrity) return at(e, 'altered', 'the event carries no integrity hash');
    if (eventHash(e, integrity.previous) !== integrity.hash) {
      return at(e, 'altered', `its content no longer matches its hash ${short(integrity.hash)}`);
    }

    const chain = chains.get(e.streamName);
    const sparse = partial && e.streamName === HEADS_STREAM;
    const expected = chain ? chain.last + 1 : 0;
    if (e.revision < expected) {
      return at(e, 'reordered', `revision ${e.revision} comes after revision ${chain!.last} (position ${chain!.positions[chain!.last] ?? '?'})`);
    }
    if (e.revision > expected && !sparse) {
      awaiting = {
        streamName: e.streamName,
        revision: expected,
        ifLater: (late) =>
          at(e, 'reordered', `revision ${e.revision} comes before revision ${expected}, which is at position ${late.position}`),
        ifNever: {
          kind: 'missing',
          streamName: e.streamName,
          revision: expected,
          position: e.position,
          detail: `revision ${expected} is missing: ${chain ? `revision ${chain.last} is at position ${chain.positions[chain.last]}` : 'the stream starts'} and revision ${e.revision} follows at position ${e.position}`,
        },
      };
      return undefined;
    }

    // The link to the predecessor (known unless an export skips some of the integrity-heads stream).
    const predecessor = e.revision === 0 ? null : chain && chain.last === e.revision - 1 ? chain.lastHash : undefined;
    if (predecessor !== undefined && integrity.previous !== predecessor) {
      if (predecessor === null) return at(e, 'altered', 'the first event of a stream links to a predecessor');
      const before = chain!.positions[chain!.last];
      return {
        kind: 'altered',
        streamName: e.streamName,
        revision: chain!.last,
        position: before ?? e.position,
        detail: `its hash ${short(predecessor)} is not the one revision ${e.revision} (position ${e.position}) links to (${short(integrity.previous ?? 'none')}): one of the two was rewritten`,
      };
    }

    if (chain) {
      chain.last = e.revision;
      chain.lastHash = integrity.hash;
    } else {
      chains.set(e.streamName, { last: e.revision, lastHash: integrity.hash, hashes: [], positions: [], signed: -1 });
    }
    if (!sparse) {
      const c = chains.get(e.streamName)!;
      c.hashes.push(integrity.hash);
      c.positions.push(e.position);
    }
    return e.streamName === HEADS_STREAM && e.type === HEADS_SIGNED ? checkSignedHeads(e) : undefined;
  };

  return {
    push: (e) => {
      if (problem) return false;
      if (awaiting) {
        // Only classifying the problem found: is the event it lacks further on?
        if (e.streamName === awaiting.streamName && e.revision === awaiting.revision) {
          problem = awaiting.ifLater(e);
          return false;
        }
        return true;
      }
      events += 1;
      if (e.streamName === HEADS_STREAM) headEvents += 1;
      problem = check(e);
      return problem === undefined;
    },
    finish: () => {
      if (problem) return { ok: false, problem };
      if (awaiting) return { ok: false, problem: awaiting.ifNever };
      let unsignedEvents = 0;
      for (const [name, chain] of chains) if (name !== HEADS_STREAM) unsignedEvents += chain.last - chain.signed;
      return {
        ok: true,
        summary: {
          events,
          headEvents,
          streams: chains.size,
          signatures,
          throughPosition: lastPosition ?? 0n,
          signedThroughPosition: signedThrough,
          unsignedEvents,
          keyId: keyId ?? null,
        },
      };
    },
  };
};

/** Events checked between two turns given to the event loop (a few milliseconds of hashing). */
export const VERIFY_CHUNK = 500;

const giveWay = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Checks a whole log given in global order (a store's `readLog`, or an array of events). It gives the event loop a
 * turn every `VERIFY_CHUNK` events: a service checking its log goes on answering meanwhile (issue 9, item 4). A
 * store's reads resolve at once (SQLite is synchronous), so awaiting them alone would never let anything else run.
 */
export const verifyLog = async (
  events: AsyncIterable<RecordedEvent> | Iterable<RecordedEvent>,
  publicKey: KeyObject | undefined,
  options: VerifyOptions = {},
): Promise<Verdict> => {
  const verifier = createVerifier(publicKey, options);
  let sinceTurn = 0;
  for await (const event of events) {
    if (!verifier.push(event)) break;
    if (++sinceTurn >= VERIFY_CHUNK) {
      sinceTurn = 0;
      await giveWay();
    }
  }
  return verifier.finish();
};

/** Every event of the store in global order, read in pages so a long log is never held whole. */
export async function* readLog(store: EventStore, pageSize = 1_000): AsyncGenerator<RecordedEvent> {
  let after: bigint | undefined;
  for (;;) {
    const page = await store.readAll({ after, maxCount: pageSize });
    yield* page;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.position;
  }
}

export const verifyStore = (store: EventStore, publicKey: KeyObject | undefined): Promise<Verdict> => verifyLog(readLog(store), publicKey);
