import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { callerKey, callerOf, clientAddress, createTokenBuckets } from './rate-limit.ts';

const clock = () => {
  let t = 0;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
};

describe('token buckets', () => {
  it('allow a burst, then refuse with the whole seconds until the next token, then refill at the rate', () => {
    const c = clock();
    const b = createTokenBuckets({ burst: 3, perSecond: 0.5, now: c.now });
    expect([b.take('a'), b.take('a'), b.take('a')]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(b.take('a')).toEqual({ ok: false, retryAfterSeconds: 2 });
    c.advance(1_000);
    expect(b.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    c.advance(1_000);
    expect(b.take('a')).toEqual({ ok: true });
    expect(b.take('a')).toEqual({ ok: false, retryAfterSeconds: 2 });
  });

  it('keep each caller apart', () => {
    const c = clock();
    const b = createTokenBuckets({ burst: 1, perSecond: 1, now: c.now });
    expect(b.take('a').ok).toBe(true);
    expect(b.take('a').ok).toBe(false);
    expect(b.take('b').ok).toBe(true);
  });

  it('never refuse for less than a second, nor hold more than the burst after a long pause', () => {
    const c = clock();
    const b = createTokenBuckets({ burst: 2, perSecond: 1000, now: c.now });
    b.take('a');
    b.take('a');
    expect(b.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    c.advance(3_600_000);
    expect([b.take('a').ok, b.take('a').ok, b.take('a').ok]).toEqual([true, true, false]);
  });

  it('forget callers whose bucket has filled again, so idle callers cost no memory', () => {
    const c = clock();
    const b = createTokenBuckets({ burst: 10, perSecond: 5, now: c.now });
    for (let i = 0; i < 10_000; i++) b.take(`caller-${i}`);
    expect(b.size()).toBe(10_000);
    c.advance(2_000); // 10 tokens at 5/s: full again after 2 s
    b.take('someone');
    expect(b.size()).toBe(1);
  });

  it('hold at most maxCallers buckets, however many callers come at once', () => {
    const c = clock();
    const b = createTokenBuckets({ burst: 10, perSecond: 1, maxCallers: 100, now: c.now });
    for (let i = 0; i < 5_000; i++) b.take(`caller-${i}`);
    expect(b.size()).toBe(100);
    // the most recent callers are the ones remembered
    for (let i = 0; i < 9; i++) b.take('caller-4999');
    expect(b.take('caller-4999').ok).toBe(false);
  });

  it('refuse settings that would refuse everyone or nobody by accident', () => {
    expect(() => createTokenBuckets({ burst: 0 })).toThrow(RangeError);
    expect(() => createTokenBuckets({ perSecond: -1 })).toThrow(RangeError);
    expect(() => createTokenBuckets({ perSecond: Number.NaN })).toThrow(RangeError);
  });
});

describe('peek', () => {
  it('says whether a take would succeed, without taking', () => {
    const c = clock();
    const b = createTokenBuckets({ burst: 1, perSecond: 1, now: c.now });
    expect(b.peek('a')).toEqual({ ok: true });
    expect(b.peek('a')).toEqual({ ok: true });
    expect(b.take('a').ok).toBe(true);
    expect(b.peek('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    c.advance(1_000);
    expect(b.peek('a')).toEqual({ ok: true });
  });
});

/** Enough of a request for callerOf: who authenticate said it was, and the socket's address. */
const request = (remoteAddress: string, caller?: { issuer: string; org: string; sub: string }): Request =>
  ({
    socket: { remoteAddress },
    ...(caller && { actor: { sub: caller.sub, org: caller.org, name: 'n', roles: ['csu'] }, issuer: caller.issuer }),
  }) as unknown as Request;

describe('callerOf: whose bucket a request takes from', () => {
  const pat = { issuer: 'https://login.example/', org: '0AX', sub: 'pat' };

  it('tells apart one subject of two organisations, and one subject of two issuers', () => {
    const keys = [
      pat,
      { ...pat, org: '08J' },
      { ...pat, issuer: 'https://other.example/' },
    ].map((c) => callerOf(request('10.0.0.1', c)));
    expect(new Set(keys).size).toBe(3);
    expect(callerOf(request('10.0.0.2', pat))).toBe(keys[0]);
  });

  it('cannot be fooled by separators inside the parts', () => {
    expect(callerKey({ issuer: 'a', org: 'b\u0000c', sub: 'd' })).not.toBe(callerKey({ issuer: 'a\u0000b', org: 'c', sub: 'd' }));
    expect(callerKey({ issuer: 'a', org: 'b","c', sub: 'd' })).not.toBe(callerKey({ issuer: 'a","b', org: 'c', sub: 'd' }));
  });

  it('counts a request nobody has identified by its client address', () => {
    expect(callerOf(request('10.0.0.1'))).toBe('ip:10.0.0.1');
    expect(callerOf(request('10.0.0.1', pat))).not.toBe('ip:10.0.0.1');
  });
});

describe('clientAddress', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:0db8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s counts as %s', (remote, key) => {
    expect(clientAddress(request(remote))).toBe(key);
  });
});
