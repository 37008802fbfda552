import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import type { Account } from '../storage/types.ts';
import { callAt, MAX_TIMER_MS } from './call-at.ts';
import { SessionService } from './sessions.ts';
import { TokenService } from './tokens.ts';

const DAY = 86_400_000;

const wall: Account = {
  id: 'u-wall',
  username: 'wall',
  name: '指挥中心大屏',
  role: 'viewer',
  stationId: null,
  passwordHash: 'x',
  disabled: false,
  createdAt: 0,
};
const deqing: Account = { ...wall, id: 'u-deqing', username: 'deqing', name: '禹越值班民警', role: 'dispatcher' };

let dir: string;
let storage: SqliteStorage;
let sessions: SessionService;

beforeEach(async () => {
  vi.useFakeTimers({ now: new Date('2026-03-01T08:00:00Z') });
  dir = mkdtempSync(join(tmpdir(), 'jointmap-sessions-'));
  // The checkpointer's commit watch is a main-thread interval: once a day under these fake timers.
  storage = new SqliteStorage(dir, { checkpoint: { syncMs: DAY } });
  await storage.upsertAccount(wall);
  await storage.upsertAccount(deqing);
  sessions = new SessionService(storage, new TokenService('secret', 3600), { pollMs: DAY }); // tests read the feed by hand
  await sessions.start();
});

afterEach(async () => {
  await sessions.stop();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
  vi.useRealTimers();
});

describe('30-day wall tokens', () => {
  test('callAt waits past setTimeout’s ~24.8-day limit, to the token’s real expiry', async () => {
    const { claims } = await sessions.open(wall, 30 * 86400);
    const end = vi.fn();
    callAt(claims.exp * 1000, end);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 60_000); // 24.8 days and a minute
    expect(end).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(30 * DAY - (MAX_TIMER_MS + 60_000) - 1000);
    expect(end).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2000);
    expect(end).toHaveBeenCalledOnce();
  });

  test('a watched connection is not ended at 24.8 days, and is at 30 days (TOKEN_EXPIRED)', async () => {
    const { claims } = await sessions.open(wall, 30 * 86400);
    const close = vi.fn();
    sessions.watch(claims, close);
    await vi.advanceTimersByTimeAsync(25 * DAY);
    expect(close).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(5 * DAY + 1000);
    expect(close).toHaveBeenCalledExactlyOnceWith('TOKEN_EXPIRED', expect.any(String));
    expect(sessions.liveCount).toBe(0);
  });

  test('a renewed session keeps its connections past the first token’s expiry', async () => {
    const first = await sessions.open(wall, 30 * 86400);
    const close = vi.fn();
    sessions.watch(first.claims, close);
    await vi.advanceTimersByTimeAsync(15 * DAY);
    const renewed = await sessions.renew(first.claims, wall, 30 * 86400);
    expect(renewed.claims.sid).toBe(first.claims.sid);
    expect(renewed.claims.exp).toBeGreaterThan(first.claims.exp);
    await vi.advanceTimersByTimeAsync(20 * DAY);
    expect(close).not.toHaveBeenCalled();
    await expect(sessions.authenticate(renewed.token)).resolves.toMatchObject({ sid: first.claims.sid });
    await vi.advanceTimersByTimeAsync(10 * DAY + 1000);
    expect(close).toHaveBeenCalledExactlyOnceWith('TOKEN_EXPIRED', expect.any(String));
  });
});

