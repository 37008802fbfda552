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
import { login, spawnServer, tempDir } from '../helpers/server.ts';
import { liveSocket, snapshotReceived, type LiveSocket } from './lib/live-socket.ts';
import { ProcessSampler } from './lib/proc.ts';
import { cores, Histogram, mib, ms, printTable } from './lib/stats.ts';
import { MeasureWindow, registerBenchTrackers, sendFixesEverySecond, stationOf } from './lib/tracker-load.ts';

const UNITS = Number(process.env.BENCH_POSITIONS_UNITS ?? 2_000);
const VIEWERS = Number(process.env.BENCH_POSITIONS_VIEWERS ?? 50);
const WARMUP_MS = 5_000;
const MEASURE_MS = Number(process.env.BENCH_POSITIONS_SECONDS ?? 20) * 1000;
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
  const viewers: LiveSocket[] = [];
  try {
    const pid = server.child.pid!;
    const commander = await login(server.url, 'commander');
    await registerBenchTrackers(server.url, commander.token, UNITS);
    const wall = await login(server.url, 'wall');

    const hist = new Histogram(60_000);
    /** Part of the latency spent before the server accepted the fix (receivedAt is the server's clock, same machine). */
    const acceptHist = new Histogram(60_000);
    const measured = new MeasureWindow();
    let delivered = 0;
    for (let v = 0; v < VIEWERS; v++) {
      const socket = liveSocket(server.url, wall.token);
      const first = v === 0;
      socket.on('live:positions', (msg) => {
        const now = Date.now();
        for (const p of msg.positions) {
          if (!measured.has(p.time)) continue;
          hist.add(now - p.time);
          if (first) acceptHist.add(p.receivedAt - p.time);
          delivered++;
        }
      });
      viewers.push(socket);
    }
    await Promise.all(viewers.map(snapshotReceived));

    // Senders: unit i reports at phase i/UNITS of every second.
    const positions = Array.from({ length: UNITS }, (_, i) => {
      const [lng, lat] = CENTRES[stationOf(i)]!;
      return {
        lng: lng + ((i * 7919) % 1000) / 50_000,
        lat: lat + ((i * 104729) % 1000) / 50_000,
        heading: (i * 37) % 360,
      };
    });
    const sender = sendFixesEverySecond({ url: server.url, agent, units: UNITS, measured }, (i, now) => {
      const p = positions[i]!;
      p.lng += Math.sin((p.heading * Math.PI) / 180) * 0.0001;
      p.lat += Math.cos((p.heading * Math.PI) / 180) * 0.0001;
      return `id=bench-${i}&lat=${p.lat.toFixed(7)}&lon=${p.lng.toFixed(7)}&timestamp=${now}&speed=21.6&bearing=${p.heading}&altitude=5&accuracy=5&batt=80`;
    });

    await sleep(WARMUP_MS);
    measured.start = Date.now();
    const sampler = new ProcessSampler(pid);
    const benchCpu0 = process.cpuUsage();
    await sleep(MEASURE_MS);
    measured.end = Date.now();
    const usage = sampler.stop();
    const benchCpu = process.cpuUsage(benchCpu0);
    await sender.stop();
    await sleep(1_500); // let the last fixes of the window arrive

    const { sent, accepted: ok, failed } = sender.counts;
    const seconds = (measured.end - measured.start) / 1000;
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
