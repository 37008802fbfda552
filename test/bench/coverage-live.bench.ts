/**
 * Coverage on the live channel: a 德清 unit's tracker sweeps a 1 km square sector assigned to 德清
 * (lawn-mower passes at the sweep width, one fix every 25 m, sent through the real OsmAnd ingest
 * at 4 requests/s) while a socket.io viewer follows the operation. For every fix that swept new
 * ground, the time from sending the fix to the first `live:coverage` message showing the sector's
 * higher percentage (target ≤ 1 s; the server batches changes per `COVERAGE_FLUSH_MS`, 250 ms).
 * Sender and viewer run in this process on one `performance.now()` clock.
 */
import { rmSync } from 'node:fs';
import { io, type Socket } from 'socket.io-client';
import {
  COMMAND_SCOPE,
  PROTOCOL_VERSION,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@jointmap/shared';
import { login, spawnServer, tempDir, DEMO_OP } from '../helpers/server.ts';
import { newTaskId, OperationConsole, type ConsoleServer } from '../helpers/op-console.ts';
import { DEQING, squareSectorSearch } from '../helpers/tasks.ts';
import { ms, percentile, printTable } from './lib/stats.ts';

const SW: [number, number] = [120.27, 30.53];
const SIDE_M = 1000;
const SWEEP_M = 50;
const STEP_M = 25;
const M_PER_DEG_LAT = 111_195;
const M_PER_DEG_LNG = M_PER_DEG_LAT * Math.cos((SW[1] * Math.PI) / 180);
const NE: [number, number] = [SW[0] + SIDE_M / M_PER_DEG_LNG, SW[1] + SIDE_M / M_PER_DEG_LAT];
const FIXES = Number(process.env.BENCH_COVERAGE_FIXES ?? 240);
const SEND_EVERY_MS = 250;
const TARGET_MS = 1000;

const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

function lawnMower(): Array<[number, number]> {
  const passes = Math.ceil(SIDE_M / SWEEP_M);
  const steps = Math.ceil(SIDE_M / STEP_M);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < passes; i++) {
    const lat = SW[1] + ((i + 0.5) * (NE[1] - SW[1])) / passes;
    for (let k = 0; k <= steps; k++) {
      const f = i % 2 === 0 ? k / steps : 1 - k / steps;
      out.push([SW[0] + f * (NE[0] - SW[0]), lat]);
    }
  }
  return out;
}

export default async function run(): Promise<void> {
  const dataDir = tempDir('jointmap-bench-coverage-');
  const server = await spawnServer(dataDir, { LOG_LEVEL: 'warn' });
  const target: ConsoleServer = { url: server.url, wsUrl: server.wsUrl, login: (u) => login(server.url, u) };
  let commander: OperationConsole | null = null;
  let socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  try {
    commander = await OperationConsole.open(null, target, 'commander');
    const { sector, change } = squareSectorSearch({
      taskId: newTaskId(),
      commanderId: commander.user.id,
      sw: SW,
      ne: NE,
      stationId: DEQING,
      sweepWidthM: SWEEP_M,
    });
    commander.write(COMMAND_SCOPE, change);

    const { token } = await login(server.url, 'wall');
    socket = io(server.url, {
      auth: { token, protocolVersion: PROTOCOL_VERSION, operationId: DEMO_OP },
      transports: ['websocket'],
      forceNew: true,
    });
    /** Each coverage value the viewer saw for the sector, with when it arrived. */
    const seen: Array<{ at: number; fraction: number }> = [];
    let full = false;
    socket.on('live:coverage', (m) => {
      const at = performance.now();
      if (m.full) full = true;
      const s = m.sectors.find((x) => x.sectorId === sector.id);
      if (s) seen.push({ at, fraction: s.fraction });
    });
    const deadline = Date.now() + 10_000;
    while (!(full && seen.length) && Date.now() < deadline) await sleep(20);
    if (!full) throw new Error('no full coverage message after join');

    const path = lawnMower().slice(0, FIXES);
    const sent: Array<{ at: number; time: number }> = [];
    const t0 = Date.now();
    for (let i = 0; i < path.length; i++) {
      const [lon, lat] = path[i]!;
      const time = t0 + i * 1000; // 1 Hz fix times, sent four times faster than real time
      const q = new URLSearchParams({
        id: 'demo-yuyue-01',
        lat: String(lat),
        lon: String(lon),
        timestamp: String(time / 1000),
        speed: '20',
      });
      const at = performance.now();
      const res = await fetch(`${server.url}/api/positions/osmand?${q}`, { method: 'POST' });
      if (res.status !== 200) throw new Error(`fix ${i}: ${res.status} ${await res.text()}`);
      sent.push({ at, time });
      await sleep(Math.max(0, SEND_EVERY_MS - (performance.now() - at)));
    }
    await sleep(1500);

    // For each fix: the first message after it whose fraction is above what was shown before it.
    const latencies: number[] = [];
    let unchanged = 0;
    for (const s of sent) {
      const before = [...seen].reverse().find((x) => x.at <= s.at)?.fraction ?? 0;
      const after = seen.find((x) => x.at > s.at && x.fraction > before);
      if (after) latencies.push(after.at - s.at);
      else unchanged++;
    }
    latencies.sort((a, b) => a - b);
    const last = seen[seen.length - 1]?.fraction ?? 0;
    console.log(
      `  ${sent.length} fixes through the ingest, sector coverage ${(last * 100).toFixed(1)} % at the end, ${seen.length} coverage values received`,
    );
    printTable('Coverage on the live channel', [
      ['what', 'n', 'p50', 'p95', 'p99', 'max', 'target'],
      [
        'fix sent → viewer sees the higher %',
        String(latencies.length),
        ms(percentile(latencies, 50)),
        ms(percentile(latencies, 95)),
        ms(percentile(latencies, 99)),
        ms(latencies[latencies.length - 1] ?? 0),
        `≤ ${TARGET_MS} ms`,
      ],
    ]);
    if (unchanged) console.log(`  (${unchanged} fixes were followed by no higher value: nothing new swept)`);
  } finally {
    socket?.disconnect();
    commander?.destroy();
    await server.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
