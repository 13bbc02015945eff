// Verification (issue 5): reads the log in global order and checks every event, every stream and every signature.
// Works on anything that yields RecordedEvents in global order: a store of any adapter (`readLog`) or an exported
// file (`verifyNdjson`, in ndjson.ts). The first problem found is the verdict.
// Issue 14: signatures must also be there and fresh. Each signed head is checked with the key in force when it was
// made, following the recorded key changes from the key the verifier trusts; and an event no signed head covers is a
// problem (`unsigned`) when a log-wide signing read past it, when it was recorded more than two signing intervals
// before the latest signed head, or (verifying a store) before the verification time. A log with events and no
// signature at all is not intact. The interval is the one the latest signed head records, under the key.
import { KeyObject } from 'node:crypto';
import type { EventStore, RecordedEvent } from '@csu-ledger/event-store';
import { eventHash, integrityOf } from './chain.ts';
import {
  checkHeadsSignature,
  DEFAULT_SIGN_INTERVAL_MS,
  HEADS_SIGNED,
  HEADS_STREAM,
  isLogWide,
  parseHeadsSigned,
  type ChainHeadsSignedData,
} from './heads.ts';
import { keyIdOf } from './keys.ts';
import { checkKeyRotation, KEY_ROTATED, parseKeyRotation } from './rotation.ts';

export type ProblemKind = 'altered' | 'missing' | 'reordered' | 'bad-signature' | 'head-mismatch' | 'unsigned-key' | 'unsigned';

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
  /** Events of the integrity-heads stream: signed heads and key changes. */
  headEvents: number;
  streams: number;
  /** Signed heads checked, every one valid. */
  signatures: number;
  /** The last position verified. */
  throughPosition: bigint;
  /** The highest position through which a valid signature read the log. */
  signedThroughPosition: bigint;
  /**
   * Events no signed head covers yet, recorded within two signing intervals of the latest signed head (and, for a
   * store, of the verification time): the signer has not come round to them yet.
   */
  awaitingSignature: number;
  /** The trusted (first) key's id, or null when none was given. */
  keyId: string | null;
  /** The keys in force one after another, the trusted key first, each change checked. */
  keys: string[];
  /** The signing interval the latest signed head records (or the default it is assumed to be), in ms. */
  intervalMs: number | null;
  /** When the latest signed head was signed. */
  latestSignedAt: string | null;
}

export type Verdict = { ok: true; summary: Summary } | { ok: false; problem: Problem };

export interface VerifyOptions {
  /**
   * An export holds some streams only (a contract's group) and only the signatures over them: each stream present
   * must still be whole from revision 0, but the `integrity-heads` stream may have gaps, and signed heads are
   * checked for the streams present and for streams of their groups (which an export must include).
   */
  partial?: boolean | undefined;
  /**
   * The verification time: an event no head covers, recorded more than two signing intervals before it, is
   * `unsigned`. Not used for an export (`partial`), whose end is the moment it was made, not the moment it is read.
   */
  now?: Date | undefined;
  /** The interval assumed for heads signed before they recorded theirs (issue 5's); default the service's 60 s. */
  defaultIntervalMs?: number | undefined;
}

