import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { LogoutQueue } from './logout-queue.ts';
import { Session } from './session.svelte.ts';
import { SESSION_KEY, sameSession, sessionIdOf, type StoredSession } from './stored-session.ts';
import { unsentEditsOf } from './unsent-edits.ts';

/** A token as the server writes them (`base64url(claims).signature`), for session `sid`. */
const tokenOf = (sid: string, n: number) =>
  `${btoa(JSON.stringify({ sub: 'u', sid, n }))
    .replace(/=+$/, '')
    .replace(/\+/g, '-')
    .replace(/\//g, '_')}.sig${n}`;

const A = { id: 'deqing', name: '德清禹越值班员', role: 'dispatcher', stationId: 'deqing-yuyue' } as const;
const B = { id: 'linping', name: '临平运河值班员', role: 'dispatcher', stationId: 'linping-yunhe' } as const;

/** localStorage of one browser (shared by its tabs), with the listing `unsentEditsOf` reads. */
class MemoryStorage {
  readonly items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  key = (i: number) => [...this.items.keys()][i] ?? null;
  getItem = (k: string) => this.items.get(k) ?? null;
  setItem = (k: string, v: string) => void this.items.set(k, String(v));
  removeItem = (k: string) => void this.items.delete(k);
}

let storage: MemoryStorage;
let win: EventTarget;
/** What the fake server got: `path token`. */
let requests: string[];
/** The server answers (true) or the link is down (false). */
let linkUp: boolean;
let renewals: number;

const stored = (): StoredSession | null => JSON.parse(storage.getItem(SESSION_KEY) ?? 'null') as StoredSession | null;
const store = (s: StoredSession) => storage.setItem(SESSION_KEY, JSON.stringify(s));
const sessionOf = (user: typeof A | typeof B, sid: string, n = 0, ttl = 60_000): StoredSession => ({
  token: tokenOf(sid, n),
  expiresAt: Date.now() + ttl,
  renewAt: Date.now() + ttl / 2,
  user: { ...user },
});
/** Another tab of the browser changed the stored login: this tab hears a `storage` event. */
function otherTabWrites(value: StoredSession | null) {
  const old = storage.getItem(SESSION_KEY);
  if (value) store(value);
  else storage.removeItem(SESSION_KEY);
  const event = Object.assign(new Event('storage'), {
    key: SESSION_KEY,
    oldValue: old,
    newValue: storage.getItem(SESSION_KEY),
  });
  win.dispatchEvent(event);
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_800_000_000_000 });
  storage = new MemoryStorage();
  win = new EventTarget();
  requests = [];
  linkUp = true;
  renewals = 0;
  vi.stubGlobal('localStorage', storage);
  vi.stubGlobal('window', win);
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string, init: RequestInit) => {
      const token = ((init.headers ?? {}) as Record<string, string>).authorization?.slice(7) ?? '';
      if (!linkUp) throw new TypeError('Failed to fetch');
      requests.push(`${path} ${token}`);
      if (path === '/api/auth/renew') {
        const sid = sessionIdOf(token) ?? '?'; // a renewal keeps the session
        const now = Date.now();
        return new Response(
          JSON.stringify({ token: tokenOf(sid, ++renewals), issuedAt: now, expiresAt: now + 60_000 }),
        );
      }
      return new Response(null, { status: 204 });
    }),
  );
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('sameSession', () => {
  test('a renewed token is the same session, another sign-in is not', () => {
    expect(sameSession(tokenOf('a', 0), tokenOf('a', 5))).toBe(true);
    expect(sameSession(tokenOf('a', 0), tokenOf('b', 0))).toBe(false);
    expect(sameSession('not-ours', 'not-ours')).toBe(true);
    expect(sameSession('not-ours', 'other')).toBe(false);
  });
});

describe('a renewal on a shared workstation', () => {
  test('writes the renewed token while the stored login is still this session', async () => {
    store({ ...sessionOf(A, 'a'), renewAt: Date.now() });
    const tab = new Session();
    await vi.advanceTimersByTimeAsync(10);
    expect(requests).toEqual([`/api/auth/renew ${tokenOf('a', 0)}`]);
    expect(stored()?.token).toBe(tokenOf('a', 1));
    expect(tab.token).toBe(tokenOf('a', 1));
  });

  test('after a sign-out in another tab (no event heard) it writes nothing back and signs this tab out', async () => {
    store(sessionOf(A, 'a'));
    const tab = new Session();
    storage.removeItem(SESSION_KEY);
    await vi.advanceTimersByTimeAsync(31_000);
    expect(requests).toEqual([`/api/auth/renew ${tokenOf('a', 0)}`]);
    expect(stored()).toBeNull();
    expect(tab.user).toBeNull();
    expect(tab.endedBecause).toBe('ended');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(requests).toHaveLength(1); // its renewer stopped
  });

  test('after another person signed in in another tab it leaves their login stored and signs this tab out', async () => {
    store(sessionOf(A, 'a'));
    const tab = new Session();
    store(sessionOf(B, 'b'));
    await vi.advanceTimersByTimeAsync(31_000);
    expect(stored()?.user.id).toBe('linping');
    expect(stored()?.token).toBe(tokenOf('b', 0));
    expect(tab.user).toBeNull();
    expect(tab.endedBecause).toBe('ended');
  });
});

