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

  it('a clock stepped back neither refills nor empties a bucket', () => {
    let now = 10_000_000;
    const b = new TokenBuckets(2, 5, () => now);
    for (let i = 0; i < 4; i++) expect(b.take('a')).toBe(true);
    now -= 3_600_000; // set back an hour
    expect(b.take('a')).toBe(true);
    expect(b.take('a')).toBe(false);
    now += 500;
    expect(b.take('a')).toBe(true);
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

describe('TokenBuckets charged per unit of work', () => {
  it('charges a batch its size, and lets one larger than the burst through only from a full bucket, into debt', () => {
    let now = 0;
    const b = new TokenBuckets(2, 10, () => now);
    expect(b.take('a', 8)).toBe(true);
    expect(b.take('a', 3)).toBe(false);
    expect(b.retryAfterSeconds('a', 3)).toBe(1);
    expect(b.take('a', 2)).toBe(true);
    // Larger than the burst: refused until the bucket is full again …
    expect(b.take('a', 25)).toBe(false);
    expect(b.retryAfterSeconds('a', 25)).toBe(5);
    now += 5_000;
    expect(b.take('a', 25)).toBe(true);
    // … and then the debt (15 tokens) is paid at the sustained rate before anything else passes.
    expect(b.take('a', 1)).toBe(false);
    expect(b.retryAfterSeconds('a', 1)).toBe(8);
    now += 7_000;
    expect(b.take('a', 1)).toBe(false);
    now += 1_000;
    expect(b.take('a', 1)).toBe(true);
  });

  it('never drops a bucket that is still in debt', () => {
    let now = 0;
    const b = new TokenBuckets(1, 2, () => now, 2);
    expect(b.take('a', 10)).toBe(true);
    b.take('b');
    now += 3_000;
    b.take('c');
    expect(b.take('a')).toBe(false);
  });
});
