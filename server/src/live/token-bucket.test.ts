import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './token-bucket.ts';

describe('TokenBuckets', () => {
  it('allows a burst, then the sustained rate, per key', () => {
    let now = 0;
    const b = new TokenBuckets(2, 5, () => now);
    for (let i = 0; i < 5; i++) expect(b.take('a')).toBe(true);
    expect(b.take('a')).toBe(false);
    expect(b.retryAfterSeconds('a')).toBe(1);
    expect(b.take('b')).toBe(true);
    now += 500;
    expect(b.take('a')).toBe(true);
    expect(b.take('a')).toBe(false);
    now += 10_000;
    for (let i = 0; i < 5; i++) expect(b.take('a')).toBe(true);
    expect(b.take('a')).toBe(false);
  });

  it('drops refilled buckets when it holds too many keys', () => {
    let now = 0;
    const b = new TokenBuckets(1, 2, () => now, 3);
    b.take('a');
    b.take('b');
    b.take('c');
    now += 5_000;
    b.take('d');
    expect(b.size).toBe(1);
  });
});
