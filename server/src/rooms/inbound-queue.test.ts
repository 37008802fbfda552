import { describe, expect, test } from 'vitest';
import { InboundBudget, SerialQueue } from './inbound-queue.ts';

const limits = {
  queueMessages: 3,
  queueBytes: 100,
  stateRequestsPerMinute: 6,
  awarenessClients: 4,
  awarenessStateBytes: 1024,
  awarenessBytesPerSecond: 1024,
};

describe('inbound budget of one connection', () => {
  test('state requests: the whole minute at once, then one per 60 s / limit', () => {
    let now = 0;
    const budget = new InboundBudget(limits, () => now);
    for (let i = 0; i < 6; i++) expect(budget.takeStateRequest()).toBe(true);
    expect(budget.takeStateRequest()).toBe(false);
    now += 9_999;
    expect(budget.takeStateRequest()).toBe(false);
    now += 1;
    expect(budget.takeStateRequest()).toBe(true);
    expect(budget.takeStateRequest()).toBe(false);
    // Never more than a minute's worth saved up.
    now += 10 * 60_000;
    for (let i = 0; i < 6; i++) expect(budget.takeStateRequest()).toBe(true);
    expect(budget.takeStateRequest()).toBe(false);
  });

  test('the queue admits up to the message and byte limits, and frees what was handled', () => {
    const budget = new InboundBudget(limits);
    expect(budget.admit(40)).toBe(true);
    expect(budget.admit(40)).toBe(true);
    expect(budget.admit(40)).toBe(false); // 120 bytes
    expect(budget.admit(10)).toBe(true);
    expect(budget.admit(1)).toBe(false); // 4 messages
    expect(budget.queued).toEqual({ messages: 3, bytes: 90 });
    budget.release(40);
    expect(budget.admit(50)).toBe(true);
  });

  test('counted tasks release their share when they end, also when they throw', async () => {
    const errors: unknown[] = [];
    const queue = new SerialQueue((err) => errors.push(err));
    const budget = new InboundBudget(limits);
    const order: number[] = [];
    expect(queue.pushCounted(budget, 10, async () => order.push(1))).toBe(true);
    expect(
      queue.pushCounted(budget, 10, async () => {
        throw new Error('boom');
      }),
    ).toBe(true);
    expect(queue.pushCounted(budget, 10, async () => order.push(3))).toBe(true);
    expect(queue.pushCounted(budget, 10, async () => order.push(4))).toBe(false);
    await queue.idle();
    expect(order).toEqual([1, 3]);
    expect(errors).toHaveLength(1);
    expect(budget.queued).toEqual({ messages: 0, bytes: 0 });
  });
});
