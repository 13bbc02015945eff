import { randomBytes, randomUUID } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const DEV_SECRET_FILE = 'jwt-secret';
/** HS256 wants a key of at least 256 bits (RFC 7518 section 3.2): as bytes, and as what the text could hold. */
const MIN_SECRET_BYTES = 32;
const MIN_SECRET_BITS = 256;
/** Far more than any key needs (HS256 hashes a longer one first), and it keeps the estimate below cheap. */
const MAX_SECRET_BYTES = 1024;

/**
 * Development secrets that are public, having been published as examples (infra/compose/example.env held the first):
 * anyone can sign tokens with them, so they are refused except for `pnpm ledger start --demo` (issue 9).
 */
export const PUBLIC_EXAMPLE_SECRETS: readonly string[] = ['example-only-not-a-secret-0123456789abcdef'];

// ---- How much a secret could hold: an estimate that catches the weak, never a proof of strength ----

const HEX = /^(?:[0-9a-f]+|[0-9A-F]+)$/;
const BASE64 = /^(?:[A-Za-z0-9_-]+|[A-Za-z0-9+/]+)$/;
const CHARACTER_CLASSES: readonly [RegExp, number][] = [
  [/[a-z]/, 26],
  [/[A-Z]/, 26],
  [/[0-9]/, 10],
  [/[ -/:-@[-`{-~]/, 33], // ASCII punctuation and space
  [/[^\x20-\x7e]/, 100], // anything else: a rough allowance
];

/** The length of the shortest block the text repeats (`abcabcab` -> 3); the text's length when it repeats nothing. */
const period = (chars: readonly string[]): number => {
  for (let p = 1; p <= chars.length / 2; p += 1) if (chars.every((c, i) => i < p || c === chars[i - p])) return p;
  return chars.length;
};

/**
 * Characters that only continue a run (`aaa`, `abc`, `321`: the same step of -1, 0 or +1 again) once the run is
 * `from` characters long: each adds nothing an attacker would not guess.
 */
const continuations = (chars: readonly string[], from: number): number => {
  const codes = chars.map((c) => c.codePointAt(0) ?? 0);
  let count = 0;
  let run = 1;
  codes.forEach((c, i) => {
    const [a, b] = [codes[i - 2], codes[i - 1]];
    run = b === undefined ? 1 : a !== undefined && c - b === b - a && Math.abs(c - b) <= 1 ? run + 1 : 2;
    if (run >= from) count += 1;
  });
  return count;
};

/** How many distinct symbols n random draws from an alphabet of `size` would show, on average. */
const expectedVariety = (size: number, n: number): number => size * (1 - (1 - 1 / size) ** n);

/**
 * Bits a secret's text could hold, judged the way an attacker would guess it: by the smallest alphabet it fits
 * (hex, base64 or base64url, else the character classes it uses), over its length once repeats are taken out. Random
 * keys as tools print them (openssl rand -hex 32 / -base64 32, 32 bytes as base64url) pass with certainty: they are
 * judged by their alphabet and are never penalised for the runs that random text has by chance; only a text that
 * repeats a block, or shows less than half the variety random text of its alphabet would, is marked down. Written
 * text is also marked down for runs (aaa, abc). A long passphrase of words may still pass: prefer a generated key.
 */
export const estimateSecretBits = (text: string): number => {
  const unpadded = text.replace(/={1,2}$/, '');
  const chars = [...unpadded];
  const generated =
    HEX.test(unpadded) && /[0-9]/.test(unpadded) && /[a-f]/i.test(unpadded)
      ? 16
      : BASE64.test(unpadded) && /[a-z]/.test(unpadded) && /[A-Z]/.test(unpadded)
        ? 64
        : undefined;
  const classes = CHARACTER_CLASSES.reduce((size, [pattern, n]) => size + (pattern.test(unpadded) ? n : 0), 0);
  const alphabet = generated ?? classes;
  const block = chars.slice(0, period(chars));
  const variety = new Set(block).size;
  // Random keys are judged leniently enough never to fail by chance: a run long enough to be marked down comes by
  // chance about once in 2^30 keys, and less than half the variety expected far more rarely. Written text strictly.
  const [enough, runFrom] = generated === undefined ? [2 / 3, 3] : [1 / 2, 2 + Math.ceil(30 / Math.log2(generated))];
  const symbols = variety >= expectedVariety(alphabet, block.length) * enough ? alphabet : variety;
  const length = block.length - continuations(block, runFrom);
  return symbols <= 1 ? 0 : length * Math.log2(symbols);
};

export interface DevSecretOptions {
  /** `pnpm ledger start --demo`: the public example secrets are allowed, for a demonstration on one's own machine. */
  demo?: boolean | undefined;
}

/**
 * The development HS256 key from a string (e.g. `LEDGER_JWT_SECRET`, read by the services' config). The key is the
 * UTF-8 bytes of the text, the same rule as for the key file, so copying the file's content into the variable gives
 * the same key. Refused: a text shorter than 32 bytes, one that could not hold 256 bits (issue 9: 32 × `a` was
 * accepted), and a published example outside a demonstration.
 */
export const devSecretFromString = (text: string, options: DevSecretOptions = {}): Uint8Array => {
  const key = new TextEncoder().encode(text);
  if (PUBLIC_EXAMPLE_SECRETS.includes(text)) {
    if (options.demo === true) return key;
    throw new Error(
      'the development signing secret is a published example, so anyone could sign tokens with it; it is allowed only ' +
        'for `pnpm ledger start --demo`. Generate one: openssl rand -base64 32',
    );
  }
  if (key.length < MIN_SECRET_BYTES) {
    throw new Error(`the development signing secret must be at least ${MIN_SECRET_BYTES} bytes (HS256 needs 256 bits)`);
  }
  if (key.length > MAX_SECRET_BYTES) throw new Error(`the development signing secret must be at most ${MAX_SECRET_BYTES} bytes`);
  const bits = estimateSecretBits(text);
  if (bits < MIN_SECRET_BITS) {
    throw new Error(
      `the development signing secret is too easy to guess (about ${Math.floor(bits)} bits; HS256 needs ${MIN_SECRET_BITS}): ` +
        'use a generated one, e.g. openssl rand -base64 32',
    );
  }
  return key;
};

const readSecretFile = async (path: string, options: DevSecretOptions): Promise<Uint8Array> => {
  const info = await stat(path);
  if (!info.isFile()) throw new Error(`${path} is not a regular file`);
  // Windows has no POSIX modes to check; everywhere else a key others can read is a key others can sign with.
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
    throw new Error(
      `refusing to use ${path}: its mode is ${mode}, so other users can read the signing key; run \`chmod 600 ${path}\``,
    );
  }
  return devSecretFromString((await readFile(path, 'utf8')).trim(), options);
};

/**
 * The development signing key in the file at `path` (LEDGER_JWT_SECRET_FILE, e.g. on a volume several containers
 * share), created on first use: 32 random bytes written as base64url, mode 0600, in a folder created 0700. Two
 * processes starting together agree on one key: the file is written aside and linked into place, which fails rather
 * than overwrites when the other won.
 */
export const loadOrCreateDevSecretFile = async (path: string, options: DevSecretOptions = {}): Promise<Uint8Array> => {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
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
  return readSecretFile(path, options);
};

/** The development signing key in `<dataDir>/jwt-secret` (the default place), created on first use. */
export const loadOrCreateDevSecret = (dataDir: string, options: DevSecretOptions = {}): Promise<Uint8Array> =>
  loadOrCreateDevSecretFile(join(dataDir, DEV_SECRET_FILE), options);
