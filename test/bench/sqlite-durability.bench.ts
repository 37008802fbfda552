/**
 * (h) Power-loss safety: what `SQLITE_SYNCHRONOUS=full` costs against the default `normal`.
 *
 * 1. Storage alone, in this process: 2,000 document appends of a realistic update (one polygon
 *    annotation, ≈ 0.5 KiB) back to back, then 500 paced one per 10 ms (an edit rate a busy room
 *    reaches), timed one by one. With `full` every commit waits for an fsync of the WAL.
 * 2. Through the server: two servers side by side (one per level, each its own process and data
 *    directory), each with a stock writer and a stock watcher client in the benchmark document;
 *    the writer sends 20 edits/s, the watcher records edit → visible latency (the server appends
 *    each update before it relays it, so the commit is on that path). Ten 2-s slices per server,
 *    taken in turn, so whatever else runs on the machine hits both alike.
 *
 * The data directories are under the OS temp directory (`BENCH_DATA_DIR` to choose another disk):
 * fsync cost is the disk's, so the figures are only as good as the disk they ran on says.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { login, spawnServer, type ServerProcess } from '../helpers/server.ts';
import { Rng } from './lib/rng.ts';
import { mean, ms, percentile, printTable } from './lib/stats.ts';
import { sleep, until, yWebsocketClient, type BenchClient } from './lib/targets.ts';
import { BENCH_DOC, polygonAnnotation } from './lib/workload.ts';

const LEVELS = ['normal', 'full'] as const;
type Level = (typeof LEVELS)[number];
const BURST_APPENDS = 2_000;
const PACED_APPENDS = 500;
const PACE_MS = 10;
const EDITS_PER_SECOND = 20;
const SLICES = 10;
const SLICE_MS = 2_000;
const dataRoot = process.env.BENCH_DATA_DIR ?? tmpdir();

/** One Yjs update that adds a polygon annotation, as a client sends it. */
function sampleUpdate(rng: Rng, i: number): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('annotations').set(`bench-${i}`, polygonAnnotation(rng, `bench-${i}`, Date.now()));
  return Y.encodeStateAsUpdate(doc);
}

interface AppendFigures {
  burst: number[];
  paced: number[];
  bytes: number;
}