describe('storage events from other tabs', () => {
  test('the stored login removed (signed out in another tab) signs this tab out, saying why', () => {
    store(sessionOf(A, 'a'));
    const tab = new Session();
    otherTabWrites(null);
    expect(tab.user).toBeNull();
    expect(tab.endedBecause).toBe('ended');
    expect(tab.endedUser?.id).toBe('deqing');
  });

  test('another session stored (another person signed in) signs this tab out and keeps their login stored', () => {
    store(sessionOf(A, 'a'));
    const tab = new Session();
    otherTabWrites(sessionOf(B, 'b'));
    expect(tab.user).toBeNull();
    expect(tab.endedBecause).toBe('ended');
    expect(stored()?.user.id).toBe('linping');
  });

  test('this session renewed by another tab is followed: the newer token, the same user object', () => {
    store(sessionOf(A, 'a'));
    const tab = new Session();
    const user = tab.user;
    otherTabWrites(sessionOf(A, 'a', 7, 120_000));
    expect(tab.token).toBe(tokenOf('a', 7));
    expect(tab.user).toBe(user);
    expect(tab.endedBecause).toBeNull();
  });
});

describe('a sign-out while the link is down', () => {
  test('is queued and sent with its token when the link returns, so the server ends the session', async () => {
    store(sessionOf(A, 'a'));
    const queue = new LogoutQueue();
    linkUp = false;
    await queue.end(tokenOf('a', 0), Date.now() + 60_000);
    expect(requests).toEqual([]);
    expect(storage.getItem('jointmap.logout.queue')).toContain(tokenOf('a', 0));
    linkUp = true;
    await vi.advanceTimersByTimeAsync(2_100); // the first retry
    expect(requests).toEqual([`/api/auth/logout ${tokenOf('a', 0)}`]);
    expect(storage.getItem('jointmap.logout.queue')).toBeNull();
  });

  test('a queued sign-out whose token expired meanwhile is dropped unsent', async () => {
    const queue = new LogoutQueue();
    linkUp = false;
    await queue.end(tokenOf('a', 0), Date.now() + 1_000);
    linkUp = true;
    await vi.advanceTimersByTimeAsync(2_100);
    expect(requests).toEqual([]);
    expect(storage.getItem('jointmap.logout.queue')).toBeNull();
  });

  test('the 退出 button offline removes the stored login at once and queues the sign-out', async () => {
    store(sessionOf(A, 'a'));
    const tab = new Session();
    linkUp = false;
    tab.logout();
    await vi.advanceTimersByTimeAsync(0);
    expect(stored()).toBeNull();
    expect(tab.endedBecause).toBeNull();
    expect(storage.getItem('jointmap.logout.queue')).toContain(tokenOf('a', 0));
  });
});

describe('a session that expired before the page loaded', () => {
  test('is not restored; the login page is told it expired and whose edits wait on this workstation', () => {
    store(sessionOf(A, 'a', 0, -1_000));
    storage.setItem('jointmap.pending.deqing.demo-tricounty/deqing-yuyue', '2');
    storage.setItem('jointmap.pending.deqing.demo-tricounty/command', '1');
    storage.setItem('jointmap.pending.linping.demo-tricounty/linping-yunhe', '5');
    // Another account whose id begins with this one's and a dot (usernames may have dots).
    storage.setItem('jointmap.pending.deqing.night.demo-tricounty/deqing-yuyue', '4');
    const tab = new Session();
    expect(tab.user).toBeNull();
    expect(tab.endedBecause).toBe('expired');
    expect(tab.endedUser?.name).toBe('德清禹越值班员');
    expect(unsentEditsOf('deqing')).toBe(3);
  });
});

describe('a sign-out with a reason', () => {
  test('a sign-out because the server refused the token leaves another person’s stored login alone', () => {
    store(sessionOf(A, 'a'));
    const tab = new Session();
    store(sessionOf(B, 'b'));
    tab.logout('ended');
    expect(stored()?.user.id).toBe('linping');
  });
});
