/**
 * Track retention (docs/retention.md): bytes per fix as stored, disk per day at 2,000 trackers at
 * 1 fix/s before and after thinning, thinning throughput, a one-hour track query in a store of
 * ≥ 20 million fixes over 30 days, and ingest latency while the retention job runs on that store.
 * `BENCH_RETENTION_UNITS` (default 700 sparse units × 28,800 fixes) scales the large store;
 * `BENCH_RETENTION_TRACKERS` (default 2,000) the ingest load.
 */
import { rmSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import { RetentionJob } from '@jointmap/server/retention/retention-job';
import { thinTrack, trackDeviationM } from '@jointmap/server/retention/thin-track';
import { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import type { PositionFix } from '@jointmap/server/storage/types';
import { login, spawnServer, tempDir, DEMO_OP } from '../helpers/server.ts';
import { fillDense, fillSparse, patrolDrive, trackBytes } from './lib/retention-data.ts';
import { Histogram, mib, ms, percentile, printTable } from './lib/stats.ts';

const DAY = 86_400_000;
const TRACKERS = Number(process.env.BENCH_RETENTION_TRACKERS ?? 2_000);
const SPARSE_UNITS = Number(process.env.BENCH_RETENTION_UNITS ?? 700);
const SPARSE_COUNT = 28_800; // 30 days, one fix every 90 s
const DENSE_UNITS = 300; // 1 Hz for an hour, 10 days ago: what the job thins
const POLICY = { fullDays: 7, keepDays: 90, toleranceM: 10, batch: 250 };
const FIXES_PER_DAY = 2_000 * 86_400;
const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

export default async function run(): Promise<void> {
  // BENCH_RETENTION_ONLY_LARGE=1: only the large store (query and ingest while the job runs).
  if (process.env.BENCH_RETENTION_ONLY_LARGE === '1') return largeStore();
  const bytesPerFix = await storedBytes();
  const { kept } = await thinning(bytesPerFix);
  printTable('disk per day, 2,000 trackers at 1 fix/s (172.8 M fixes/day)', [
    ['', 'fixes/day', 'disk/day'],
    ['full resolution', '172.8 M', gb(FIXES_PER_DAY * bytesPerFix)],
    ['after thinning', `${((FIXES_PER_DAY * kept) / 1e6).toFixed(1)} M`, gb(FIXES_PER_DAY * kept * bytesPerFix)],
    ['floor (one fix a minute)', '2.9 M', gb(2_000 * 1_440 * bytesPerFix)],
  ]);
  await largeStore();
}

/** A: bytes per fix through the real write path (group commits of one second of 2,000 trackers). */
async function storedBytes(): Promise<number> {
  const dir = tempDir('jointmap-bench-retention-a-');
  try {
    const storage = new SqliteStorage(dir);
    const start = Date.now() - 3_600_000;
    const drives = Array.from({ length: 2_000 }, (_, i) => patrolDrive(`st-${i % 3}`, `u-${i}`, start, 120, i + 1));
    for (let s = 0; s < 120; s++) await storage.appendPositions(drives.map((d) => d[s]!));
    await storage.close();
    const { bytes, rows } = await trackBytes(dir);
    printTable('bytes per fix as stored (track table with its key; 2,000 units × 120 s through appendPositions)', [
      ['rows', 'bytes', 'bytes/fix'],
      [String(rows), String(bytes), (bytes / rows).toFixed(1)],
    ]);
    return bytes / rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** B: the thinning rule on realistic drives (pure, one core), then the job through SQLite. */
async function thinning(bytesPerFix: number): Promise<{ kept: number }> {
  const start = Date.now() - 10 * DAY;
  const drives = Array.from({ length: 200 }, (_, i) => patrolDrive(`st-${i % 3}`, `u-${i}`, start, 3_600, i + 7));
  const total = drives.length * 3_600;
  let keptCount = 0;
  let worst = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const keptTracks: PositionFix[][] = [];
  for (const d of drives) {
    const keep = thinTrack(d, { toleranceM: POLICY.toleranceM });
    const k = d.filter((_, i) => keep[i]);
    keptCount += k.length;
    keptTracks.push(k);
  }
  const pureWall = (performance.now() - t0) / 1000;
  const pureCpu = cpuSeconds(process.cpuUsage(cpu0));
  drives.forEach((d, i) => (worst = Math.max(worst, trackDeviationM(d, keptTracks[i]!))));

  const dir = tempDir('jointmap-bench-retention-b-');
  let jobRate = 0;
  let after = { bytes: 0, rows: 0 };
  let before = { bytes: 0, rows: 0 };
  try {
    const storage = new SqliteStorage(dir);
    for (let s = 0; s < 3_600; s++) await storage.appendPositions(drives.map((d) => d[s]!));
    await storage.close();
    before = await trackBytes(dir);
    const reopened = new SqliteStorage(dir);
    const job = new RetentionJob({ store: reopened, policy: POLICY });
    const c0 = process.cpuUsage();
    const result = await job.run();
    const jobCpu = cpuSeconds(process.cpuUsage(c0));
    jobRate = result.thinScanned / jobCpu;
    await reopened.close();
    after = await trackBytes(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const kept = keptCount / total;
  printTable(`thinning: 200 patrol cars × 1 h at 1 Hz (${total} fixes), tolerance ${POLICY.toleranceM} m`, [
    ['figure', 'value'],
    ['fixes kept', `${keptCount} (${(100 * kept).toFixed(1)} %; one a minute alone is 1.7 %)`],
    ['largest distance of an original fix from the thinned line', `${worst.toFixed(2)} m`],
    [
      'thinning rule alone, one core',
      `${(total / pureCpu / 1e6).toFixed(2)} M fixes/s CPU (${pureWall.toFixed(2)} s wall)`,
    ],
    [
      'retention job through SQLite (read, thin, delete, batches of 250)',
      `${(jobRate / 1e3).toFixed(0)} k fixes/s CPU`,
    ],
    [
      'track table before → after',
      `${mib(before.bytes)} → ${mib(after.bytes)} (${before.rows} → ${after.rows} rows; freed pages are reused by new fixes)`,
    ],
    ['bytes per kept fix after thinning in place', (after.bytes / Math.max(1, after.rows)).toFixed(1)],
  ]);
  void bytesPerFix;
  return { kept };
}

/** C and D: a store of ≥ 20 M fixes over 30 days; one-hour queries; ingest while the job runs. */
async function largeStore(): Promise<void> {
  const dir = tempDir('jointmap-bench-retention-c-');
  try {
    await new SqliteStorage(dir).close();
    const now = Date.now();
    const g0 = performance.now();
    await fillSparse(dir, SPARSE_UNITS, SPARSE_COUNT, now - 30 * DAY, 90_000);
    await fillDense(dir, 'dense-u-', DENSE_UNITS, 3_600, now - 10 * DAY);
    const genSeconds = (performance.now() - g0) / 1000;
    const size = await trackBytes(dir);
    console.log(
      `\n  store: ${(size.rows / 1e6).toFixed(2)} M fixes over 30 days (${SPARSE_UNITS} units every 90 s + ${DENSE_UNITS} units at 1 Hz for an hour), ${gb(size.bytes)}, built in ${genSeconds.toFixed(0)} s`,
    );

    // C: one unit's hour, through the storage's own query (key: station, unit, time).
    const storage = new SqliteStorage(dir);
    const sparse: number[] = [];
    const dense: number[] = [];
    let denseCount = 0;
    for (let q = 0; q < 200; q++) {
      const u = (q * 7919) % SPARSE_UNITS;
      const from = now - 30 * DAY + ((q * 104_729) % (29 * 24)) * 3_600_000;
      const t0 = performance.now();
      await storage.track(`st-${u % 3}`, `gen-u-${u}`, from, from + 3_600_000, 50_000);
      sparse.push(performance.now() - t0);
    }
    for (let q = 0; q < 50; q++) {
      const u = (q * 31) % DENSE_UNITS;
      const t0 = performance.now();
      denseCount = (
        await storage.track(`st-${u % 3}`, `dense-u-${u}`, now - 10 * DAY, now - 10 * DAY + 3_600_000, 50_000)
      ).length;
      dense.push(performance.now() - t0);
    }
    await storage.close();
    printTable(`one-hour track query of one unit, store of ${(size.rows / 1e6).toFixed(1)} M fixes`, [
      ['query', 'fixes returned', 'p50', 'p99', 'max', 'target'],
      [
        'an hour at one fix / 90 s (200 units, random hours)',
        '40',
        ms(percentile(sparse, 50)),
        ms(percentile(sparse, 99)),
        ms(Math.max(...sparse)),
        '≤ 50 ms',
      ],
      [
        'an hour at 1 Hz (50 queries)',
        String(denseCount),
        ms(percentile(dense, 50)),
        ms(percentile(dense, 99)),
        ms(Math.max(...dense)),
        '≤ 50 ms',
      ],
    ]);

    await ingestWhileRetention(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** D: TRACKERS trackers at 1 fix/s over HTTP; ack latency before and while the job runs. */
async function ingestWhileRetention(dir: string): Promise<void> {
  // TRACK_KEEP_DAYS=20: the run drops the oldest third of the store and thins the dense hour.
  const server = await spawnServer(dir, { TRACK_KEEP_DAYS: '20', RETENTION_INTERVAL_MS: '0', INGEST_RATE_BURST: '60' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const commander = await login(server.url, 'commander');
    await registerTrackers(server.url, commander.token);
    let hist = new Histogram(60_000);
    let failed = 0;
    let stop = false;
    const t0 = Date.now() + 100;
    const pump = new Promise<void>((resolve) => {
      let next = 0;
      const tick = () => {
        if (stop) return resolve();
        const due = Math.floor(((Date.now() - t0) * TRACKERS) / 1000);
        while (next <= due) sendFix(next++ % TRACKERS);
        setTimeout(tick, 2);
      };
      tick();
    });
    const sendFix = (i: number) => {
      const sent = performance.now();
      const body = `id=rbench-${i}&lat=${(30.5 + (i % 100) * 1e-3).toFixed(6)}&lon=${(120.3 + Math.random() * 1e-3).toFixed(6)}&timestamp=${Date.now()}&speed=20&bearing=90`;
      const h = hist;
      const req = http.request(
        `${server.url}/api/positions/osmand`,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          if (res.statusCode === 200) h.add(performance.now() - sent);
          else failed++;
        },
      );
      req.on('error', () => failed++);
      req.end(body);
    };
    await sleep(5_000);
    hist = new Histogram(60_000);
    await sleep(15_000);
    const baseline = hist.summary();
    const baseFailed = failed;

    hist = new Histogram(60_000);
    const jobStart = Date.now();
    const runReq = http.request(
      `${server.url}/api/retention/run`,
      { method: 'POST', headers: { authorization: `Bearer ${commander.token}` } },
      (res) => res.resume(),
    );
    runReq.on('error', () => undefined);
    runReq.end();
    let status = null as JobStatus | null;
    const limit = Number(process.env.BENCH_RETENTION_MAX_JOB_S ?? 90) * 1000;
    while (Date.now() - jobStart < limit) {
      await sleep(1_000);
      const res = await fetch(`${server.url}/api/retention`, {
        headers: { authorization: `Bearer ${commander.token}` },
      });
      status = (await res.json()) as JobStatus;
      if (status && !status.running && status.lastRun && status.lastRun.startedAt >= jobStart - 1000) break;
    }
    const during = hist.summary();
    const jobSeconds = (Date.now() - jobStart) / 1000;
    stop = true;
    await pump;
    const done = status?.lastRun && !status.running;
    printTable(
      `ingest while the retention job runs: ${TRACKERS} trackers at 1 fix/s over HTTP (request → acknowledged)`,
      [
        ['window', 'fixes', 'p50', 'p99', 'max', 'refused', 'target'],
        [
          '15 s before the job',
          String(baseline.n),
          ms(baseline.p50),
          ms(baseline.p99),
          ms(baseline.max),
          String(baseFailed),
          '',
        ],
        [
          `job ${done ? 'run' : 'still running'} (${jobSeconds.toFixed(0)} s)`,
          String(during.n),
          ms(during.p50),
          ms(during.p99),
          ms(during.max),
          String(failed - baseFailed),
          'p99 ≤ 100 ms',
        ],
      ],
    );
    const r = done ? status?.lastRun : status?.running;
    if (r) {
      console.log(
        `  job${done ? '' : ' so far'}: units ${r.unitsDone}/${r.unitsTotal}, dropped ${r.dropped}, thinned ${r.thinRemoved} of ${r.thinScanned} scanned, ${r.batches} transactions, the longest held the event loop ${r.longestBatchMs?.toFixed(1) ?? '?'} ms (CPU ${r.longestBatchCpuMs?.toFixed(1) ?? '?'} ms), 99 % of them ≤ ${r.batchP99Ms ?? '?'} ms; load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
      );
    }
  } finally {
    agent.destroy();
    await server.kill('SIGTERM');
  }
}

async function registerTrackers(url: string, token: string): Promise<void> {
  const stations = ['deqing-yuyue', 'linping-yunhe', 'tongxiang-zhouquan'];
  let next = 0;
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const worker = async () => {
    while (next < TRACKERS) {
      const i = next++;
      const stationId = stations[i % 3];
      const unit = await post(`/api/operations/${DEMO_OP}/units`, {
        id: `rbench-u-${i}`,
        callsign: `rb ${i}`,
        kind: 'car',
        stationId,
      });
      if (!unit.ok) throw new Error(`unit ${i}: ${unit.status} ${await unit.text()}`);
      const dev = await post('/api/devices', {
        id: `rbench-${i}`,
        stationId,
        unitId: `rbench-u-${i}`,
        label: `rb ${i}`,
      });
      if (!dev.ok) throw new Error(`tracker ${i}: ${dev.status} ${await dev.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

interface RunFigures {
  thinScanned: number;
  thinRemoved: number;
  dropped: number;
  batches: number;
  longestBatchMs?: number;
  longestBatchCpuMs?: number;
  batchP99Ms?: number;
  startedAt: number;
  unitsDone: number;
  unitsTotal: number;
}
interface JobStatus {
  running: RunFigures | null;
  lastRun: RunFigures | null;
}
