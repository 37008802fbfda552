/**
 * Live positions: 2,000 units at 1 fix/s each through the HTTP OsmAnd ingest (form POSTs as
 * Traccar Client 10 sends them, keep-alive), 50 socket.io viewers of the operation. Reports ingest
 * throughput, ingest→viewer latency (from the moment each HTTP request is sent to the moment each
 * viewer receives that fix; the bench stamps the fix `timestamp` with its send time in ms and the
 * viewers run in this same process, on the same clock), delivery completeness, and the server's
 * CPU and memory (/proc of the child process).
 */
import { rmSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import { io, type Socket } from 'socket.io-client';
import { PROTOCOL_VERSION, type ClientToServerEvents, type ServerToClientEvents } from '@jointmap/shared';
import { login, spawnServer, tempDir, DEMO_OP } from '../helpers/server.ts';
import { ProcessSampler } from './lib/proc.ts';
import { cores, Histogram, mib, ms, printTable } from './lib/stats.ts';

const UNITS = Number(process.env.BENCH_POSITIONS_UNITS ?? 2_000);
const VIEWERS = Number(process.env.BENCH_POSITIONS_VIEWERS ?? 50);
const WARMUP_MS = 5_000;
const MEASURE_MS = Number(process.env.BENCH_POSITIONS_SECONDS ?? 20) * 1000;
const STATIONS = ['deqing-yuyue', 'linping-yunhe', 'tongxiang-zhouquan'];
/** Centre of each station's simulated area (WGS-84, inside its district). */
const CENTRES: Record<string, [number, number]> = {
  'deqing-yuyue': [120.27, 30.55],
  'linping-yunhe': [120.28, 30.47],
  'tongxiang-zhouquan': [120.22, 30.56],
};

export default async function run(): Promise<void> {
  const dataDir = tempDir('jointmap-bench-positions-');
  const server = await spawnServer(dataDir, { LOG_LEVEL: 'warn', INGEST_RATE_BURST: '60' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const viewers: Array<Socket<ServerToClientEvents, ClientToServerEvents>> = [];
  try {
    const pid = server.child.pid!;
    const commander = await login(server.url, 'commander');
    await registerDevices(server.url, commander.token);
    const wall = await login(server.url, 'wall');

    const hist = new Histogram(60_000);
    /** Part of the latency spent before the server accepted the fix (receivedAt is the server's clock, same machine). */
    const acceptHist = new Histogram(60_000);
    let measureStart = Number.POSITIVE_INFINITY;
    let measureEnd = Number.POSITIVE_INFINITY;
    let delivered = 0;
    for (let v = 0; v < VIEWERS; v++) {
      const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(server.url, {
        auth: { token: wall.token, protocolVersion: PROTOCOL_VERSION, operationId: DEMO_OP },
        transports: ['websocket'],
        forceNew: true,
      });
      const first = v === 0;
      socket.on('live:positions', (msg) => {
        const now = Date.now();
        for (const p of msg.positions) {
          if (p.time < measureStart || p.time >= measureEnd) continue;
          hist.add(now - p.time);
          if (first) acceptHist.add(p.receivedAt - p.time);
          delivered++;
        }
      });
      viewers.push(socket);
    }
    await Promise.all(
      viewers.map(
        (s) =>
          new Promise<void>((resolve, reject) => {
            s.once('live:snapshot', () => resolve());
            s.once('connect_error', reject);
          }),
      ),
    );

    // Senders: unit i reports at phase i/UNITS of every second.
    let sent = 0;
    let ok = 0;
    let failed = 0;
    let stopAt = Number.POSITIVE_INFINITY;
    const t0 = Date.now() + 200;
    const positions = Array.from({ length: UNITS }, (_, i) => {
      const [lng, lat] = CENTRES[STATIONS[i % STATIONS.length]!]!;
      return {
        lng: lng + ((i * 7919) % 1000) / 50_000,
        lat: lat + ((i * 104729) % 1000) / 50_000,
        heading: (i * 37) % 360,
      };
    });
    const sendOne = (i: number) => {
      const p = positions[i]!;
      p.lng += Math.sin((p.heading * Math.PI) / 180) * 0.0001;
      p.lat += Math.cos((p.heading * Math.PI) / 180) * 0.0001;
      const now = Date.now();
      const body = `id=bench-${i}&lat=${p.lat.toFixed(7)}&lon=${p.lng.toFixed(7)}&timestamp=${now}&speed=21.6&bearing=${p.heading}&altitude=5&accuracy=5&batt=80`;
      sent++;
      const inWindow = now >= measureStart && now < measureEnd;
      const req = http.request(
        `${server.url}/api/positions/osmand`,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          if (!inWindow) return;
          if (res.statusCode === 200) ok++;
          else failed++;
        },
      );
      req.on('error', () => inWindow && failed++);
      req.end(body);
    };
    const sender = new Promise<void>((resolve) => {
      let next = 0;
      const pump = () => {
        const now = Date.now();
        if (now >= stopAt) return resolve();
        // Everything due by now: unit i of second k is due at t0 + k·1000 + i·1000/UNITS.
        const due = Math.floor(((now - t0) * UNITS) / 1000);
        while (next <= due) {
          sendOne(next % UNITS);
          next++;
        }
        setTimeout(pump, 2);
      };
      pump();
    });

    await sleep(WARMUP_MS);
    measureStart = Date.now();
    const sampler = new ProcessSampler(pid);
    const benchCpu0 = process.cpuUsage();
    await sleep(MEASURE_MS);
    measureEnd = Date.now();
    const usage = sampler.stop();
    const benchCpu = process.cpuUsage(benchCpu0);
    stopAt = Date.now();
    await sender;
    await sleep(1_500); // let the last fixes of the window arrive

    const seconds = (measureEnd - measureStart) / 1000;
    const expected = ok * VIEWERS;
    printTable(
      `positions ingest: ${UNITS} units × 1 fix/s over HTTP, ${VIEWERS} socket.io viewers, ${seconds.toFixed(0)} s measured`,
      [
        ['figure', 'value', 'target'],
        ['fixes sent (window)', String(Math.round(seconds * UNITS)), ''],
        ['ingest throughput', `${(ok / seconds).toFixed(0)} fixes/s accepted, ${failed} refused/failed`, `${UNITS}/s`],
        ['ingest→viewer p50', ms(hist.percentile(50)), ''],
        ['ingest→viewer p99', ms(hist.percentile(99)), '≤ 100 ms'],
        ['ingest→viewer max', ms(hist.max()), ''],
        [
          'of which send→server accepted p50 / p99',
          `${ms(acceptHist.percentile(50))} / ${ms(acceptHist.percentile(99))}`,
          '',
        ],
        [
          'deliveries',
          `${delivered} of ${expected} (${((100 * delivered) / Math.max(1, expected)).toFixed(2)} %)`,
          '100 %',
        ],
        ['server CPU', `${cores(usage.cores)} cores`, '< 1 core'],
        ['server RSS', `${mib(usage.endRss)} (peak ${mib(usage.peakRss)})`, ''],
        [
          'bench process CPU',
          `${cores((benchCpu.user + benchCpu.system) / 1e6 / seconds)} cores (load generator + 50 viewers)`,
          '',
        ],
      ],
    );
    console.log(
      `  total sent ${sent}; load average at the end ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (other processes on the machine inflate the tail)`,
    );
  } finally {
    for (const v of viewers) v.disconnect();
    agent.destroy();
    await server.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Register UNITS trackers (bench-<i> → unit bench-u-<i>) over REST, a few at a time; each unit
 * record goes into its station's roster first (trackers register only to units of the roster).
 */
async function registerDevices(url: string, token: string): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < UNITS) {
      const i = next++;
      const unit = await fetch(`${url}/api/operations/${DEMO_OP}/units`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          id: `bench-u-${i}`,
          callsign: `bench ${i}`,
          kind: 'car',
          stationId: STATIONS[i % STATIONS.length],
        }),
      });
      if (!unit.ok) throw new Error(`unit bench-u-${i}: ${unit.status} ${await unit.text()}`);
      const res = await fetch(`${url}/api/devices`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          id: `bench-${i}`,
          stationId: STATIONS[i % STATIONS.length],
          unitId: `bench-u-${i}`,
          label: `bench ${i}`,
        }),
      });
      if (!res.ok) throw new Error(`register bench-${i}: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
