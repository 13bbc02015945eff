export { canonicalJson } from './canonical.ts';
export { chainEvents, eventHash, integrityOf, type HashedContent, type Integrity } from './chain.ts';
export {
  checkHeadsSignature,
  HEADS_SIGNED,
  HEADS_STREAM,
  headsOf,
  parseHeadsSigned,
  signHeads,
  type ChainHead,
  type ChainHeadsSignedData,
  type SignatureCheck,
  type SigningTrigger,
} from './heads.ts';
export {
  INTEGRITY_KEY_FILE,
  INTEGRITY_PUBLIC_KEY_FILE,
  keyIdOf,
  loadOrCreateSigningKey,
  loadPublicKey,
  readPublicKeyFile,
  type PublicKeySettings,
  type SigningKey,
  type SigningKeySettings,
} from './keys.ts';
export { parseNdjsonLine, toNdjsonLine, verifyNdjson } from './ndjson.ts';
export { createHeadSigner, signingAfter, type HeadSigner, type HeadSignerOptions } from './signer.ts';
export {
  createVerifier,
  readLog,
  verifyLog,
  verifyStore,
  type Problem,
  type ProblemKind,
  type Summary,
  type Verdict,
  type Verifier,
  type VerifyOptions,
} from './verify.ts';
