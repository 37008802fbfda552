/**
 * Edit→visible latency with the document relayed between instances over Redis: 12 stock
 * y-websocket clients in one document, 3 of them writing 5 edits/s each for 15 s, spread over
 * (a) one instance on PostgreSQL without Redis, (b) one instance on PostgreSQL with the Redis relay
 * on (it publishes, nobody else listens), (c) three instances on PostgreSQL and one Redis (each
 * writer on its own instance, 4 clients per instance). Every other client records the time from
 * the edit to its map observer seeing it. Server CPU (all instances plus redis-server) per edit
 * is read from /proc. The load generator, PostgreSQL and Redis share the machine.
 */
import { rmSync } from 'node:fs';
import type * as Y from 'yjs';
import { startRedis, type PrivateRedis } from '../helpers/cluster.ts';
import { createTestSchema } from '../helpers/pg-schema.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { DEMO_OP, login, spawnServer, tempDir, type ServerProcess } from '../helpers/server.ts';
import { connectClient, type SyncClient } from '../helpers/sync-client.ts';
import { cpuSeconds, waitForQuiet } from './lib/proc.ts';
import { ms, percentile, printTable } from './lib/stats.ts';
import { sleep, until } from './lib/targets.ts';

const CLIENTS = 12;
const WRITERS = 3;
const EDITS_PER_SECOND = 5;
const SECONDS = Number(process.env.BENCH_CLUSTER_SECONDS ?? 15);
const DOC = `${DEMO_OP}/deqing-yuyue`;
/** `BENCH_CLUSTER_ORDER=redis1,plain` runs those setups in that order (default: all three). */
const ORDER = (process.env.BENCH_CLUSTER_ORDER ?? 'plain,redis1,redis3').split(',') as (
  'plain' | 'redis1' | 'redis3'
)[];

interface Result {
  setup: string;
  latencies: number[];
  expected: number;
  edits: number;
  serverCpu: number;
}

async function measure(setup: string, instances: number, redis: PrivateRedis | null): Promise<Result> {
  const schema = await createTestSchema();
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  const clients: SyncClient[] = [];
  try {
    const env: Record<string, string> = { DATABASE_URL: schema.url, LOG_LEVEL: 'error' };
    if (redis) Object.assign(env, { REDIS_URL: redis.url, REDIS_PREFIX: `jm-bench-${Date.now()}:` });
    for (let i = 0; i < instances; i++) {
      const dir = tempDir('jointmap-bench-');
      dirs.push(dir);
      servers.push(await spawnServer(dir, env));
    }
    const tokens = await Promise.all(servers.map(async (s) => (await login(s.url, 'deqing')).token));
    // Client k on instance k mod n: the writers (clients 0..WRITERS-1) each on their own instance.
    for (let k = 0; k < CLIENTS; k++) {
      const i = k % instances;
      clients.push(await connectClient(null, servers[i]!.wsUrl, DOC, tokens[i]!));
    }
    const latencies: number[] = [];
    for (const client of clients) {
      const map = client.doc.getMap('annotations');
      map.observe((event: Y.YMapEvent<unknown>) => {
        if (event.transaction.local) return;
        const now = performance.now();
        for (const key of event.keysChanged) {
          const label = (map.get(key) as { label?: string } | undefined)?.label;
          if (label?.startsWith('t=')) latencies.push(now - Number(label.slice(2)));
        }
      });
    }
    await sleep(1_000);
    await waitForQuiet();
    const pids = [...servers.map((s) => s.child.pid!), ...(redis?.pid ? [redis.pid] : [])];
    const cpu0 = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const perWriter = EDITS_PER_SECOND * SECONDS;
    const interval = 1000 / EDITS_PER_SECOND;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        const map = clients[w]!.doc.getMap('annotations');
        for (let e = 0; e < perWriter; e++) {
          const wait = t0 + e * interval + (w * interval) / WRITERS - performance.now();
          if (wait > 0) await sleep(wait);
          const id = `w${w}-${e % 10}`;
          map.set(id, { ...pointAnnotation(id, ''), label: `t=${performance.now().toFixed(3)}` });
        }
      }),
    );
    const expected = WRITERS * perWriter * (CLIENTS - 1);
    await until(() => latencies.length >= expected, 15_000, 'every edit at every client').catch(() => undefined);
    const serverCpu = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpu0;
    return { setup, latencies, expected, edits: WRITERS * perWriter, serverCpu };
  } finally {
    for (const c of clients) c.destroy();
    for (const s of servers) await s.kill('SIGTERM');
    await schema.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

export default async function run(): Promise<void> {
  console.log(
    `cluster relay: ${CLIENTS} clients in one document, ${WRITERS} writers × ${EDITS_PER_SECOND} edits/s × ${SECONDS} s; ` +
      'PostgreSQL (127.0.0.1) for every setup, a private redis-server for the relayed ones',
  );
  const redis = await startRedis(null);
  try {
    const setups = {
      plain: () => measure('1 instance, no Redis', 1, null),
      redis1: () => measure('1 instance, Redis relay on', 1, redis),
      redis3: () => measure('3 instances over Redis', 3, redis),
    };
    const results: Result[] = [];
    for (const name of ORDER) results.push(await setups[name]());
    printTable('Edit→visible (every receiving client × edit)', [
      ['setup', 'samples', 'p50', 'p99', 'max', 'server CPU per edit'],
      ...results.map((r) => [
        r.setup,
        `${r.latencies.length}/${r.expected}`,
        ms(percentile(r.latencies, 50)),
        ms(percentile(r.latencies, 99)),
        ms(Math.max(...r.latencies)),
        ms((r.serverCpu * 1000) / r.edits),
      ]),
    ]);
  } finally {
    await redis.kill();
  }
}
