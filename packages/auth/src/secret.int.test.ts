import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { devSecret } from './config.ts';
import { devSecretFromString, estimateSecretBits, loadOrCreateDevSecret, PUBLIC_EXAMPLE_SECRETS } from './secret.ts';
import { createTokenVerifier, signDevToken } from './tokens.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'csu-ledger-auth-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadOrCreateDevSecret', () => {
  it('creates the data folder and a 0600 key file of 32 random bytes in base64url', async () => {
    const dataDir = join(root, 'nested', 'data');
    const key = await loadOrCreateDevSecret(dataDir);
    const file = join(dataDir, 'jwt-secret');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = (await readFile(file, 'utf8')).trim();
    expect(text).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(text, 'base64url')).toHaveLength(32);
    expect(key).toEqual(devSecretFromString(text));
  });

  it('reuses the key on a second call', async () => {
    const first = await loadOrCreateDevSecret(root);
    const second = await loadOrCreateDevSecret(root);
    expect(second).toEqual(first);
    const token = await signDevToken(first, { sub: 'u', org: '0AX', roles: ['csu'] });
    expect(await createTokenVerifier({ mode: 'dev', secret: second })(token)).toMatchObject({ sub: 'u' });
  });

  it('agrees on one key when several start at once', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateDevSecret(root)));
    for (const key of keys) expect(key).toEqual(keys[0]);
  });

  it('refuses a key file others can read', async () => {
    await loadOrCreateDevSecret(root);
    await chmod(join(root, 'jwt-secret'), 0o644);
    await expect(loadOrCreateDevSecret(root)).rejects.toThrow(/mode is 0644.*chmod 600/);
  });
});

describe('devSecretFromString', () => {
  it('takes the UTF-8 bytes of a long enough secret and refuses a short one', () => {
    const text = randomBytes(32).toString('base64url');
    expect(devSecretFromString(text)).toEqual(new TextEncoder().encode(text));
    expect(() => devSecretFromString('too-short')).toThrow(/at least 32 bytes/);
  });

  // Issue 9: 32 × `a` was accepted, and so was the value infra/compose/example.env published.
  it.each([
    ['32 × a', 'a'.repeat(32)],
    ['64 × a', 'a'.repeat(64)],
    ['a block repeated', 'Ab1!'.repeat(16)],
    ['a block repeated, base64-looking', 'q7Xz'.repeat(16)],
    ['the alphabet in order', 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ'],
    ['digits and letters in order, as hex', '0123456789abcdef'.repeat(4)],
    ['words with a dash', 'middleware-test-secret-of-32-bytes-or-more'],
    ['two letters alternating, then one more', `${'ab'.repeat(30)}Z`],
    ['32 zero bytes as base64url', Buffer.alloc(32).toString('base64url')],
    ['a sentence', 'the development signing secret of our ledger'],
  ])('refuses a secret too easy to guess: %s', (_name, text) => {
    expect(estimateSecretBits(text)).toBeLessThan(256);
    expect(() => devSecretFromString(text)).toThrow(/too easy to guess/);
  });

  it('accepts random keys of 32 bytes as the tools print them, every time (2,000 of each)', () => {
    const encodings: [string, (b: Buffer) => string][] = [
      ['base64url', (b) => b.toString('base64url')],
      ['base64 (openssl rand -base64 32)', (b) => b.toString('base64')],
      ['hex (openssl rand -hex 32)', (b) => b.toString('hex')],
      ['HEX', (b) => b.toString('hex').toUpperCase()],
    ];
    for (const [name, encode] of encodings) {
      const refused = Array.from({ length: 2_000 }, () => encode(randomBytes(32))).filter((t) => estimateSecretBits(t) < 256);
      expect(refused, name).toEqual([]);
    }
    expect(() => devSecretFromString(randomBytes(48).toString('base64'))).not.toThrow();
  });

  it('refuses the published example unless for a demonstration (pnpm ledger start --demo)', () => {
    const [example] = PUBLIC_EXAMPLE_SECRETS;
    expect(example).toBe('example-only-not-a-secret-0123456789abcdef');
    expect(() => devSecretFromString(example!)).toThrow(/published example.*--demo/);
    expect(devSecretFromString(example!, { demo: true })).toEqual(new TextEncoder().encode(example));
    // a demonstration is no licence for a weak secret of one's own
    expect(() => devSecretFromString('a'.repeat(32), { demo: true })).toThrow(/too easy to guess/);
  });

  it('refuses a key file holding a weak secret, like the variable', async () => {
    await writeFile(join(root, 'jwt-secret'), `${'a'.repeat(43)}\n`, { mode: 0o600 });
    await expect(loadOrCreateDevSecret(root)).rejects.toThrow(/too easy to guess/);
  });
});

describe('devSecret (the services’ and the CLI’s settings)', () => {
  it('reads and creates the key at LEDGER_JWT_SECRET_FILE, in a folder of its own', async () => {
    const file = join(root, 'keys', 'jwt-secret');
    const key = await devSecret({ dataDir: join(root, 'data'), jwtSecretFile: file });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(root, 'keys'))).mode & 0o777).toBe(0o700);
    expect(await devSecret({ dataDir: join(root, 'elsewhere'), jwtSecretFile: file })).toEqual(key);
  });

  it('passes the demonstration on: the example only with demo', async () => {
    const [example] = PUBLIC_EXAMPLE_SECRETS;
    await expect(devSecret({ dataDir: root, jwtSecret: example })).rejects.toThrow(/published example/);
    expect(await devSecret({ dataDir: root, jwtSecret: example, demo: true })).toHaveLength(example!.length);
  });
});
