import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { renewAtFor, TokenRenewer, type HeldToken, type TokenReply } from './token-renewal.ts';

describe('renewAtFor', () => {
  test('half the life on the server’s clock, counted on the page’s clock', () => {
    // The page's clock is two hours behind the server's: it still renews after 10 s of a 20 s token.
    const serverNow = 1_800_000_000_000;
    const pageNow = serverNow - 2 * 3600_000;
    expect(renewAtFor({ token: 't', issuedAt: serverNow, expiresAt: serverNow + 20_000 }, pageNow)).toBe(
      pageNow + 10_000,
    );
  });
});

describe('TokenRenewer', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  /** A page holding a 20 s token, with a server answering renewals as `answer` says. */
  function page(answer: (token: string) => { status: number; body: unknown } | 'offline') {
    let n = 0;
    let held: HeldToken | null = { token: 't0', renewAt: Date.now() + 10_000 };
    const refused: string[] = [];
    const calls: string[] = [];
    const fetch = vi.fn(async (_url: string, init: RequestInit) => {
      const token = (init.headers as { authorization: string }).authorization.slice(7);
      calls.push(token);
      const a = answer(token);
      if (a === 'offline') throw new TypeError('Failed to fetch');
      return new Response(JSON.stringify(a.body), { status: a.status });
    });
    const renewer = new TokenRenewer({
      current: () => held,
      renewed: (reply: TokenReply) => (held = { token: reply.token, renewAt: renewAtFor(reply, Date.now()) }),
      refused: (code) => {
        refused.push(code);
        held = null;
      },
      fetch: fetch as unknown as typeof globalThis.fetch,
    });
    const fresh = () => {
      const now = Date.now();
      return { status: 200, body: { token: `t${++n}`, issuedAt: now, expiresAt: now + 20_000 } };
    };
    renewer.start();
    return { renewer, calls, refused, fresh, held: () => held };
  }

  test('renews at half-life, again and again, with the newest token', async () => {
    const p = page(() => p.fresh());
    await vi.advanceTimersByTimeAsync(9_900);
    expect(p.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(p.calls).toEqual(['t0']);
    expect(p.held()?.token).toBe('t1');
    await vi.advanceTimersByTimeAsync(10_000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(p.calls).toEqual(['t0', 't1', 't2']);
    p.renewer.stop();
  });

  test('retries while the server is unreachable, and renews once it is back', async () => {
    let offline = true;
    const p = page(() => (offline ? 'offline' : p.fresh()));
    await vi.advanceTimersByTimeAsync(10_000 + 2_000 + 4_000);
    expect(p.calls).toEqual(['t0', 't0', 't0']);
    offline = false;
    await vi.advanceTimersByTimeAsync(8_000);
    expect(p.calls).toEqual(['t0', 't0', 't0', 't0']);
    expect(p.held()?.token).toBe('t1');
    p.renewer.stop();
  });

  test('a refusal ends the session with the server’s code', async () => {
    const p = page(() => ({ status: 401, body: { error: { code: 'SESSION_ENDED', message: 'signed out' } } }));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(p.refused).toEqual(['SESSION_ENDED']);
    expect(p.held()).toBeNull();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(p.calls).toHaveLength(1);
  });
});