interface Chain {
  last: number;
  lastHash: string;
  /** Hash, position and recorded time at each revision from 0 (dense streams only). */
  hashes: string[];
  positions: bigint[];
  recordedMs: number[];
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
const duration = (ms: number): string => (ms % 60_000 === 0 ? `${ms / 60_000} min` : ms % 1_000 === 0 ? `${ms / 1_000} s` : `${ms} ms`);

export interface Verifier {
  /** Checks the next event in global order; false once the verdict is known (no need to read further). */
  push(event: RecordedEvent): boolean;
  finish(): Verdict;
}

export const createVerifier = (trusted: KeyObject | undefined, options: VerifyOptions = {}): Verifier => {
  const partial = options.partial ?? false;
  const now = partial ? undefined : options.now;
  const defaultIntervalMs = options.defaultIntervalMs ?? DEFAULT_SIGN_INTERVAL_MS;
  const keyId = trusted ? keyIdOf(trusted) : undefined;
  const chains = new Map<string, Chain>();
  let events = 0;
  let signatures = 0;
  let headEvents = 0;
  let signedThrough = 0n;
  let lastPosition: bigint | undefined;
  let previousEvent: RecordedEvent | undefined;
  let firstLedgerEvent: RecordedEvent | undefined;
  let problem: Problem | undefined;
  let awaiting: Awaiting | undefined;
  /** The key signatures are checked with now: the trusted key from the first signature, then each recorded change. */
  let inForce: { publicKey: KeyObject; keyId: string; since?: bigint | undefined } | undefined;
  const keys: string[] = [];
  /** The latest valid signed head: when it was signed and the interval it records. */
  let latest: { position: bigint; signedAt: string; signedAtMs: number; intervalMs: number } | undefined;
  /** The highest position a log-wide signing (periodic, start, stop) read through, and where that signing is. */
  let logWide: { through: bigint; at: bigint } | undefined;

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

  /** The key to check a signature made by `signer` with, or the problem: no trusted key, or not the key in force. */
  const keyFor = (e: RecordedEvent, signer: string, what: string): KeyObject | Problem => {
    const key = inForce?.publicKey ?? trusted;
    if (!key) return at(e, 'unsigned-key', `there is no trusted public key to check the ${what} signed with key ${short(signer)}`);
    const id = inForce?.keyId ?? keyId!;
    if (signer === id) return key;
    if (!inForce) return at(e, 'unsigned-key', `the ${what} are signed with key ${short(signer)}, not with the trusted key ${short(id)}`);
    const since = inForce.since === undefined ? 'since the first signature' : `since the key change at position ${inForce.since}`;
    return at(e, 'unsigned-key', `the ${what} are signed with key ${short(signer)}, but the key in force ${since} is ${short(id)}`);
  };

  const establish = (publicKey: KeyObject, id: string, since?: bigint): void => {
    inForce = { publicKey, keyId: id, since };
    keys.push(id);
  };

  const checkKeyChange = (e: RecordedEvent): Problem | undefined => {
    const data = parseKeyRotation(e.data);
    if (!data) return at(e, 'bad-signature', 'the key change is malformed');
    const key = keyFor(e, data.previousKeyId, 'key change');
    if (!(key instanceof KeyObject)) return key;
    const checked = checkKeyRotation(data, key);
    if (!checked.ok) return at(e, checked.kind, checked.detail);
    if (!inForce) establish(key, keyIdOf(key));
    establish(checked.publicKey, data.keyId, e.position);
    return undefined;
  };

  const checkSignedHeads = (e: RecordedEvent): Problem | undefined => {
    const data: ChainHeadsSignedData | undefined = parseHeadsSigned(e.data);
    if (!data) return at(e, 'bad-signature', 'the signed heads are malformed');
    const key = keyFor(e, data.keyId, 'heads');
    if (!(key instanceof KeyObject)) return key;
    switch (checkHeadsSignature(data, key)) {
      case 'unknown-key':
        return at(e, 'unsigned-key', `the heads name key ${short(data.keyId)}, which is not the key they were checked with`);
      case 'bad-signature':
        return at(e, 'bad-signature', 'the signature does not verify with the key in force: the signed heads were changed');
      case 'valid':
        break;
    }
    if (!inForce) establish(key, data.keyId);
    signatures += 1;
    const signedAt = data.signedAt ?? e.recordedAt;
    latest = { position: e.position, signedAt, signedAtMs: Date.parse(signedAt), intervalMs: data.intervalMs ?? defaultIntervalMs };
    const through = BigInt(data.throughPosition);
    if (isLogWide(data.trigger) && (logWide === undefined || through > logWide.through)) logWide = { through, at: e.position };
    if (through > signedThrough) signedThrough = through;
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
      chains.set(e.streamName, { last: e.revision, lastHash: integrity.hash, hashes: [], positions: [], recordedMs: [], signed: -1 });
    }
    if (!sparse) {
      const c = chains.get(e.streamName)!;
      c.hashes.push(integrity.hash);
      c.positions.push(e.position);
      c.recordedMs.push(Date.parse(e.recordedAt));
    }
    if (e.streamName !== HEADS_STREAM) {
      firstLedgerEvent ??= e;
      return undefined;
    }
    if (e.type === HEADS_SIGNED) return checkSignedHeads(e);
    if (e.type === KEY_ROTATED) return checkKeyChange(e);
    return undefined;
  };

