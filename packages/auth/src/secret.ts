import { randomBytes, randomUUID } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const DEV_SECRET_FILE = 'jwt-secret';
/** HS256 wants a key of at least 256 bits (RFC 7518 section 3.2). */
const MIN_SECRET_BYTES = 32;

/**
 * The development HS256 key from a string (e.g. `LEDGER_JWT_SECRET`, read by the services' config). The key is the
 * UTF-8 bytes of the text, the same rule as for the key file, so copying the file's content into the variable gives
 * the same key.
 */
export const devSecretFromString = (text: string): Uint8Array => {
  const key = new TextEncoder().encode(text);
  if (key.length < MIN_SECRET_BYTES) {
    throw new Error(`the development signing secret must be at least ${MIN_SECRET_BYTES} bytes (HS256 needs 256 bits)`);
  }
  return key;
};

const readSecretFile = async (path: string): Promise<Uint8Array> => {
  const info = await stat(path);
  if (!info.isFile()) throw new Error(`${path} is not a regular file`);
  // Windows has no POSIX modes to check; everywhere else a key others can read is a key others can sign with.
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
    throw new Error(
      `refusing to use ${path}: its mode is ${mode}, so other users can read the signing key; run \`chmod 600 ${path}\``,
    );
  }
  return devSecretFromString((await readFile(path, 'utf8')).trim());
};

/**
 * The development signing key in `<dataDir>/jwt-secret`, created on first use: 32 random bytes written as base64url,
 * mode 0600. Two processes starting together agree on one key: the file is written aside and linked into place,
 * which fails rather than overwrites when the other won.
 */
export const loadOrCreateDevSecret = async (dataDir: string): Promise<Uint8Array> => {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, DEV_SECRET_FILE);
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  if (!exists) {
    const draft = `${path}.${randomUUID()}.tmp`;
    try {
      await writeFile(draft, `${randomBytes(MIN_SECRET_BYTES).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
      await link(draft, path).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      });
    } finally {
      await unlink(draft).catch(() => undefined);
    }
  }
  return readSecretFile(path);
};
