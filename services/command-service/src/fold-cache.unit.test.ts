import { describe, expect, it } from 'vitest';
import { createFoldCache } from './fold-cache.ts';

const folded = (count: number) => ({ state: { count }, count, lastEventId: `e${count}`, position: BigInt(count) });

describe('the fold cache', () => {
  it('keeps the latest state per key', () => {
    const cache = createFoldCache<{ count: number }>(100);
    cache.set('a', folded(3));
    cache.set('a', folded(5));
    expect(cache.get('a')?.count).toBe(5);
    expect(cache.get('b')).toBeUndefined();
  });

  it('drops the least recently used states once the events they stand for pass the bound', () => {
    const cache = createFoldCache<{ count: number }>(10);
    cache.set('a', folded(4));
    cache.set('b', folded(4));
    cache.get('a'); // a is now the more recent
    cache.set('c', folded(4)); // 12 > 10: b goes
    expect([cache.get('a')?.count, cache.get('b'), cache.get('c')?.count]).toEqual([4, undefined, 4]);
  });

  it('keeps a state larger than the bound on its own rather than none', () => {
    const cache = createFoldCache<{ count: number }>(10);
    cache.set('a', folded(4));
    cache.set('big', folded(50));
    expect([cache.get('a'), cache.get('big')?.count]).toEqual([undefined, 50]);
  });
});