  /**
   * The first event that should be covered by a signed head and is not (issue 14), or undefined; counts the events
   * that are merely not covered yet.
   */
  const firstUnsigned = (): { problem?: Problem; awaitingSignature: number } => {
    if (!latest) {
      if (!firstLedgerEvent) return { awaitingSignature: 0 };
      const n = [...chains].reduce((sum, [name, c]) => (name === HEADS_STREAM ? sum : sum + c.last + 1), 0);
      return {
        problem: at(
          firstLedgerEvent,
          'unsigned',
          `the log holds ${n} event${n === 1 ? '' : 's'} and no valid signed head: nothing vouches for them (the integrity-heads stream is empty or gone)`,
        ),
        awaitingSignature: 0,
      };
    }
    const allowance = 2 * latest.intervalMs;
    const twice = `two signing intervals (2 × ${duration(latest.intervalMs)})`;
    let first: Problem | undefined;
    let awaitingSignature = 0;
    for (const [streamName, chain] of chains) {
      if (streamName === HEADS_STREAM || chain.last <= chain.signed) continue;
      const revision = chain.signed + 1;
      const position = chain.positions[revision]!;
      const recordedMs = chain.recordedMs[revision]!;
      const recorded = new Date(recordedMs).toISOString();
      let detail: string | undefined;
      if (logWide && position <= logWide.through) {
        detail = `the log-wide signing at position ${logWide.at} read the log through position ${logWide.through}, this event included, yet no signed head covers it: a signature was removed, or the event added without one`;
      } else if (latest.signedAtMs - recordedMs > allowance) {
        detail = `recorded at ${recorded}, more than ${twice} before the latest signed head (position ${latest.position}, signed at ${latest.signedAt}), and no signed head covers it`;
      } else if (now !== undefined && now.getTime() - recordedMs > allowance) {
        detail = `recorded at ${recorded}, more than ${twice} before the verification time ${now.toISOString()}, and no signed head covers it: the signer has stopped, or signatures were removed`;
      }
      if (detail === undefined) awaitingSignature += chain.last - chain.signed;
      else if (!first || position < first.position) first = { kind: 'unsigned', streamName, revision, position, detail };
    }
    return { problem: first, awaitingSignature };
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
      const unsigned = firstUnsigned();
      if (unsigned.problem) return { ok: false, problem: unsigned.problem };
      return {
        ok: true,
        summary: {
          events,
          headEvents,
          streams: chains.size,
          signatures,
          throughPosition: lastPosition ?? 0n,
          signedThroughPosition: signedThrough,
          awaitingSignature: unsigned.awaitingSignature,
          keyId: keyId ?? null,
          keys,
          intervalMs: latest?.intervalMs ?? null,
          latestSignedAt: latest?.signedAt ?? null,
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

/** The whole store, with the verification time `now` unless the options give another. */
export const verifyStore = (store: EventStore, publicKey: KeyObject | undefined, options: VerifyOptions = {}): Promise<Verdict> =>
  verifyLog(readLog(store), publicKey, { ...options, now: options.now ?? new Date() });
