// Key rotation (issue 14): a `SigningKeyRotated` event in the `integrity-heads` stream records the new public key,
// signed by the key in force until then, and by the new key too (proof that whoever rotated holds it). A verifier
// that trusts the first key follows the recorded changes and checks each signed head with the key in force when it
// was made; a head or a change signed by any other key is not vouched for.
import { sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical.ts';
import { keyIdOf, publicKeyFromBase64, publicKeyToBase64, type SigningKey } from './keys.ts';

export const KEY_ROTATED = 'SigningKeyRotated';

export interface KeyRotationData {
  /** The key in force until this change. */
  previousKeyId: string;
  /** The new key's id (SHA-256 of its SPKI DER) and the key itself (base64 SPKI DER). */
  keyId: string;
  publicKey: string;
  rotatedAt: string;
  /** Base64 Ed25519 signature by the previous key over canonicalJson of the four fields above. */
  signature: string;
  /** The same bytes signed by the new key. */
  proof: string;
}

type Statement = Pick<KeyRotationData, 'previousKeyId' | 'keyId' | 'publicKey' | 'rotatedAt'>;
const statementBytes = (d: Statement): Buffer =>
  Buffer.from(canonicalJson({ previousKeyId: d.previousKeyId, keyId: d.keyId, publicKey: d.publicKey, rotatedAt: d.rotatedAt }), 'utf8');

export const signRotation = (previous: SigningKey, next: SigningKey, at: Date): KeyRotationData => {
  const statement: Statement = { previousKeyId: previous.keyId, keyId: next.keyId, publicKey: publicKeyToBase64(next.publicKey), rotatedAt: at.toISOString() };
  const bytes = statementBytes(statement);
  return {
    ...statement,
    signature: sign(null, bytes, previous.privateKey).toString('base64'),
    proof: sign(null, bytes, next.privateKey).toString('base64'),
  };
};

const HASH = /^[0-9a-f]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export const parseKeyRotation = (data: unknown): KeyRotationData | undefined => {
  if (data === null || typeof data !== 'object') return undefined;
  const d = data as Record<string, unknown>;
  const { previousKeyId, keyId, publicKey, rotatedAt, signature, proof } = d;
  if (typeof previousKeyId !== 'string' || !HASH.test(previousKeyId)) return undefined;
  if (typeof keyId !== 'string' || !HASH.test(keyId)) return undefined;
  if (typeof publicKey !== 'string' || !BASE64.test(publicKey)) return undefined;
  if (typeof rotatedAt !== 'string' || Number.isNaN(Date.parse(rotatedAt))) return undefined;
  if (typeof signature !== 'string' || !BASE64.test(signature) || typeof proof !== 'string' || !BASE64.test(proof)) return undefined;
  return { previousKeyId, keyId, publicKey, rotatedAt, signature, proof };
};

export type RotationCheck =
  | { ok: true; publicKey: KeyObject }
  | { ok: false; kind: 'unsigned-key' | 'bad-signature'; detail: string };

const short = (id: string): string => `${id.slice(0, 12)}…`;

/** Is this change made by the key in force, to a key that is what it says and that signed it too? */
export const checkKeyRotation = (d: KeyRotationData, inForce: KeyObject): RotationCheck => {
  const inForceId = keyIdOf(inForce);
  if (d.previousKeyId !== inForceId) {
    return { ok: false, kind: 'unsigned-key', detail: `the key change names key ${short(d.previousKeyId)} as the one it replaces, but the key in force is ${short(inForceId)}` };
  }
  const bytes = statementBytes(d);
  if (!verify(null, bytes, inForce, Buffer.from(d.signature, 'base64'))) {
    return { ok: false, kind: 'bad-signature', detail: `the key change to ${short(d.keyId)} is not signed by the key in force ${short(inForceId)}` };
  }
  const next = publicKeyFromBase64(d.publicKey);
  if (!next || keyIdOf(next) !== d.keyId) {
    return { ok: false, kind: 'bad-signature', detail: `the key change's new key is not the Ed25519 key ${short(d.keyId)} it names` };
  }
  if (!verify(null, bytes, next, Buffer.from(d.proof, 'base64'))) {
    return { ok: false, kind: 'bad-signature', detail: `the new key ${short(d.keyId)} did not sign its own key change` };
  }
  return { ok: true, publicKey: next };
};
