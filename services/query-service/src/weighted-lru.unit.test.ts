import { describe, expect, it } from 'vitest';
import { weightedLru } from './weighted-lru.ts';

describe('weightedLru', () => {
  it('drops the least recently used until the rest fits its budget', () => {
    const lru = weightedLru<string>(10);
    lru.set('a', 'A', 4);
    lru.set('b', 'B', 4);
    expect(lru.get('a')).toBe('A'); // a is now the most recently used
    lru.set('c', 'C', 4); // 12 > 10: b goes
    expect(lru.peek('b')).toBeUndefined();
    expect([lru.peek('a'), lru.peek('c')]).toEqual(['A', 'C']);
    expect(lru.weight).toBe(8);
    expect(lru.size).toBe(2);
  });

  it('replaces a key with its new weight, and keeps nothing heavier than the budget', () => {
    const lru = weightedLru<string>(10);
    lru.set('a', 'A', 4);
    lru.set('a', 'A2', 6);
    expect(lru.weight).toBe(6);
    lru.set('huge', 'H', 11);
    expect(lru.peek('huge')).toBeUndefined();
    expect(lru.peek('a')).toBe('A2');
    lru.set('a', 'A3', 11); // too heavy now: the old value goes too, never left stale
    expect(lru.peek('a')).toBeUndefined();
    expect(lru.weight).toBe(0);
  });

  it('peeking does not change what goes first', () => {
    const lru = weightedLru<string>(8);
    lru.set('a', 'A', 4);
    lru.set('b', 'B', 4);
    lru.peek('a');
    lru.set('c', 'C', 4);
    expect(lru.peek('a')).toBeUndefined();
    lru.delete('b');
    lru.clear();
    expect([lru.size, lru.weight]).toEqual([0, 0]);
  });
});
