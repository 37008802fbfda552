import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { keepTrying, transientFailure } from './backoff.ts';
import { ANSWER_WAIT_MS, COPY_ANSWER_WAIT_MS, loadOperationData, type OperationData } from './operation-data.ts';
import { errorText } from '../i18n/error-text.ts';
import { Session } from './session.svelte.ts';
import { memoryStorage } from './memory-storage.test-support.ts';

const view = { id: 'op-1', name: '联合搜索', kind: 'search', status: 'active', stations: [], documents: [] };
const collection = { type: 'FeatureCollection', features: [] };

/** A server answering every request with what `answer` says next ('offline': no answer at all). */
function server(answers: Array<number | 'offline'>) {
  const requests: string[] = [];
  let current: number | 'offline' = 200;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string) => {
      // The three requests of one load see the same server state.
      if (path.startsWith('/api/operations/op-1') && !path.endsWith('.geojson')) current = answers.shift() ?? 200;
      requests.push(path);
      if (current === 'offline') throw new TypeError('Failed to fetch');
      if (current !== 200) {
        const error = { code: current === 503 ? 'STORAGE_UNAVAILABLE' : 'NOT_FOUND', message: `status ${current}` };
        return new Response(JSON.stringify({ error }), { status: current });
      }
      return new Response(JSON.stringify(path.endsWith('.geojson') ? collection : view));
    }),
  );
  return requests;
}