describe('ending sessions', () => {
  test('sign-out refuses the token at once and closes its connections with SESSION_ENDED', async () => {
    const mine = await sessions.open(deqing, 3600);
    const other = await sessions.open(wall, 3600);
    const closeMine = vi.fn();
    const closeOther = vi.fn();
    sessions.watch(mine.claims, closeMine);
    sessions.watch(other.claims, closeOther);
    await sessions.end(mine.claims.sid, 'logout');
    expect(closeMine).toHaveBeenCalledExactlyOnceWith('SESSION_ENDED', expect.stringMatching(/signed out/));
    await expect(sessions.authenticate(mine.token)).rejects.toMatchObject({ code: 'SESSION_ENDED' });
    await expect(sessions.renew(mine.claims, deqing, 3600)).rejects.toMatchObject({ code: 'SESSION_ENDED' });
    expect(closeOther).not.toHaveBeenCalled();
    await expect(sessions.authenticate(other.token)).resolves.toMatchObject({ sub: 'u-wall' });
  });

  test('a connection registered after its session ended (during the caller’s other reads) is closed at once', async () => {
    const mine = await sessions.open(deqing, 3600);
    await sessions.authenticate(mine.token); // the socket's handshake passed…
    await storage.endSession(mine.claims.sid, 'logout', Date.now()); // …signed out elsewhere meanwhile…
    await sessions.poll(); // …and the feed ran while the socket awaited its operation row
    const close = vi.fn();
    sessions.watch(mine.claims, close);
    await vi.advanceTimersByTimeAsync(0);
    expect(close).toHaveBeenCalledExactlyOnceWith('SESSION_ENDED', expect.stringMatching(/signed out/));
    expect(sessions.liveCount).toBe(0);
  });

  test.each([
    ['disabled', { disabled: true }],
    ['given another role', { role: 'commander' as const }],
    ['moved to another station', { stationId: 'tongxiang-zhouquan' }],
    ['given a new password', { passwordHash: 'y' }],
  ])('an account %s: every session of it ends, through any write path', async (_what, change) => {
    const a = await sessions.open(deqing, 3600);
    const b = await sessions.open(deqing, 3600);
    const other = await sessions.open(wall, 3600);
    const close = vi.fn();
    sessions.watch(a.claims, close);
    sessions.watch(b.claims, close);
    // Another service instance on the same database knows nothing of the change but its feed.
    const elsewhere = new SessionService(storage, new TokenService('secret', 3600));
    await elsewhere.authenticate(a.token);
    storage.db.pragma('foreign_keys = OFF'); // the test station does not exist; the trigger does not care
    await storage.upsertAccount({ ...deqing, ...change });
    await sessions.poll();
    await elsewhere.poll();
    expect(close.mock.calls).toEqual([
      ['SESSION_ENDED', expect.stringMatching(/disabled or changed/)],
      ['SESSION_ENDED', expect.stringMatching(/disabled or changed/)],
    ]);
    for (const s of [sessions, elsewhere]) {
      await expect(s.authenticate(a.token)).rejects.toMatchObject({ code: 'SESSION_ENDED' });
      await expect(s.authenticate(b.token)).rejects.toMatchObject({ code: 'SESSION_ENDED' });
      await expect(s.authenticate(other.token)).resolves.toMatchObject({ sub: 'u-wall' });
    }
  });

  test('a new name, or the same password hash written again, does not end sessions', async () => {
    const a = await sessions.open(deqing, 3600);
    await storage.upsertAccount({ ...deqing, name: '禹越值班民警（夜班）' });
    await sessions.poll();
    await expect(sessions.authenticate(a.token)).resolves.toMatchObject({ sid: a.claims.sid });
  });

  test('a token whose session was never recorded is refused', async () => {
    const tokens = new TokenService('secret', 3600);
    const { token } = tokens.issue({ sub: 'u-deqing', role: 'dispatcher', stationId: null, name: 'x' });
    await expect(sessions.authenticate(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('expired sessions leave storage while the server runs', () => {
  test('a session expired more than a day ago is deleted by the running service, not only at start', async () => {
    const short = await sessions.open(deqing, 60);
    const kept = await sessions.open(wall, 30 * 86400);
    expect(await storage.getSession(short.claims.sid)).not.toBeNull();
    // Two days and an hour on, without a restart: the next feed read prunes the store.
    vi.setSystemTime(Date.now() + 2 * DAY + 3_600_000);
    await sessions.poll();
    expect(await storage.getSession(short.claims.sid)).toBeNull();
    expect(await storage.getSession(kept.claims.sid)).toMatchObject({ id: kept.claims.sid, endedAt: null });
  });
});
