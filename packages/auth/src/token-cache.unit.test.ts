import { describe, expect, it } from 'vitest';
import { AuthError, createTokenVerifier, signDevToken } from './index.ts';

// The verifier remembers good tokens for speed; that must never outlive a token's expiry or precede its nbf.
describe('remembered tokens', () => {
  const secret = new TextEncoder().encode('a-development-secret-of-32-bytes!!');
  it('refuses a remembered token once it has expired', async () => {
    let now = Date.now();
    const verify = createTokenVerifier({ mode: 'dev', secret }, () => now);
    const token = await signDevToken(secret, { sub: 'u', org: '0AX', roles: ['csu'], expiresIn: '60s' });
    expect((await verify(token)).sub).toBe('u');
    now += 30_000;
    expect((await verify(token)).sub).toBe('u');
    now += 120_000; // past exp and the 30 s tolerance
    await expect(verify(token)).rejects.toBeInstanceOf(AuthError);
  });
  it('never remembers a token that failed', async () => {
    const verify = createTokenVerifier({ mode: 'dev', secret });
    const bad = (await signDevToken(secret, { sub: 'u', org: '0AX', roles: ['csu'] })).slice(0, -2) + 'xx';
    await expect(verify(bad)).rejects.toBeInstanceOf(AuthError);
    await expect(verify(bad)).rejects.toBeInstanceOf(AuthError);
  });
});