async function appendLatency(level: Level): Promise<AppendFigures> {
  const dir = mkdtempSync(join(dataRoot, `jointmap-bench-sync-${level}-`));
  const storage = new SqliteStorage(dir, { synchronous: level });
  try {
    const rng = new Rng(11);
    const updates = Array.from({ length: 200 }, (_, i) => sampleUpdate(rng, i));
    const author = { sessionId: 'bench', userId: 'u-bench' };
    const doc = 'bench-op/command';
    for (let i = 0; i < 100; i++) await storage.appendUpdate(doc, updates[i % updates.length]!, author); // warm-up
    const burst: number[] = [];
    for (let i = 0; i < BURST_APPENDS; i++) {
      const t0 = performance.now();
      await storage.appendUpdate(doc, updates[i % updates.length]!, author);
      burst.push(performance.now() - t0);
    }
    const paced: number[] = [];
    for (let i = 0; i < PACED_APPENDS; i++) {
      await sleep(PACE_MS);
      const t0 = performance.now();
      await storage.appendUpdate(doc, updates[i % updates.length]!, author);
      paced.push(performance.now() - t0);
    }
    return { burst, paced, bytes: mean(updates.map((u) => u.byteLength)) };
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Server {
  level: Level;
  proc: ServerProcess;
  token: string;
  dataDir: string;
}

async function startServer(level: Level): Promise<Server> {
  const dataDir = mkdtempSync(join(dataRoot, `jointmap-bench-sync-${level}-`));
  const proc = await spawnServer(dataDir, { ROOM_IDLE_MS: '600000', SQLITE_SYNCHRONOUS: level });
  const { token } = await login(proc.url, 'commander');
  return { level, proc, token, dataDir };
}

async function stopServer(server: Server): Promise<void> {
  await server.proc.kill(); // the measurements are taken; its data directory goes anyway
  rmSync(server.dataDir, { recursive: true, force: true });
}

const connect = (server: Server): BenchClient =>
  yWebsocketClient(`${server.proc.wsUrl}/sync`, BENCH_DOC, { token: server.token });

interface RelaySession {
  server: Server;
  writer: BenchClient;
  watcher: BenchClient;
  latencies: number[];
  sent: number;
}

async function relaySlice(session: RelaySession, templates: readonly { id: string }[]): Promise<void> {
  const map = session.writer.doc.getMap('annotations');
  const interval = 1000 / EDITS_PER_SECOND;
  const edits = (EDITS_PER_SECOND * SLICE_MS) / 1000;
  const t0 = performance.now();
  for (let e = 0; e < edits; e++) {
    const wait = t0 + e * interval - performance.now();
    if (wait > 0) await sleep(wait);
    const template = templates[e % templates.length]!;
    map.set(template.id, { ...template, label: `t=${performance.now().toFixed(3)}`, updatedAt: Date.now() });
    session.sent++;
  }
  await until(() => session.latencies.length >= session.sent, 10_000, 'every edit at the watcher').catch(
    () => undefined,
  );
}

async function relayLatency(): Promise<Map<Level, RelaySession>> {
  const servers: Server[] = [];
  const sessions: RelaySession[] = [];
  try {
    for (const level of LEVELS) servers.push(await startServer(level));
    for (const server of servers) {
      const writer = connect(server);
      const watcher = connect(server);
      await Promise.all([writer.synced, watcher.synced]);
      const session: RelaySession = { server, writer, watcher, latencies: [], sent: 0 };
      const seen = watcher.doc.getMap('annotations');
      seen.observe((event: Y.YMapEvent<unknown>) => {
        const now = performance.now();
        for (const key of event.keysChanged) {
          const label = (seen.get(key) as { label?: string } | undefined)?.label;
          if (label?.startsWith('t=')) session.latencies.push(now - Number(label.slice(2)));
        }
      });
      sessions.push(session);
    }
    const rng = new Rng(5);
    const templates = Array.from({ length: 10 }, (_, i) => polygonAnnotation(rng, `sync-level-${i}`, Date.now()));
    await sleep(1_000);
    for (let s = 0; s < SLICES; s++) for (const session of sessions) await relaySlice(session, templates);
    return new Map(sessions.map((s) => [s.server.level, s]));
  } finally {
    for (const s of sessions) {
      s.writer.destroy();
      s.watcher.destroy();
    }
    await Promise.all(servers.map(stopServer));
  }
}

/** Milliseconds, with sub-millisecond figures in µs (an append without fsync takes tens of µs). */
const fine = (x: number): string => (x < 1 ? `${(x * 1000).toFixed(0)} µs` : ms(x));

const row = (label: string, samples: readonly number[], extra: string[] = []) => [
  label,
  String(samples.length),
  fine(percentile(samples, 50)),
  fine(percentile(samples, 99)),
  fine(percentile(samples, 99.9)),
  fine(Math.max(...samples)),
  ...extra,
];

export default async function run(): Promise<void> {
  console.log(`SQLite synchronous=normal vs full; data directories under ${dataRoot}`);
  const appends = new Map<Level, AppendFigures>();
  for (const level of LEVELS) appends.set(level, await appendLatency(level));
  const bytes = appends.get('normal')!.bytes;
  printTable(`storage alone: appendUpdate of a ${bytes.toFixed(0)}-byte update, timed one by one`, [
    ['level / pattern', 'appends', 'p50', 'p99', 'p99.9', 'max'],
    ...LEVELS.flatMap((level) => [
      row(`${level}, back to back`, appends.get(level)!.burst),
      row(`${level}, one per ${PACE_MS} ms`, appends.get(level)!.paced),
    ]),
  ]);

  const relay = await relayLatency();
  printTable(
    `through the server: edit → visible at a second client, ${EDITS_PER_SECOND} edits/s, ${SLICES} × ${SLICE_MS / 1000} s per level`,
    [
      ['level', 'edits seen', 'p50', 'p99', 'p99.9', 'max', 'sent'],
      ...LEVELS.map((level) => {
        const s = relay.get(level)!;
        return row(level, s.latencies, [String(s.sent)]);
      }),
    ],
  );
}
