/**
 * Child process of sync-relay-path.bench.ts: one server's relay path, in process, with stand-in
 * sockets. `RELAY_PATH_SERVER=jointmap|reference`; prints one JSON line of figures.
 *
 * - jointmap: a `Room` on a `SqliteStorage` in a fresh directory (the checkpointer included):
 *   every update decoded, screened, applied with the schema enforced, appended to the log, then
 *   relayed.
 * - reference: `@y/websocket-server` 0.1.1's `setupWSConnection`, as its own server wires it.
 *
 * Every connection's `send` only counts, so what is measured is the server's own work per update
 * and not the sockets' (those cost the same for both: one write per recipient and message).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { setupWSConnection } from '@y/websocket-server/utils';
import { Room } from '@jointmap/server/rooms/room';
import { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { cpuSeconds } from './proc.ts';
import { Rng } from './rng.ts';
import { BENCH_DOC, BENCH_STATION, polygonAnnotation } from './workload.ts';

const SERVER = process.env.RELAY_PATH_SERVER;
const CLIENTS = 100;
const WRITERS = 5;
const KEYS = 50;
/** Measured: the first `FRESH` updates after start, and `WARM` after `WARM_AFTER` more. */
const FRESH = 1_000;
const WARM_AFTER = 10_000;
const WARM = 3_000;

/** CPU time (ms) of this process's main thread. */
const mainThreadMs = () => cpuSeconds(process.pid, process.pid) * 1000;

/** The writers' updates, made up front: each one a map entry overwritten, as in the fan-out. */
function updateMessages(n: number): Buffer[] {
  const rng = new Rng(7);
  const now = Date.now();
  const templates = Array.from({ length: KEYS }, (_, i) => polygonAnnotation(rng, `relay-${i}`, now));
  const writers = Array.from({ length: WRITERS }, () => new Y.Doc());
  const out: Buffer[] = [];
  writers.forEach((doc) =>
    doc.on('update', (u: Uint8Array) => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0); // sync
      encoding.writeVarUint(e, 2); // update
      encoding.writeVarUint8Array(e, u);
      out.push(Buffer.from(encoding.toUint8Array(e)));
    }),
  );
  for (let i = 0; i < n; i++) {
    const t = templates[i % KEYS]!;
    writers[i % WRITERS]!.getMap('annotations').set(t.id, { ...t, label: `t=${i}.000`, updatedAt: now + i });
  }
  return out;
}

let sent = 0;
let appendMs = 0;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Our room, with the default settings and without the app's hooks (metrics, alerts, coverage);
 * returns: deliver `m` from writer `w`'s connection and wait until it is durable and relayed.
 */
async function jointmap(dir: string): Promise<(w: number, m: Buffer) => Promise<void>> {
  const store = new SqliteStorage(dir);
  const append = store.appendUpdate.bind(store);
  store.appendUpdate = async (...args) => {
    const t0 = performance.now();
    try {
      return await append(...args);
    } finally {
      appendMs += performance.now() - t0;
    }
  };
  const room = await Room.load(BENCH_DOC, 'station', store, { snapshotEvery: 500 });
  const feeds = Array.from({ length: CLIENTS }, (_, i) =>
    room.connect(
      { send: () => void sent++, close: () => undefined, isOpen: true },
      {
        sessionId: `s-${i}`,
        user: { id: `u-${i}`, name: `警员${i}`, role: 'dispatcher', stationId: BENCH_STATION },
        access: 'write',
      },
    ),
  );
  await room.idle();
  return async (w, m) => {
    feeds[w]!.receive(m);
    await room.idle();
  };
}

/** The reference: the same, through `setupWSConnection` with stand-in `ws` sockets. */
async function reference(): Promise<(w: number, m: Buffer) => Promise<void>> {
  const sockets = Array.from({ length: CLIENTS }, () => {
    const ws = Object.assign(new EventEmitter(), {
      readyState: 1,
      binaryType: 'arraybuffer',
      send: (_m: Uint8Array, _o: unknown, cb?: (err?: Error) => void) => {
        sent++;
        cb?.();
      },
      ping: () => undefined,
      close: () => undefined,
    });
    type Args = Parameters<typeof setupWSConnection>;
    setupWSConnection(ws as unknown as Args[0], { url: `/${BENCH_DOC}` } as Args[1], { docName: BENCH_DOC, gc: true });
    return ws;
  });
  await nextTurn();
  return async (w, m) => {
    sockets[w]!.emit('message', m);
    await nextTurn();
  };
}

/** Figures per update over `messages[from, to)`. */
async function measure(deliver: (w: number, m: Buffer) => Promise<void>, messages: Buffer[], from: number, to: number) {
  sent = 0;
  appendMs = 0;
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadMs();
  const t0 = performance.now();
  for (let i = from; i < to; i++) await deliver(i % WRITERS, messages[i]!);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const n = to - from;
  return {
    cpuUs: (cpu.user + cpu.system) / n,
    mainUs: ((mainThreadMs() - main0) * 1000) / n,
    wallUs: (wallMs * 1000) / n,
    appendUs: SERVER === 'jointmap' ? (appendMs * 1000) / n : null,
    sendsPerUpdate: sent / n,
  };
}

const messages = updateMessages(FRESH + WARM_AFTER + WARM);
const dir = mkdtempSync(join(tmpdir(), 'jointmap-relay-path-'));
try {
  const deliver = SERVER === 'jointmap' ? await jointmap(dir) : await reference();
  const fresh = await measure(deliver, messages, 0, FRESH);
  for (let i = FRESH; i < FRESH + WARM_AFTER; i++) await deliver(i % WRITERS, messages[i]!);
  const warm = await measure(deliver, messages, FRESH + WARM_AFTER, FRESH + WARM_AFTER + WARM);
  console.log(JSON.stringify({ fresh, warm }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
