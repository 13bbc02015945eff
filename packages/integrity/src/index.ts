export { canonicalJson } from './canonical.ts';
export { chainEvents, eventHash, integrityOf, type HashedContent, type Integrity } from './chain.ts';
export {
  checkHeadsSignature,
  DEFAULT_SIGN_INTERVAL_MS,
  HEADS_SIGNED,
  HEADS_STREAM,
  headsOf,
  isLogWide,
  parseHeadsSigned,
  signHeads,
  type ChainHead,
  type ChainHeadsSignedData,
  type SignatureCheck,
  type SigningTrigger,
} from './heads.ts';
export {
  createNextKey,
  INTEGRITY_KEY_FILE,
  INTEGRITY_PUBLIC_KEY_FILE,
  keyIdOf,
  loadOrCreateSigningKey,
  loadPublicKey,
  loadSigningKeyById,
  nextKeyPath,
  publicKeyFromBase64,
  publicKeyToBase64,
  readPublicKeyFile,
  signingKeyPath,
  type PublicKeySettings,
  type SigningKey,
  type SigningKeySettings,
} from './keys.ts';
export { parseNdjsonLine, toNdjsonLine, verifyNdjson } from './ndjson.ts';
export {
  latestReceipt,
  makeReceipt,
  parseReceipt,
  RECEIPT_FORMAT,
  verifyReceipt,
  type Receipt,
  type ReceiptEvent,
  type ReceiptSignedHead,
  type ReceiptSubject,
  type ReceiptSummary,
  type ReceiptVerdict,
} from './receipt.ts';
export { checkKeyRotation, KEY_ROTATED, parseKeyRotation, signRotation, type KeyRotationData } from './rotation.ts';
export {
  createHeadSigner,
  KeyNotInForceError,
  signingAfter,
  type HeadSigner,
  type HeadSignerOptions,
  type LogWideTrigger,
} from './signer.ts';
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