function signedIn(): Session {
  const session = new Session();
  session.current = {
    token: 't',
    expiresAt: Date.now() + 3600_000,
    user: { id: 'u1', name: '张三', role: 'dispatcher', stationId: null },
  };
  return session;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubGlobal('localStorage', memoryStorage());
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('loading an operation while the server is down', () => {
  test('a storage outage (503) is worth retrying; a missing operation (404) is final', async () => {
    server([503, 404]);
    const session = signedIn();
    const outage = await loadOperationData(session, 'op-1').catch((e: unknown) => e);
    expect(outage).toMatchObject({ status: 503, code: 'STORAGE_UNAVAILABLE' });
    expect(transientFailure(outage)).toBe(true);
    const missing = await loadOperationData(session, 'op-1').catch((e: unknown) => e);
    expect(transientFailure(missing)).toBe(false);
  });

  test('a wall booted during a storage outage opens the operation once the server recovers', async () => {
    server([503, 503, 'offline', 200]);
    const session = signedIn();
    const shown: string[] = [];
    let loaded: OperationData | null = null;
    keepTrying(() => loadOperationData(session, 'op-1'), {
      done: (data) => (loaded = data),
      failed: (err) => shown.push(`failed ${String(err)}`),
      retrying: (_err, attempt) => shown.push(`retrying ${attempt}`),
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(shown).toEqual(['retrying 1', 'retrying 2', 'retrying 3']);
    expect(loaded).toMatchObject({ view: { id: 'op-1' }, fromCache: false });
  });

  test('offline with a copy from an earlier visit, the copy is drawn at once (no retry)', async () => {
    server([200, 'offline']);
    const session = signedIn();
    await loadOperationData(session, 'op-1');
    const shown: string[] = [];
    let loaded: OperationData | null = null;
    keepTrying(() => loadOperationData(session, 'op-1'), {
      done: (data) => (loaded = data),
      failed: () => shown.push('failed'),
      retrying: () => shown.push('retrying'),
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(shown).toEqual([]);
    expect(loaded).toMatchObject({ view: { id: 'op-1' }, fromCache: true });
  });
});

describe('a link that swallows requests (a silent cut: nothing fails, nothing arrives)', () => {
  /** Serves every request until `cut()`; then requests hang until their signal gives up on them. */
  function cuttableServer() {
    let cut = false;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (path: string, init?: RequestInit) => {
        if (!cut) return new Response(JSON.stringify(path.endsWith('.geojson') ? collection : view));
        return new Promise<Response>((_resolve, reject) =>
          init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error), { once: true }),
        );
      }),
    );
    return { cut: () => (cut = true) };
  }

  test('a reload draws the kept copy within seconds instead of hanging', async () => {
    const link = cuttableServer();
    const session = signedIn();
    await loadOperationData(session, 'op-1');
    link.cut();
    let loaded: OperationData | null = null;
    void loadOperationData(session, 'op-1').then((data) => (loaded = data));
    await vi.advanceTimersByTimeAsync(COPY_ANSWER_WAIT_MS);
    expect(loaded).toMatchObject({ view: { id: 'op-1' }, fromCache: true });
  });

  test('with no copy, the load is given up and tried again, reported as the server unreachable', async () => {
    cuttableServer().cut();
    const shown: unknown[] = [];
    keepTrying(() => loadOperationData(signedIn(), 'op-1'), {
      done: () => shown.push('done'),
      failed: (err) => shown.push(err),
      retrying: (err) => shown.push(err),
    });
    await vi.advanceTimersByTimeAsync(ANSWER_WAIT_MS);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toBeInstanceOf(TypeError);
    expect(errorText(shown[0])).toBe('无法连接服务器，请检查网络');
  });
});

describe('offline copies when localStorage is full', () => {
  test('the copies of earlier operations filling localStorage make room: the operation open now reopens offline', async () => {
    const storage = memoryStorage();
    const setItem = storage.setItem.bind(storage);
    const size = () =>
      Array.from({ length: storage.length }, (_, i) => storage.key(i)!).reduce(
        (n, k) => n + k.length + storage.getItem(k)!.length,
        0,
      );
    let quota = Infinity;
    storage.setItem = (k, v) => {
      if (size() - (storage.getItem(k)?.length ?? -k.length) + v.length > quota)
        throw new DOMException('quota', 'QuotaExceededError');
      setItem(k, v);
    };
    vi.stubGlobal('localStorage', storage);
    // Two earlier operations' copies, as big as real ones (the counties in each): the storage is full.
    const counties = { ...collection, padding: 'x'.repeat(288_000) };
    for (const id of ['op-old1', 'op-old2'])
      storage.setItem(
        `jointmap.opdata.u1.${id}`,
        JSON.stringify({ view: { id }, jurisdictions: collection, context: counties }),
      );
    quota = size() + 50;
    server([200, 'offline']);
    const session = signedIn();
    await loadOperationData(session, 'op-1');
    const offline = await loadOperationData(session, 'op-1');
    expect(offline).toMatchObject({ view: { id: 'op-1' }, fromCache: true });
  });
});

describe('the neighbouring counties', () => {
  const county = {
    type: 'Feature',
    properties: { name: '桐乡市' },
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [120.4, 30.5],
          [120.6, 30.5],
          [120.6, 30.7],
          [120.4, 30.5],
        ],
      ],
    },
  };
  const counties = { type: 'FeatureCollection', features: [county] };

  /** The server, whose counties fail with `failures` (503, or no answer at all) before they are served. */
  function countiesServer(failures: Array<503 | 'offline'>) {
    const asked: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (path: string) => {
        asked.push(path);
        if (path !== '/api/basemap/context.geojson')
          return new Response(JSON.stringify(path.endsWith('.geojson') ? collection : view));
        const failure = failures.shift();
        if (failure === 'offline') throw new TypeError('Failed to fetch');
        if (failure) return new Response(JSON.stringify({ error: { code: 'INTERNAL', message: '' } }), { status: 503 });
        return new Response(JSON.stringify(counties));
      }),
    );
    return asked;
  }

  const stored = () => JSON.parse(localStorage.getItem('jointmap.opcontext') ?? 'null') as unknown;

  test('counties that failed at a wall’s boot are fetched again, backing off, and then drawn and kept', async () => {
    const asked = countiesServer([503, 'offline', 503]);
    const data = await loadOperationData(signedIn(), 'op-1');
    expect(data.context.features).toEqual([]);
    // The failure is not kept as "no counties" on this device.
    expect(stored()).toBeNull();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(asked.filter((p) => p.includes('context')).length).toBe(4);
    expect(data.context).toEqual(counties);
    expect(stored()).toEqual(counties);
  });

  test('a failure never replaces the counties kept from an earlier visit: they are drawn meanwhile', async () => {
    countiesServer([503]);
    const session = signedIn();
    await loadOperationData(session, 'op-1'); // fails: nothing kept yet
    await vi.advanceTimersByTimeAsync(60_000); // the retry brings and keeps them
    countiesServer([503, 503]);
    const next = await loadOperationData(session, 'op-1');
    expect(next.context).toEqual(counties);
    expect(stored()).toEqual(counties);
  });

  test('once the page that asked for them is gone, the counties are not asked for again', async () => {
    const asked = countiesServer(Array.from({ length: 100 }, () => 503 as const));
    const contextRequests = () => asked.filter((p) => p.includes('context')).length;
    const page = new AbortController();
    const data = await loadOperationData(signedIn(), 'op-1', page.signal);
    await vi.advanceTimersByTimeAsync(2_000); // the first retry
    expect(contextRequests()).toBe(2);
    page.abort(); // the wall leaves the operation
    await vi.advanceTimersByTimeAsync(3600_000);
    expect(contextRequests()).toBe(2);
    expect(data.context.features).toEqual([]);
  });

  test('a page gone while the operation loaded starts no retry of the counties', async () => {
    const asked = countiesServer([503]);
    const page = new AbortController();
    const loading = loadOperationData(signedIn(), 'op-1', page.signal);
    page.abort();
    await loading;
    await vi.advanceTimersByTimeAsync(3600_000);
    expect(asked.filter((p) => p.includes('context')).length).toBe(1);
  });
});
