import { onTestFinished, vi } from 'vitest';
import type { OperationData } from './operation-data.ts';
import { OperationSession } from './operation-session.svelte.ts';
import type { SessionUser } from './stored-session.ts';

/** A WebSocket that never opens: the session works on its local documents, as offline. */
export class SilentSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  readonly readyState = 0;
  binaryType = 'arraybuffer';
  onopen = null;
  onclose = null;
  onmessage = null;
  onerror = null;
  send(): void {}
  close(): void {}
}

/**
 * A session of `user` in an operation of `stations`, for tests outside a browser: the browser
 * globals it needs are stand-ins, its documents' sockets never open (or are `socket`'s: see
 * `syncingSockets`), its live channel goes to `wsBase` (a real socket.io server if the test runs
 * one), and it is destroyed (and the globals restored) when the test finishes.
 */
export function offlineSession(
  user: SessionUser,
  stations: string[] = [],
  wsBase = 'ws://127.0.0.1:9',
  socket: new (url: string) => unknown = SilentSocket,
): OperationSession {
  vi.stubGlobal('window', Object.assign(new EventTarget(), { setTimeout, clearTimeout, setInterval, clearInterval }));
  vi.stubGlobal('navigator', { onLine: true });
  vi.stubGlobal('location', { protocol: 'http:', host: '127.0.0.1:9', origin: 'http://127.0.0.1:9' });
  vi.stubGlobal('WebSocket', socket);
  vi.stubGlobal('requestAnimationFrame', (fn: () => void) => setTimeout(fn, 0));
  vi.stubGlobal('cancelAnimationFrame', (id: ReturnType<typeof setTimeout>) => clearTimeout(id));
  const data = {
    view: {
      id: 'op-1',
      name: '禹越搜寻',
      kind: 'search',
      status: 'active',
      stations,
      documents: [],
      stationDetails: [],
      createdAt: 1,
    },
    jurisdictions: { type: 'FeatureCollection', features: [] },
    context: { type: 'FeatureCollection', features: [] },
    fromCache: false,
  } as unknown as OperationData;
  const session = new OperationSession(data, user, 'token', { wsBase, persist: false });
  onTestFinished(() => {
    session.destroy();
    // A fake clock's pending frames would run after the stand-ins are gone.
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
  return session;
}

/** A commander's {@link offlineSession}. */
export function offlineCommanderSession(stations: string[] = []): OperationSession {
  return offlineSession({ id: 'u-cmd', name: '指挥', role: 'commander', stationId: null }, stations);
}
