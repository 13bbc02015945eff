// The Ed25519 key that signs chain heads, kept outside the store: `<data dir>/integrity-key.pem` (created on first
// start, mode 0600) or a file named by the environment. Verifiers need only the public key: written alongside as
// `<data dir>/integrity-key.pub.pem`, or given explicitly (`--public-key`), or derived from the private key.
// Issue 14: keys rotate (rotation.ts). The public key file then stays the *first* key, the one verification starts
// from (each later key is vouched for in the log by the key before it); the new private key is written beside the
// old as `<key file>.next` before the rotation is recorded, and takes the old one's place once it is.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const INTEGRITY_KEY_FILE = 'integrity-key.pem';
export const INTEGRITY_PUBLIC_KEY_FILE = 'integrity-key.pub.pem';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SHA-256 (hex) of the public key's SPKI DER: names the key in every signature. */
  keyId: string;
}

export interface SigningKeySettings {
  dataDir: string;
  /** A PEM (PKCS#8) Ed25519 private key file to use instead of the data folder's (`LEDGER_INTEGRITY_KEY`). */
  keyPath?: string | undefined;
}

export interface PublicKeySettings {
  dataDir: string;
  /** An explicit PEM (SPKI) public key (`--public-key`, `LEDGER_INTEGRITY_PUBLIC_KEY`): the only one consulted. */
  publicKeyPath?: string | undefined;
  /** Where the private key is when there is no public key file (`LEDGER_INTEGRITY_KEY`). */
  privateKeyPath?: string | undefined;
}

const keyIds = new WeakMap<KeyObject, string>();
export const keyIdOf = (publicKey: KeyObject): string => {
  let id = keyIds.get(publicKey);
  if (id === undefined) {
    id = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
    keyIds.set(publicKey, id);
  }
  return id;
};

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

const requireEd25519 = (key: KeyObject, path: string): KeyObject => {
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is not an Ed25519 key (it is ${String(key.asymmetricKeyType)})`);
  return key;
};

/** A private key file others can read is a key others can sign with: refused, as the JWT secret is. */
const readPrivateKeyFile = async (path: string): Promise<KeyObject> => {
  const info = await stat(path);
  if (!info.isFile()) throw new Error(`${path} is not a regular file`);
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
    throw new Error(`refusing to use ${path}: its mode is ${mode}, so other users can read the integrity signing key; run \`chmod 600 ${path}\``);
  }
  return requireEd25519(createPrivateKey(await readFile(path, 'utf8')), path);
};

/** Writes a file whole or not at all, so a reader never sees half a key. */
const writeAtomically = async (path: string, text: string, mode: number): Promise<void> => {
  const draft = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(draft, text, { mode, flag: 'wx' });
    await rename(draft, path);
  } finally {
    await unlink(draft).catch(() => undefined);
  }
};

/** Creates `<dataDir>/integrity-key.pem` unless it exists; two processes starting together agree on one key. */
const createKeyFile = async (path: string): Promise<void> => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const draft = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(draft, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    // link fails rather than overwrites when another process won the race.
    await link(draft, path).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    });
  } finally {
    await unlink(draft).catch(() => undefined);
  }
};

const asSigningKey = (privateKey: KeyObject): SigningKey => {
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
};

/** Where the signing key lives: `keyPath`, else the data folder's key file. */
export const signingKeyPath = ({ dataDir, keyPath }: SigningKeySettings): string => keyPath ?? join(dataDir, INTEGRITY_KEY_FILE);
/** Where a rotation puts the new key until the rotation is recorded (rotation.ts). */
export const nextKeyPath = (settings: SigningKeySettings): string => `${signingKeyPath(settings)}.next`;

/**
 * The signing key: from `keyPath` when given (it must exist), else `<dataDir>/integrity-key.pem`, created on first use.
 * Writes its public key to `<dataDir>/integrity-key.pub.pem` for verifiers when there is none yet: after a rotation
 * that file still holds the first key, from which verification follows the recorded key changes.
 */
export const loadOrCreateSigningKey = async (settings: SigningKeySettings): Promise<SigningKey> => {
  const { dataDir, keyPath } = settings;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = signingKeyPath(settings);
  if (keyPath === undefined && !(await exists(path))) await createKeyFile(path);
  const key = asSigningKey(await readPrivateKeyFile(path));
  const publicPath = join(dataDir, INTEGRITY_PUBLIC_KEY_FILE);
  if (!(await exists(publicPath))) await writeAtomically(publicPath, key.publicKey.export({ type: 'spki', format: 'pem' }) as string, 0o644);
  return key;
};

/**
 * The signing key whose id is `keyId` (the key the log says is in force): the key file's, or the one a rotation left
 * beside it (`<key file>.next`), which then takes the key file's place, finishing a rotation that stopped between
 * recording the change and swapping the files. Undefined when neither is that key.
 */
export const loadSigningKeyById = async (settings: SigningKeySettings, keyId: string): Promise<SigningKey | undefined> => {
  const path = signingKeyPath(settings);
  const current = (await exists(path)) ? asSigningKey(await readPrivateKeyFile(path)) : undefined;
  if (current?.keyId === keyId) return current;
  const next = nextKeyPath(settings);
  if (!(await exists(next))) return undefined;
  const candidate = asSigningKey(await readPrivateKeyFile(next));
  if (candidate.keyId !== keyId) return undefined;
  await rename(next, path); // the old key is overwritten: a retired key signs nothing more
  return candidate;
};

/** A new Ed25519 key written to `<key file>.next` (mode 0600), refused if one is already there. */
export const createNextKey = async (settings: SigningKeySettings): Promise<SigningKey> => {
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeFile(nextKeyPath(settings), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  return asSigningKey(privateKey);
};

/** The public key as a verifier reads it from a rotation record or a receipt: base64 of its SPKI DER. */
export const publicKeyToBase64 = (publicKey: KeyObject): string => publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

/** The Ed25519 public key of base64 SPKI DER; undefined when it is not one. */
export const publicKeyFromBase64 = (text: string): KeyObject | undefined => {
  try {
    const key = createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'ed25519' ? key : undefined;
  } catch {
    return undefined;
  }
};

/** A PEM public (SPKI) key, or the public half of a PEM private key. */
export const readPublicKeyFile = async (path: string): Promise<KeyObject> =>
  requireEd25519(createPublicKey(await readFile(path, 'utf8')), path);

/**
 * The public key verifiers trust: the explicit file when one is named; else the data folder's public key file; else
 * the public half of the private key (`privateKeyPath` or the data folder's). Undefined when there is none.
 */
export const loadPublicKey = async ({ dataDir, publicKeyPath, privateKeyPath }: PublicKeySettings): Promise<KeyObject | undefined> => {
  if (publicKeyPath !== undefined) return readPublicKeyFile(publicKeyPath);
  const publicPath = join(dataDir, INTEGRITY_PUBLIC_KEY_FILE);
  if (await exists(publicPath)) return readPublicKeyFile(publicPath);
  const privatePath = privateKeyPath ?? join(dataDir, INTEGRITY_KEY_FILE);
  if (await exists(privatePath)) return createPublicKey(await readPrivateKeyFile(privatePath));
  return undefined;
};
