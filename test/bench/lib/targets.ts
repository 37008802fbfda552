import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HocuspocusProvider } from '@hocuspocus/provider';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { SERVER_BUNDLE, ensureServerBuild } from '../../../scripts/build-server.mjs';
import { SERVER_ENV, SERVER_NODE_ARGS } from '../../../scripts/server-launch.mjs';
import { startRedis } from '../../helpers/cluster.ts';
import { createTestSchema } from '../../helpers/pg-schema.ts';
import { rssBytes } from './proc.ts';
import { BENCH_DOC } from './workload.ts';

/** One stock client connected to the benchmark document of a target server. */
export interface BenchClient {
  doc: Y.Doc;
  /** Resolves once the provider reports its first sync. */
  synced: Promise<void>;
  /** The WebSocket URL the client connects to (y-websocket clients). */
  url?: string;
  destroy(): void;
}

export type TargetId = 'jointmap' | 'jointmap-redis3' | 'reference' | 'hocuspocus' | 'floor';

/** A server under test, running alone in a child process so its CPU and memory can be read. */
export interface Target {
  id: TargetId;
  label: string;
  /** The server process (the first one when there are several). */
  pid: number;
  /** Every process of the target: its instances (and their Redis), for CPU and memory. */
  pids: number[];
  /** RSS right after start, before any client connected. */
  idleRss: number;
  connect(doc?: Y.Doc): BenchClient;
  /** Storage on disk (ours only): bytes of the SQLite database and its WAL. */
  diskBytes(): { database: number; wal: number } | null;
  stop(): Promise<void>;
}

const ALL_TARGETS: readonly { id: TargetId; label: string }[] = [
  { id: 'jointmap', label: 'JointMap (durable, auth)' },
  { id: 'jointmap-redis3', label: 'JointMap, 3 instances + Redis' },
  { id: 'reference', label: '@y/websocket-server 0.1.1' },
  { id: 'hocuspocus', label: '@hocuspocus/server 3.4' },
  { id: 'floor', label: 'floor: bare edit relay' },
];

/**
 * Targets measured only when `BENCH_TARGETS` names them, and never by the late-join, growth and
 * idle-memory benchmarks: three instances are several processes, and the floor is no document server.
 */
const OPT_IN: readonly TargetId[] = ['jointmap-redis3', 'floor'];

/**
 * The servers to compare, in this order. Development knobs (the recorded figures use neither):
 * `BENCH_TARGETS=jointmap,reference` narrows the set, measured in the order it names them;
 * `BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` passes extra Node flags to the
 * server processes.
 */
export const TARGETS = process.env.BENCH_TARGETS
  ? process.env.BENCH_TARGETS.split(',').flatMap((id) => ALL_TARGETS.filter((t) => t.id === id))
  : ALL_TARGETS.filter((t) => !OPT_IN.includes(t.id));
/** The single-process servers of `TARGETS` (the late-join, growth and idle-memory benchmarks compare those). */
export const SINGLE_TARGETS = () => TARGETS.filter((t) => !OPT_IN.includes(t.id));

const extraNodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);

const root = fileURLToPath(new URL('../../../', import.meta.url));
const launchers: Record<'reference' | 'hocuspocus' | 'floor', string> = {
  reference: fileURLToPath(new URL('../servers/y-websocket-server.mjs', import.meta.url)),
  hocuspocus: fileURLToPath(new URL('../servers/hocuspocus-server.mjs', import.meta.url)),
  floor: fileURLToPath(new URL('../servers/relay-floor.mjs', import.meta.url)),
};
export const DEMO_PASSWORD = 'demo-pass-123';

interface Spawned {
  child: ChildProcess;
  port: number;
}

/**
 * Start `node <nodeArgs> <script>` (plain JavaScript, no loader: every server runs as it would be
 * deployed) and wait for the line that names its port.
 */
