import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import type * as Y from 'yjs';
import { canonicalJson } from './canonical-json.ts';
import { createTestSchema, type TestSchema } from './pg-schema.ts';
import { login, spawnServer, tempDir, type LoginResult, type ServerProcess, type Teardown } from './server.ts';

/**
 * A private redis-server on a free port, for one test (never the machine's shared Redis, which
 * other runs use): killed and started again on the same port to play a Redis restart.
 */
export interface PrivateRedis {
  port: number;
  url: string;
  /** Its process id while it runs. */
  readonly pid: number | undefined;
  /** Kill it (SIGKILL: nothing is saved, as after a crash). */
  kill(): Promise<void>;
  /** Start it again on the same port (empty: it keeps nothing). */
  start(): Promise<void>;
}

export async function startRedis(t: Teardown | null): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const redis: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    async kill() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
    async start() {
      if (child) return;
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
        { stdio: 'ignore' },
      );
      await waitForPort(port, 10_000);
    },
  };
  await redis.start();
  t?.onTestFinished(() => redis.kill());
  return redis;
}

export interface Cluster {
  schema: TestSchema;
  redis: PrivateRedis;
  /** Every instance started, in order (killed ones stay in the list). */
  instances: ServerProcess[];
  /** The environment the instances run with (to start one more). */
  env: Record<string, string>;
  login(instance: ServerProcess, username: string): Promise<LoginResult>;
  /** Start one more instance on the same PostgreSQL schema and Redis. */
  add(): Promise<ServerProcess>;
}

/**
 * `n` server processes on one fresh PostgreSQL schema and one private Redis (with a key prefix
 * of their own), the demo seeded by the first. Registers its own teardown.
 */
export async function startCluster(t: Teardown, n: number, env: Record<string, string> = {}): Promise<Cluster> {
  const redis = await startRedis(t);
  const schema = await createTestSchema();
  const dirs: string[] = [];
  const instances: ServerProcess[] = [];
  t.onTestFinished(async () => {
    await Promise.all(instances.map((i) => i.kill('SIGKILL')));
    await schema.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const clusterEnv = {
    DATABASE_URL: schema.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: `jm-test-${randomBytes(4).toString('hex')}:`,
    ...env,
  };
  const add = async () => {
    const dir = tempDir('jointmap-cluster-');
    dirs.push(dir);
    const instance = await spawnServer(dir, clusterEnv);
    instances.push(instance);
    return instance;
  };
  // The first seeds the demo; the others find it.
  await add();
  await Promise.all(Array.from({ length: n - 1 }, add));
  return {
    schema,
    redis,
    instances,
    env: clusterEnv,
    login: (instance, username) => login(instance.url, username),
    add,
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const start = Date.now();
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() - start > timeoutMs) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The whole document as canonical JSON: every top-level type it holds (all are maps). */
export function docJson(doc: Y.Doc): string {
  for (const name of [...doc.share.keys()]) doc.getMap(name);
  return canonicalJson(doc.toJSON());
}

/**
 * Collect the payloads published on a Redis channel (a raw RESP subscriber: the test package does
 * not depend on a Redis client). Resolves once subscribed.
 */
export async function watchChannel(t: Teardown, port: number, channel: string): Promise<{ payloads: Buffer[] }> {
  const socket = connect(port, '127.0.0.1');
  t.onTestFinished(() => socket.destroy());
  let buffered = Buffer.alloc(0);
  let subscribed = false;
  const watch = { payloads: [] as Buffer[] };
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('data', (d: Buffer) => {
      buffered = Buffer.concat([buffered, d]);
      for (;;) {
        const frame = readPush(buffered);
        if (!frame) break;
        buffered = buffered.subarray(frame.length);
        if (frame.parts[0]?.toString() === 'subscribe' && !subscribed) {
          subscribed = true;
          resolve();
        }
        if (frame.parts[0]?.toString() === 'message') watch.payloads.push(frame.parts[2]!);
      }
    });
    socket.write(`*2\r\n$9\r\nSUBSCRIBE\r\n$${Buffer.byteLength(channel)}\r\n${channel}\r\n`);
  });
  return watch;
}

/** One RESP2 array of bulk strings or integers at the start of `buf` (null: not complete yet). */
function readPush(buf: Buffer): { parts: Buffer[]; length: number } | null {
  let pos = 0;
  const line = (): string | null => {
    const end = buf.indexOf('\r\n', pos);
    if (end < 0) return null;
    const text = buf.subarray(pos, end).toString();
    pos = end + 2;
    return text;
  };
  const head = line();
  if (head === null || !head.startsWith('*')) return null;
  const parts: Buffer[] = [];
  for (let i = 0; i < Number(head.slice(1)); i++) {
    const item = line();
    if (item === null) return null;
    if (item.startsWith(':')) {
      parts.push(Buffer.from(item.slice(1)));
      continue;
    }
    const len = Number(item.slice(1));
    if (buf.length < pos + len + 2) return null;
    parts.push(buf.subarray(pos, pos + len));
    pos += len + 2;
  }
  return { parts, length: pos };
}

/** Whether a relay payload (server/src/cluster/relay-codec.ts) carries a document update. */
export function isUpdatePayload(payload: Buffer): boolean {
  const idLength = payload[0]!;
  return payload[1 + idLength] === 0;
}
