// Signed chain heads: `ChainHeadsSigned` events in the `integrity-heads` stream. Each signs, with the Ed25519 key kept
// outside the store, the last hash of some streams, so whoever rewrites the database (and re-hashes the chains to
// match) still cannot produce heads that verify.
import { sign, verify, type KeyObject } from 'node:crypto';
import type { RecordedEvent } from '@csu-ledger/event-store';
import { canonicalJson } from './canonical.ts';
import { integrityOf } from './chain.ts';
import { keyIdOf, type SigningKey } from './keys.ts';

export const HEADS_STREAM = 'integrity-heads';
export const HEADS_SIGNED = 'ChainHeadsSigned';

export interface ChainHead {
  streamName: string;
  revision: number;
  hash: string;
}

/** Why these heads were signed; not part of the signed bytes (it is covered by the event's own hash). */
export type SigningTrigger = { kind: 'periodic' } | { kind: 'group'; root: string };

export interface ChainHeadsSignedData {
  heads: ChainHead[];
  /** Decimal string: the log position through which the heads were read. */
  throughPosition: string;
  keyId: string;
  /** Base64 Ed25519 signature over canonicalJson({ heads, throughPosition, keyId }). */
  signature: string;
  trigger?: SigningTrigger | undefined;
}

const signedBytes = (heads: ChainHead[], throughPosition: string, keyId: string): Buffer =>
  Buffer.from(canonicalJson({ heads, throughPosition, keyId }), 'utf8');

/** The last chained event of each stream among `events` (in any order), as heads sorted by stream name. */
export const headsOf = (events: Iterable<RecordedEvent>): ChainHead[] => {
  const last = new Map<string, RecordedEvent>();
  for (const e of events) {
    const seen = last.get(e.streamName);
    if (!seen || e.revision > seen.revision) last.set(e.streamName, e);
  }
  const heads: ChainHead[] = [];
  for (const e of last.values()) {
    const integrity = integrityOf(e.metadata);
    // An event written before the chain existed has nothing to sign; verification reports it on its own.
    if (integrity) heads.push({ streamName: e.streamName, revision: e.revision, hash: integrity.hash });
  }
  return heads.sort((a, b) => (a.streamName < b.streamName ? -1 : a.streamName > b.streamName ? 1 : 0));
};

export const signHeads = (key: SigningKey, heads: ChainHead[], throughPosition: bigint, trigger?: SigningTrigger): ChainHeadsSignedData => {
  const through = throughPosition.toString();
  const signature = sign(null, signedBytes(heads, through, key.keyId), key.privateKey).toString('base64');
  return { heads, throughPosition: through, keyId: key.keyId, signature, ...(trigger ? { trigger } : {}) };
};

const HASH = /^[0-9a-f]{64}$/;
const isHead = (h: unknown): h is ChainHead => {
  if (h === null || typeof h !== 'object') return false;
  const { streamName, revision, hash } = h as Record<string, unknown>;
  return typeof streamName === 'string' && Number.isSafeInteger(revision) && (revision as number) >= 0 && typeof hash === 'string' && HASH.test(hash);
};

/** The data of a `ChainHeadsSigned` event when well formed, else undefined. */
export const parseHeadsSigned = (data: unknown): ChainHeadsSignedData | undefined => {
  if (data === null || typeof data !== 'object') return undefined;
  const d = data as Record<string, unknown>;
  if (!Array.isArray(d.heads) || !d.heads.every(isHead)) return undefined;
  if (typeof d.throughPosition !== 'string' || !/^\d{1,20}$/.test(d.throughPosition)) return undefined;
  if (typeof d.keyId !== 'string' || !HASH.test(d.keyId)) return undefined;
  if (typeof d.signature !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(d.signature)) return undefined;
  return { heads: d.heads, throughPosition: d.throughPosition, keyId: d.keyId, signature: d.signature };
};

export type SignatureCheck = 'valid' | 'bad-signature' | 'unknown-key';

/** Does this key vouch for these heads? `unknown-key` when they name another key, or there is no key to check with. */
export const checkHeadsSignature = (data: ChainHeadsSignedData, publicKey: KeyObject | undefined): SignatureCheck => {
  if (!publicKey || data.keyId !== keyIdOf(publicKey)) return 'unknown-key';
  const ok = verify(null, signedBytes(data.heads, data.throughPosition, data.keyId), publicKey, Buffer.from(data.signature, 'base64'));
  return ok ? 'valid' : 'bad-signature';
};
