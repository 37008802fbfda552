import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { backoffDelay, keepTrying, transientFailure } from './backoff.ts';

describe('backoffDelay', () => {
  test('2 s doubling after each failure, then once a minute', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n))).toEqual([
      2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000,
    ]);
  });

  test('a count that grew for days of retrying stays at the longest wait', () => {
    expect(backoffDelay(10_000)).toBe(60_000);
    expect(backoffDelay(Number.MAX_SAFE_INTEGER)).toBe(60_000);
  });

  test('another schedule keeps its own first and longest wait', () => {
    const live = { baseMs: 1000, maxMs: 30_000 };
    expect([0, 1, 4, 5, 99].map((n) => backoffDelay(n, live))).toEqual([1000, 2000, 16_000, 30_000, 30_000]);
  });

  test('a negative or fractional count waits as after the first failure', () => {
    expect(backoffDelay(-3)).toBe(2000);
    expect(backoffDelay(0.7)).toBe(2000);
  });
});

describe('transientFailure', () => {
  const answer = (status: number) => Object.assign(new Error(`HTTP ${status}`), { status });

  test('no answer (offline, server unreachable) is worth trying again', () => {
    expect(transientFailure(new TypeError('Failed to fetch'))).toBe(true);
  });

  test('a server error, timeout or rate limit is worth trying again', () => {
    for (const status of [500, 502, 503, 504, 408, 429])
      expect(transientFailure(answer(status)), String(status)).toBe(true);
  });

  test('a refusal is final', () => {
    for (const status of [400, 401, 403, 404, 409, 422])
      expect(transientFailure(answer(status)), String(status)).toBe(false);
  });

  test('anything else (a bug, a broken answer) is not retried blindly', () => {
    expect(transientFailure(new SyntaxError('Unexpected token <'))).toBe(false);
    expect(transientFailure(new Error('boom'))).toBe(false);
    expect(transientFailure(null)).toBe(false);
    expect(transientFailure(undefined)).toBe(false);
  });
});

describe('keepTrying', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const unavailable = () => Object.assign(new Error('storage unavailable'), { status: 503 });
  const offline = () => new TypeError('Failed to fetch');

  /** A task answering from `answers` in turn (an Error rejects), recording when it was called. */
  function run(answers: Array<string | Error>) {
    const calls: number[] = [];
    const log: string[] = [];
    const start = Date.now();
    const stop = keepTrying(
      async () => {
        calls.push(Date.now() - start);
        const a = answers.shift();
        if (a instanceof Error) throw a;
        return a ?? 'ok';
      },
      {
        done: (v) => log.push(`done ${v}`),
        failed: (e) => log.push(`failed ${(e as Error).message}`),
        retrying: (_e, attempt, delayMs) => log.push(`retry ${attempt} in ${delayMs}`),
      },
    );
    return { calls, log, stop };
  }

  test('a server that is down, then unreachable, is tried again with growing waits until it answers', async () => {
    const { calls, log } = run([unavailable(), unavailable(), offline(), 'config']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toEqual([0, 2000, 6000, 14_000]);
    expect(log).toEqual(['retry 1 in 2000', 'retry 2 in 4000', 'retry 3 in 8000', 'done config']);
  });

  test('after a day of outage it still tries about once a minute', async () => {
    const { calls } = run(Array.from({ length: 2000 }, unavailable));
    await vi.advanceTimersByTimeAsync(24 * 3600_000);
    const gaps = calls.slice(1).map((t, i) => t - calls[i]!);
    expect(Math.max(...gaps)).toBe(60_000);
    expect(calls.length).toBeGreaterThan(1400);
  });

  test('a refusal is final: reported once, never tried again', async () => {
    const { calls, log } = run([unavailable(), Object.assign(new Error('no such operation'), { status: 404 })]);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(calls).toEqual([0, 2000]);
    expect(log).toEqual(['retry 1 in 2000', 'failed no such operation']);
  });

  test('once stopped (component destroyed) no attempt starts and no handler is called', async () => {
    const { calls, log, stop } = run([unavailable(), 'late']);
    await vi.advanceTimersByTimeAsync(1000);
    stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(calls).toEqual([0]);
    expect(log).toEqual(['retry 1 in 2000']);
  });

  test('an answer arriving after stop is dropped', async () => {
    const log: string[] = [];
    let answer!: (v: string) => void;
    const stop = keepTrying(() => new Promise<string>((resolve) => (answer = resolve)), {
      done: (v) => log.push(v),
      failed: () => log.push('failed'),
    });
    stop();
    answer('late');
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual([]);
  });

  test('a task that throws at once, or a result that cannot be used, fails like a rejection', async () => {
    const log: string[] = [];
    keepTrying(
      () => {
        throw new Error('bug');
      },
      { done: () => log.push('done'), failed: (e) => log.push(`failed ${(e as Error).message}`) },
    );
    keepTrying(async () => 'broken', {
      done: () => {
        throw new Error('cannot open');
      },
      failed: (e) => log.push(`failed ${(e as Error).message}`),
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual(['failed bug', 'failed cannot open']);
  });
});