export async function spawnNode(
  script: string,
  env: Record<string, string>,
  portLine: RegExp,
  nodeArgs: readonly string[] = [],
): Promise<Spawned> {
  const child = spawn(process.execPath, [...nodeArgs, ...extraNodeArgs, script], {
    cwd: root,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = portLine.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}):\n${out}`));
    });
  });
  // Keep draining output so the child never blocks on a full pipe; show errors.
  child.stdout!.removeAllListeners('data');
  child.stderr!.removeAllListeners('data');
  if (extraNodeArgs.length) child.stdout!.on('data', (d: Buffer) => process.stderr.write(d));
  else child.stdout!.resume();
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[${script.split('/').pop()}] ${d.toString()}`));
  return { child, port };
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Messages the bench's y-websocket clients received, by kind (the first byte of a y-websocket
 * message: 0 sync, 1 presence with at least one state). All clients of the process add to it;
 * the fan-out resets it before its slices, when only one server's clients are connected.
 */
export const received = { sync: 0, presence: 0, presenceBytes: 0 };

/** `ws` as the stock clients' WebSocket, counting what arrives (`received`). */
class CountingWebSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    // y-websocket sets binaryType 'arraybuffer'. Empty presence messages (`[1, 1, 0]`, keepalives)
    // are not counted: they carry no state and the client does nothing with them.
    this.on('message', (data: ArrayBuffer) => {
      const bytes = new Uint8Array(data);
      if (bytes[0] === 0) received.sync++;
      if (bytes[0] !== 1 || (bytes.length === 3 && bytes[2] === 0)) return;
      received.presence++;
      received.presenceBytes += bytes.length;
    });
  }
}
const polyfill = CountingWebSocket as unknown as typeof globalThis.WebSocket;

