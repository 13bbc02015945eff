import { describe, expect, it } from 'vitest';
import { createSessionStore, sessionCookie, type SignedInUser } from './session.ts';

const clockAt = (start = 1_000_000) => {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
};
const user = (expiresAt: number): SignedInUser => ({ sub: 's', name: 'n', org: '08J', role: 'ccg', token: 't', expiresAt });

describe('server-side sessions', () => {
  it('finds a session by its id, and not by any other', () => {
    const store = createSessionStore({ max: 10, idleMs: 1000, absoluteMs: 10_000 });
    const s = store.create();
    expect(store.get(s.id)).toBe(s);
    expect(store.get('x'.repeat(43))).toBeUndefined();
    expect(store.get(undefined)).toBeUndefined();
    expect(s.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.csrf).not.toBe(s.id);
  });
  it('ends a session after idleness, after its absolute age, and when its token expires', () => {
    const c = clockAt();
    const store = createSessionStore({ max: 10, idleMs: 1000, absoluteMs: 5000, clock: c.now });
    const idle = store.create();
    const busy = store.create();
    const signed = store.create();
    signed.user = user(c.now() + 2500);
    for (let i = 0; i < 2; i++) {
      c.advance(900);
      expect(store.get(busy.id)).toBe(busy);
      expect(store.get(signed.id)).toBe(signed);
    }
    expect(store.get(idle.id)).toBeUndefined(); // 1,800 ms idle
    c.advance(900);
    expect(store.get(signed.id)).toBeUndefined(); // token expired at 2,500 ms
    for (let i = 0; i < 3; i++) {
      expect(store.get(busy.id)).toBe(busy);
      c.advance(900);
    }
    expect(store.get(busy.id)).toBeUndefined(); // older than 5,000 ms
  });
  it('is bounded: when full, the least recently used session goes', () => {
    const store = createSessionStore({ max: 3, idleMs: 60_000, absoluteMs: 60_000 });
    const [a, b, c] = [store.create(), store.create(), store.create()];
    store.get(a.id); // a is now the most recently used
    const d = store.create();
    expect(store.size()).toBe(3);
    expect(store.get(b.id)).toBeUndefined();
    for (const s of [a, c, d]) expect(store.get(s.id)).toBe(s);
  });
  it('rotates the id and the CSRF token at sign-in (no fixation), keeping nothing under the old id', () => {
    const store = createSessionStore({ max: 3, idleMs: 60_000, absoluteMs: 60_000 });
    const before = store.create();
    const after = store.rotate(before);
    expect(after.id).not.toBe(before.id);
    expect(after.csrf).not.toBe(before.csrf);
    expect(store.get(before.id)).toBeUndefined();
    expect(store.get(after.id)).toBe(after);
    store.destroy(after.id);
    expect(store.get(after.id)).toBeUndefined();
  });
});

describe('the session cookie', () => {
  it('is HttpOnly and SameSite=Lax, and Secure with the __Host- prefix outside localhost', () => {
    expect(sessionCookie(false).serialise('abc')).toBe('ledger-session=abc; Path=/; HttpOnly; SameSite=Lax');
    expect(sessionCookie(true).serialise('abc')).toBe('__Host-ledger-session=abc; Path=/; HttpOnly; SameSite=Lax; Secure');
    expect(sessionCookie(true).clear()).toContain('Max-Age=0');
  });
  it('reads only a well-formed id of its own name', () => {
    const id = 'a'.repeat(43);
    const c = sessionCookie(false);
    expect(c.read(`other=1; ledger-session=${id}`)).toBe(id);
    expect(c.read('ledger-session=short')).toBeUndefined();
    expect(c.read(`__Host-ledger-session=${id}`)).toBeUndefined();
    expect(c.read(undefined)).toBeUndefined();
  });
});
