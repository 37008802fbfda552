/**
 * Live positions over several instances: the same tracker load through 1 and through 3 server
 * processes on one PostgreSQL schema and one Redis prefix, trackers spread round-robin over the
 * instances (as a balancer sends them), viewers spread the same way. Reports ingest→viewer
 * latency (fix `timestamp` = its send time; viewers in this process, same clock), deliveries,
 * and the servers' CPU summed. The load generator, the viewers, PostgreSQL and Redis share the
 * 2 cores with the servers.
 */
import { rmSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import { io, type Socket } from 'socket.io-client';
import { PROTOCOL_VERSION, type ClientToServerEvents, type ServerToClientEvents } from '@jointmap/shared';
import { createTestSchema } from '../helpers/pg-schema.ts';
import { SHARED_REDIS_URL, uniquePrefix } from '../cluster/live-pair.ts';
import { DEMO_OP, login, spawnServer, tempDir, type ServerProcess } from '../helpers/server.ts';
import { registerUnits } from './lib/moving-units.ts';
import { ProcessSampler } from './lib/proc.ts';
import { cores, Histogram, ms, printTable } from './lib/stats.ts';

const UNITS = Number(process.env.BENCH_CLUSTER_UNITS ?? 500);
const VIEWERS = Number(process.env.BENCH_CLUSTER_VIEWERS ?? 12);
const WARMUP_MS = 4_000;
const MEASURE_MS = Number(process.env.BENCH_CLUSTER_SECONDS ?? 15) * 1000;

type Viewer = Socket<ServerToClientEvents, ClientToServerEvents>;

/** BENCH_CLUSTER_CAPACITY=1: tracker counts tried in turn, until p99 passes the target. */
const CAPACITY_STEPS = (process.env.BENCH_CLUSTER_STEPS ?? '250,500,1000,1500,2000,3000').split(',').map(Number);
const TARGET_P99_MS = 100;

export default async function run(): Promise<void> {
  if (process.env.BENCH_CLUSTER_CAPACITY === '1') return capacity();
  const rows: string[][] = [['instances', 'p50', 'p99', 'max', 'deliveries', 'servers CPU', 'accepted/s']];
  for (const instances of [1, 3]) rows.push((await measure(instances, UNITS)).row);
  printTable(
    `positions over instances: ${UNITS} trackers × 1 fix/s, ${VIEWERS} viewers, PostgreSQL + Redis, ${MEASURE_MS / 1000} s measured each`,
    rows,
  );
  console.log(
    `  load average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; the load generator, viewers, PostgreSQL and Redis run on the same 2 cores`,
  );
}

/**
 * The largest tracker count (of the steps) each setup holds with position→viewer p99 within the
 * target and every fix accepted; stops a setup at its first miss.
 */
async function capacity(): Promise<void> {
  const rows: string[][] = [
    ['instances', 'trackers', 'p50', 'p99', 'max', 'deliveries', 'servers CPU', 'accepted/s', 'holds'],
  ];
  const held: Record<number, number> = {};
  for (const instances of [1, 3]) {
    for (const units of CAPACITY_STEPS) {
      const { row, p99, acceptedShare } = await measure(instances, units);
      const holds = p99 <= TARGET_P99_MS && acceptedShare >= 0.99;
      rows.push([row[0]!, String(units), ...row.slice(1), holds ? 'yes' : 'no']);
      console.log(`  ${instances} instance(s), ${units} trackers: p99 ${row[2]}, ${holds ? 'holds' : 'misses'}`);
      if (!holds) break;
      held[instances] = units;
    }
  }
  printTable(
    `capacity: trackers at 1 fix/s held with position→viewer p99 ≤ ${TARGET_P99_MS} ms (${VIEWERS} viewers, PostgreSQL + Redis, ${MEASURE_MS / 1000} s each)`,
    rows,
  );
  console.log(
    `  largest held: 1 instance ${held[1] ?? 'none'}, 3 instances ${held[3] ?? 'none'} (of ${CAPACITY_STEPS.join(', ')}); load average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; the load generator, viewers, PostgreSQL and Redis share the 2 cores`,
  );
}

async function measure(
  instances: number,
  trackers: number,
): Promise<{ row: string[]; p99: number; acceptedShare: number }> {
  const schema = await createTestSchema();
  const env = {
    DATABASE_URL: schema.url,
    REDIS_URL: SHARED_REDIS_URL,
    REDIS_PREFIX: uniquePrefix(),
    LOG_LEVEL: 'warn',
    INGEST_RATE_BURST: '60',
  };
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  const viewers: Viewer[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    for (let i = 0; i < instances; i++) {
      dirs.push(tempDir('jointmap-bench-cluster-'));
      servers.push(await spawnServer(dirs[i]!, env)); // one after the other: the first seeds
    }
    const commander = await login(servers[0]!.url, 'commander');
    await registerUnits(servers[0]!.url, commander.token, trackers);
    const wall = await login(servers[0]!.url, 'wall');
    const hist = new Histogram(60_000);
    let window: [number, number] = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
    let delivered = 0;
    for (let v = 0; v < VIEWERS; v++) {
      const socket: Viewer = io(servers[v % instances]!.url, {
        auth: { token: wall.token, protocolVersion: PROTOCOL_VERSION, operationId: DEMO_OP },
        transports: ['websocket'],
        forceNew: true,
      });
      socket.on('live:positions', (msg) => {
        const now = Date.now();
        for (const p of msg.positions) {
          if (p.time < window[0] || p.time >= window[1]) continue;
          hist.add(now - p.time);
          delivered++;
        }
      });
      viewers.push(socket);
    }
    await Promise.all(viewers.map((s) => new Promise((resolve) => s.once('live:snapshot', resolve))));

    let ok = 0;
    let stop = false;
    const t0 = Date.now() + 200;
    const sendOne = (i: number) => {
      const now = Date.now();
      const body = `id=bench-d-${i}&lat=${(30.5 + (i % 100) / 1000).toFixed(5)}&lon=${(120.2 + (now % 100_000) / 1e7).toFixed(7)}&timestamp=${now}`;
      const inWindow = now >= window[0] && now < window[1];
      const req = http.request(
        `${servers[i % instances]!.url}/api/positions/osmand`,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          if (inWindow && res.statusCode === 200) ok++;
        },
      );
      req.on('error', () => undefined);
      req.end(body);
    };
    const sender = new Promise<void>((resolve) => {
      let next = 0;
      const pump = () => {
        if (stop) return resolve();
        const due = Math.floor(((Date.now() - t0) * trackers) / 1000);
        for (; next <= due; next++) sendOne(next % trackers);
        setTimeout(pump, 2);
      };
      pump();
    });
    await sleep(WARMUP_MS);
    const samplers = servers.map((s) => new ProcessSampler(s.child.pid!));
    window = [Date.now(), Date.now() + MEASURE_MS];
    await sleep(MEASURE_MS);
    const cpu = samplers.reduce((sum, s) => sum + s.stop().cores, 0);
    stop = true;
    await sender;
    await sleep(1_500);
    const expected = ok * VIEWERS;
    const row = [
      String(instances),
      ms(hist.percentile(50)),
      ms(hist.percentile(99)),
      ms(hist.max()),
      `${((100 * delivered) / Math.max(1, expected)).toFixed(2)} %`,
      `${cores(cpu)} cores`,
      (ok / (MEASURE_MS / 1000)).toFixed(0),
    ];
    return { row, p99: hist.percentile(99), acceptedShare: ok / ((trackers * MEASURE_MS) / 1000) };
  } finally {
    for (const v of viewers) v.disconnect();
    agent.destroy();
    for (const s of servers) await s.kill('SIGTERM');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await schema.drop();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
