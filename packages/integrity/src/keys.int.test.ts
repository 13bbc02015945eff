import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNextKey, keyIdOf, loadOrCreateSigningKey, loadPublicKey, loadSigningKeyById, nextKeyPath, publicKeyFromBase64, publicKeyToBase64 } from './keys.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'csu-ledger-integrity-keys-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadOrCreateSigningKey', () => {
  it('creates an Ed25519 key in the data folder with mode 0600, and its public key beside it', async () => {
    const dataDir = join(root, 'data');
    const key = await loadOrCreateSigningKey({ dataDir });
    expect(key.privateKey.asymmetricKeyType).toBe('ed25519');
    expect((await stat(join(dataDir, 'integrity-key.pem'))).mode & 0o777).toBe(0o600);
    const pub = await readFile(join(dataDir, 'integrity-key.pub.pem'), 'utf8');
    expect(pub).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(key.keyId).toBe(keyIdOf(key.publicKey));
    expect(key.keyId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reuses the key, and several processes starting at once agree on one', async () => {
    const keys = await Promise.all(Array.from({ length: 6 }, () => loadOrCreateSigningKey({ dataDir: root })));
    const again = await loadOrCreateSigningKey({ dataDir: root });
    for (const k of [...keys, again]) expect(k.keyId).toBe(keys[0]!.keyId);
  });

  it('refuses a key file others can read', async () => {
    await loadOrCreateSigningKey({ dataDir: root });
    await chmod(join(root, 'integrity-key.pem'), 0o640);
    await expect(loadOrCreateSigningKey({ dataDir: root })).rejects.toThrow(/mode is 0640.*chmod 600/);
  });

  it('uses the key a path names (LEDGER_INTEGRITY_KEY), which must exist and be an Ed25519 key', async () => {
    const path = join(root, 'elsewhere.pem');
    const { privateKey } = generateKeyPairSync('ed25519');
    await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const key = await loadOrCreateSigningKey({ dataDir: join(root, 'data'), keyPath: path });
    expect(key.keyId).toBe(keyIdOf(createPublicKey(privateKey)));
    // Its public half is written to the data folder for verifiers.
    expect((await loadPublicKey({ dataDir: join(root, 'data') }))!.equals(key.publicKey)).toBe(true);
    await expect(loadOrCreateSigningKey({ dataDir: root, keyPath: join(root, 'absent.pem') })).rejects.toThrow(/ENOENT/);
    const rsa = join(root, 'rsa.pem');
    await writeFile(rsa, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await expect(loadOrCreateSigningKey({ dataDir: root, keyPath: rsa })).rejects.toThrow(/not an Ed25519 key/);
  });
});

describe('loadPublicKey', () => {
  it('prefers an explicit public key, then the data folder public key, then the public half of the private key', async () => {
    expect(await loadPublicKey({ dataDir: root })).toBeUndefined();
    const key = await loadOrCreateSigningKey({ dataDir: root });
    expect((await loadPublicKey({ dataDir: root }))!.equals(key.publicKey)).toBe(true);
    await rm(join(root, 'integrity-key.pub.pem'));
    expect((await loadPublicKey({ dataDir: root }))!.equals(key.publicKey)).toBe(true);
    const other = generateKeyPairSync('ed25519').publicKey;
    const path = join(root, 'auditor.pub.pem');
    await writeFile(path, other.export({ type: 'spki', format: 'pem' }));
    expect((await loadPublicKey({ dataDir: root, publicKeyPath: path }))!.equals(other)).toBe(true);
    await expect(loadPublicKey({ dataDir: root, publicKeyPath: join(root, 'absent.pem') })).rejects.toThrow(/ENOENT/);
  });
});

// Issue 14: keys rotate. The public key file stays the first key (verification starts there); the next key waits
// beside the key file until the change is recorded, and a signer that finds the log ahead of the file takes it.
describe('rotation files', () => {
  it('keeps the first public key for verifiers when the signing key changes', async () => {
    const first = await loadOrCreateSigningKey({ dataDir: root });
    const next = await createNextKey({ dataDir: root });
    await expect(createNextKey({ dataDir: root })).rejects.toThrow(/EEXIST/); // one rotation at a time
    expect((await stat(nextKeyPath({ dataDir: root }))).mode & 0o777).toBe(0o600);
    // The change is recorded; the signer asks for the key in force, finishing the swap of the files.
    expect((await loadSigningKeyById({ dataDir: root }, next.keyId))!.keyId).toBe(next.keyId);
    await expect(stat(nextKeyPath({ dataDir: root }))).rejects.toThrow(/ENOENT/);
    expect((await loadOrCreateSigningKey({ dataDir: root })).keyId).toBe(next.keyId);
    expect((await loadPublicKey({ dataDir: root }))!.equals(first.publicKey)).toBe(true);
    expect(await loadSigningKeyById({ dataDir: root }, first.keyId)).toBeUndefined(); // retired: gone
  });

  it('writes and reads public keys as base64 SPKI, refusing anything but Ed25519', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    expect(keyIdOf(publicKeyFromBase64(publicKeyToBase64(publicKey))!)).toBe(keyIdOf(publicKey));
    expect(publicKeyFromBase64(publicKeyToBase64(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey))).toBeUndefined();
    expect(publicKeyFromBase64('bm90IGEga2V5')).toBeUndefined();
  });
});
