import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { devSecretFromString, loadOrCreateDevSecret } from './secret.ts';
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
    expect(devSecretFromString('x'.repeat(32))).toHaveLength(32);
    expect(() => devSecretFromString('too-short')).toThrow(/at least 32 bytes/);
  });
});
