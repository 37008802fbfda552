import { afterEach, describe, expect, it, vi } from 'vitest';
import { RedisPublisher, type PublishConnection } from './redis-publisher.ts';

/** A connection whose queue others keep full: every publish is refused until `free` is set. */
function fullConnection() {
  const calls: string[] = [];
  const replies: Array<() => void> = [];
  const conn = {
    isReady: true,
    free: false,
    /** Hold replies (a slow Redis) instead of answering at once. */
    hold: false,
    publish(_channel: string, message: string | Buffer) {
      calls.push(String(message));
      if (!conn.free) return Promise.reject(new Error('The queue is full'));
      if (!conn.hold) return Promise.resolve(1);
      return new Promise((resolve) => replies.push(() => resolve(1)));
    },
  };
  return { conn: conn as PublishConnection & typeof conn, calls, replies };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('RedisPublisher', () => {
  it('after a refusal sends one message at a time until one is taken, in publish order', async () => {
    vi.useFakeTimers();
    const { conn, calls } = fullConnection();
    const publisher = new RedisPublisher(conn, { onOverflowed: () => undefined, window: 50 });
    for (let i = 0; i < 40; i++) publisher.publish('c', `m${i}`);
    await vi.advanceTimersByTimeAsync(0);
    const first = calls.length; // the window's worth, each refused
    await vi.advanceTimersByTimeAsync(100); // twenty retries of 5 ms
    expect(calls.length - first).toBeLessThanOrEqual(21);
    conn.free = true;
    await vi.advanceTimersByTimeAsync(100);
    const delivered = calls.slice(-40);
    expect(delivered).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`));
    expect(publisher.waiting).toBe(0);
    publisher.close();
  });

  it('holds at most maxHeldBytes: past it new messages are dropped and the others told once all is sent', async () => {
    const { conn, calls, replies } = fullConnection();
    conn.free = true;
    conn.hold = true;
    const onOverflowed = vi.fn();
    const publisher = new RedisPublisher(conn, { onOverflowed, window: 1, maxHeldBytes: 250 });
    const big = (n: number) => `${n}`.padEnd(100, '.');
    for (let i = 0; i < 6; i++) publisher.publish('c', big(i));
    // One in flight; 100 + 100 + 100 bytes held reach the bound: the rest are dropped.
    expect(publisher.waiting).toBe(3);
    while (replies.length) {
      replies.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    expect(calls.map((m) => m.slice(0, 1))).toEqual(['0', '1', '2', '3']);
    expect(onOverflowed).toHaveBeenCalledTimes(1);
    publisher.close();
  });
});
