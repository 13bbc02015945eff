// Signed chain heads: `ChainHeadsSigned` events in the `integrity-heads` stream. Each signs, with the Ed25519 key kept
// outside the store, the last hash of some streams, so whoever rewrites the database (and re-hashes the chains to
// match) still cannot produce heads that verify.
// Issue 14: a head also signs when it was made, the signer's interval and why (its trigger), so that a verifier
// learns from the log itself, under the key, how fresh the signatures must be and which signings read the whole log.
// Heads written before carry none of the three in their signed bytes, and verify as they always did.
import { sign, verify, type KeyObject } from 'node:crypto';
import type { RecordedEvent } from '@csu-ledger/event-store';
import { canonicalJson } from './canonical.ts';
import { integrityOf } from './chain.ts';
import { keyIdOf, type SigningKey } from './keys.ts';

export const HEADS_STREAM = 'integrity-heads';
export const HEADS_SIGNED = 'ChainHeadsSigned';
/** The command service's default signing interval (LEDGER_SIGN_INTERVAL_MS), assumed for heads that do not say. */
export const DEFAULT_SIGN_INTERVAL_MS = 60_000;

export interface ChainHead {
  streamName: string;
  revision: number;
  hash: string;
}

/**
 * Why these heads were signed. `periodic`, `start` and `stop` read the whole log after the previous such signing
 * (log-wide); `group` signs one contract's group after its settlement approval.
 */
export type SigningTrigger = { kind: 'periodic' | 'start' | 'stop' } | { kind: 'group'; root: string };

export const isLogWide = (trigger: SigningTrigger | undefined): boolean => trigger !== undefined && trigger.kind !== 'group';

export interface ChainHeadsSignedData {
  heads: ChainHead[];
  /** Decimal string: the log position through which the heads were read. */
  throughPosition: string;
  keyId: string;
  /** Base64 Ed25519 signature over `signedBytes` of the fields present. */
  signature: string;
  /** When signed (ISO instant, the signer's clock); signed, with `intervalMs` and `trigger`, since issue 14. */
  signedAt?: string | undefined;
  /** The signer's interval between log-wide signings, in milliseconds. */
  intervalMs?: number | undefined;
  trigger?: SigningTrigger | undefined;
}

export interface SignOptions {
  trigger?: SigningTrigger | undefined;
  /** With `intervalMs`: what makes the head a signed statement of its time and cadence (issue 14). */
  signedAt?: Date | undefined;
  intervalMs?: number | undefined;
}

/** The bytes a head's signature covers: issue 5's three fields, and issue 14's three when the head has them. */
const signedBytes = (d: Omit<ChainHeadsSignedData, 'signature'>): Buffer => {
  const base = { heads: d.heads, throughPosition: d.throughPosition, keyId: d.keyId };
  const value = d.signedAt === undefined ? base : { ...base, signedAt: d.signedAt, intervalMs: d.intervalMs, trigger: d.trigger };
  return Buffer.from(canonicalJson(value), 'utf8');
};

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

/**
 * Signs heads read through `throughPosition`. With `signedAt` and `intervalMs` the time, the interval and the trigger
 * are signed too; without them (issue 5's form, kept for tests of old logs) the trigger is recorded unsigned.
 */
export const signHeads = (key: SigningKey, heads: ChainHead[], throughPosition: bigint, options: SignOptions = {}): ChainHeadsSignedData => {
  const through = throughPosition.toString();
  const timed =
    options.signedAt !== undefined && options.intervalMs !== undefined
      ? { signedAt: options.signedAt.toISOString(), intervalMs: options.intervalMs, trigger: options.trigger ?? { kind: 'periodic' as const } }
      : undefined;
  const unsigned = { heads, throughPosition: through, keyId: key.keyId, ...timed };
  const signature = sign(null, signedBytes(unsigned), key.privateKey).toString('base64');
  return { ...unsigned, signature, ...(timed === undefined && options.trigger ? { trigger: options.trigger } : {}) };
};

const HASH = /^[0-9a-f]{64}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const isHead = (h: unknown): h is ChainHead => {
  if (h === null || typeof h !== 'object') return false;
  const { streamName, revision, hash } = h as Record<string, unknown>;
  return typeof streamName === 'string' && Number.isSafeInteger(revision) && (revision as number) >= 0 && typeof hash === 'string' && HASH.test(hash);
};

export const parseTrigger = (t: unknown): SigningTrigger | undefined => {
  if (t === null || typeof t !== 'object') return undefined;
  const { kind, root } = t as Record<string, unknown>;
  if (kind === 'periodic' || kind === 'start' || kind === 'stop') return { kind };
  if (kind === 'group' && typeof root === 'string' && root.length > 0) return { kind, root };
  return undefined;
};

/** The data of a `ChainHeadsSigned` event when well formed, else undefined. */
export const parseHeadsSigned = (data: unknown): ChainHeadsSignedData | undefined => {
  if (data === null || typeof data !== 'object') return undefined;
  const d = data as Record<string, unknown>;
  if (!Array.isArray(d.heads) || !d.heads.every(isHead)) return undefined;
  if (typeof d.throughPosition !== 'string' || !/^\d{1,20}$/.test(d.throughPosition)) return undefined;
  if (typeof d.keyId !== 'string' || !HASH.test(d.keyId)) return undefined;
  if (typeof d.signature !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(d.signature)) return undefined;
  const base = { heads: d.heads, throughPosition: d.throughPosition, keyId: d.keyId, signature: d.signature };
  const trigger = parseTrigger(d.trigger);
  if (d.signedAt === undefined) return trigger ? { ...base, trigger } : base;
  // Issue 14's heads: all three signed fields, well formed, or the head is malformed.
  if (typeof d.signedAt !== 'string' || !INSTANT.test(d.signedAt) || Number.isNaN(Date.parse(d.signedAt))) return undefined;
  if (!Number.isSafeInteger(d.intervalMs) || (d.intervalMs as number) <= 0 || !trigger) return undefined;
  return { ...base, signedAt: d.signedAt, intervalMs: d.intervalMs as number, trigger };
};

/** What a signer needs of a signed head: with which key, through which position, and why it was signed. */
export type SigningSummary = Pick<ChainHeadsSignedData, 'keyId' | 'throughPosition' | 'trigger'>;

/**
 * The summary of a well-formed `ChainHeadsSigned`: every field checked as `parseHeadsSigned` does, except each of the
 * heads (a log-wide signing of a large log holds 150,000 of them). A signer learns only where signing got to and with
 * which key, never whether the log is intact: verify checks every head.
 */
export const parseSigningSummary = (data: unknown): SigningSummary | undefined => {
  if (data === null || typeof data !== 'object') return undefined;
  const d = data as Record<string, unknown>;
  if (!Array.isArray(d.heads)) return undefined;
  const parsed = parseHeadsSigned({ ...d, heads: [] });
  return parsed && { keyId: parsed.keyId, throughPosition: parsed.throughPosition, trigger: parsed.trigger };
};

export type SignatureCheck = 'valid' | 'bad-signature' | 'unknown-key';

/** Does this key vouch for these heads? `unknown-key` when they name another key, or there is no key to check with. */
export const checkHeadsSignature = (data: ChainHeadsSignedData, publicKey: KeyObject | undefined): SignatureCheck => {
  if (!publicKey || data.keyId !== keyIdOf(publicKey)) return 'unknown-key';
  const ok = verify(null, signedBytes(data), publicKey, Buffer.from(data.signature, 'base64'));
  return ok ? 'valid' : 'bad-signature';
};