/** A stock y-websocket client of `room` at `serverUrl` (`params`: query, e.g. our token), without BroadcastChannel. */
export function yWebsocketClient(
  serverUrl: string,
  room: string,
  params: Record<string, string>,
  doc = new Y.Doc(),
): BenchClient {
  const provider = new WebsocketProvider(serverUrl, room, doc, {
    params,
    WebSocketPolyfill: polyfill,
    disableBc: true,
  });
  const synced = new Promise<void>((resolve) => {
    const on = (isSynced: boolean) => {
      if (!isSynced) return;
      provider.off('sync', on);
      resolve();
    };
    provider.on('sync', on);
  });
  return {
    doc,
    synced,
    url: provider.url,
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

function hocuspocusClient(url: string, name: string, doc = new Y.Doc()): BenchClient {
  let resolveSynced!: () => void;
  const synced = new Promise<void>((resolve) => (resolveSynced = resolve));
  const provider = new HocuspocusProvider({
    url,
    name,
    document: doc,
    WebSocketPolyfill: polyfill,
    onSynced: () => resolveSynced(),
  } as ConstructorParameters<typeof HocuspocusProvider>[0]);
  return {
    doc,
    synced,
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

/** Start one server under test in its own process. */
export async function startTarget(id: TargetId): Promise<Target> {
  const label = ALL_TARGETS.find((t) => t.id === id)!.label;
  if (id === 'jointmap-redis3') return startClusterTarget(label);
  if (id === 'jointmap') {
    const dataDir = mkdtempSync(join(tmpdir(), 'jointmap-bench-'));
    const { child, port, token } = await launchJointMap({ DATA_DIR: dataDir });
    return {
      id,
      label,
      pid: child.pid!,
      pids: [child.pid!],
      idleRss: await settledRss(child.pid!),
      connect: (doc) => yWebsocketClient(`ws://127.0.0.1:${port}/sync`, BENCH_DOC, { token }, doc),
      diskBytes() {
        const size = (f: string) => {
          try {
            return statSync(join(dataDir, f)).size;
          } catch {
            return 0; // absent (no WAL yet)
          }
        };
        return { database: size('jointmap.sqlite'), wal: size('jointmap.sqlite-wal') };
      },
      async stop() {
        await stopChild(child);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const { child, port } = await spawnNode(launchers[id], {}, /listening on (\d+)/);
  return {
    id,
    label,
    pid: child.pid!,
    pids: [child.pid!],
    idleRss: await settledRss(child.pid!),
    connect: (doc) =>
      id === 'reference' || id === 'floor'
        ? yWebsocketClient(`ws://127.0.0.1:${port}`, BENCH_DOC, {}, doc)
        : hocuspocusClient(`ws://127.0.0.1:${port}`, BENCH_DOC, doc),
    diskBytes: () => null,
    stop: () => stopChild(child),
  };
}

/** Resolve when `predicate` holds, polling every `everyMs`. */
export async function until(predicate: () => boolean, timeoutMs: number, what: string, everyMs = 5): Promise<void> {
  const start = performance.now();
  while (!predicate()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** RSS of a freshly started server once start-up work has finished. */
export async function settledRss(pid: number): Promise<number> {
  await sleep(500);
  return rssBytes(pid);
}

export const sleep = (msDelay: number) => new Promise<void>((r) => setTimeout(r, msDelay));

/*
 * Our server as the sync benchmarks start it: the production build with the launch settings of
 * `npm start` and the release's start.sh (scripts/server-launch.mjs), alone on SQLite or as three
 * instances on one PostgreSQL schema and one private redis-server, clients spread over them.
 */
export interface JointMapProcess {
  child: ChildProcess;
  port: number;
  /** A commander's token (the clients sync the demo station document with it). */
  token: string;
}

/**
 * One server process of the production build on `env` (DATA_DIR and storage settings). The demo
 * operation and accounts are seeded (the clients log in as its commander); its tracker simulator is
 * off: the other servers have no trackers either.
 */
export async function launchJointMap(env: Record<string, string>): Promise<JointMapProcess> {
  await ensureServerBuild();
  const { child, port } = await spawnNode(
    SERVER_BUNDLE,
    {
      ...SERVER_ENV,
      DEMO_PASSWORD,
      SIMULATE: '0',
      LOG_LEVEL: 'warn',
      ROOM_IDLE_MS: '600000',
      // Every client syncs with the one commander sign-in; the limit for one sign-in (64) would
      // refuse clients 65–100, and the other servers have no such limit.
      SYNC_MAX_PER_SESSION: '1000',
      ...env,
    },
    /running: http:\/\/[^:]+:(\d+)\//,
    SERVER_NODE_ARGS,
  );
  const res = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'commander', password: DEMO_PASSWORD }),
  });
  if (!res.ok) throw new Error(`login: ${res.status} ${await res.text()}`);
  const { token } = (await res.json()) as { token: string };
  return { child, port, token };
}

const INSTANCES = 3;

/** Three instances over PostgreSQL and Redis; client k connects to instance k mod 3. */
export async function startClusterTarget(label: string): Promise<Target> {
  const redis = await startRedis(null);
  const schema = await createTestSchema();
  const dirs: string[] = [];
  const instances: JointMapProcess[] = [];
  const env = {
    DATABASE_URL: schema.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: `jm-bench-${randomBytes(4).toString('hex')}:`,
  };
  const add = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jointmap-bench-'));
    dirs.push(dir);
    instances.push(await launchJointMap({ ...env, DATA_DIR: dir }));
  };
  // The first seeds the demo; the others find it.
  await add();
  await Promise.all(Array.from({ length: INSTANCES - 1 }, add));
  const pids = [...instances.map((i) => i.child.pid!), redis.pid!];
  await settledRss(pids[0]!);
  let next = 0;
  return {
    id: 'jointmap-redis3',
    label,
    pid: pids[0]!,
    pids,
    idleRss: pids.reduce((sum, pid) => sum + rssBytes(pid), 0),
    connect(doc) {
      const { port, token } = instances[next++ % INSTANCES]!;
      return yWebsocketClient(`ws://127.0.0.1:${port}/sync`, BENCH_DOC, { token }, doc);
    },
    diskBytes: () => null,
    async stop() {
      for (const i of instances) await stopChild(i.child);
      await redis.kill();
      await schema.drop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}
