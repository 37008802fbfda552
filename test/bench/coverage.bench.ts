/**
 * Search coverage (shared/src/geo/coverage.ts): 50 sectors (1 km squares in a 10 × 5 grid near the
 * tri-county junction, sweep width 40 m) × 20 units × 2 hours of 1 Hz fixes (seeded random walks
 * at walking to cycling speed, now and then a lost fix or a GPS jump). Each sector is assigned to
 * one of the three stations and counts its units' tracks from its assignment time on.
 *
 * Reports the incremental cost per new fix (`CoverageTracker.addFix`: mean, p50, p99, max; target
 * ≤ 1 ms) and the time of a full recomputation from all fixes (`computeCoverage`: the cost of
 * rebuilding after a restart or a change of sectors), and checks that both give the same fractions.
 */
import { loadavg } from 'node:os';
import {
  computeCoverage,
  CoverageTracker,
  lngLat,
  localMetricFrame,
  type CoverageFix,
  type CoverageSectorDef,
} from '@jointmap/shared';
import { Rng } from './lib/rng.ts';
import { mean, ms, percentile, printTable } from './lib/stats.ts';

const COLS = 10;
const ROWS = 5;
const SECTOR_M = 1000;
const SWEEP_M = 40;
const UNITS = Number(process.env.BENCH_COVERAGE_UNITS ?? 20);
const SECONDS = Number(process.env.BENCH_COVERAGE_SECONDS ?? 2 * 3600);
const STATIONS = ['deqing-yuyue', 'linping-yunhe', 'tongxiang-zhouquan'];
/** South-west corner of the sector grid. */
const ORIGIN = [120.25, 30.47] as const;
const T0 = Date.UTC(2024, 4, 1, 6, 0, 0);

function sectors(): CoverageSectorDef[] {
  const frame = localMetricFrame(ORIGIN);
  const out: CoverageSectorDef[] = [];
  for (let r = 0; r < ROWS; r++) {
    for (let c = 0; c < COLS; c++) {
      const [x0, y0, x1, y1] = [c * SECTOR_M, r * SECTOR_M, (c + 1) * SECTOR_M, (r + 1) * SECTOR_M];
      const polygon: CoverageSectorDef['polygon'] = {
        type: 'Polygon',
        coordinates: [
          [
            frame.toLngLat(x0, y0),
            frame.toLngLat(x1, y0),
            frame.toLngLat(x1, y1),
            frame.toLngLat(x0, y1),
            frame.toLngLat(x0, y0),
          ],
        ],
      };
      const index = r * COLS + c;
      const stationId = STATIONS[index % STATIONS.length]!;
      const assignedAt = T0 + (index % 7) * 60_000;
      out.push({
        id: `sector-${index}`,
        polygon,
        sweepWidthM: SWEEP_M,
        accepts: (unit, time) => unit.stationId === stationId && time >= assignedAt,
      });
    }
  }
  return out;
}

/** 1 Hz random walks inside the sector grid, in time order (units interleaved as they report). */
function tracks(): CoverageFix[] {
  const rng = new Rng(20240501);
  const frame = localMetricFrame(ORIGIN);
  const walkers = Array.from({ length: UNITS }, (_, i) => ({
    unitId: `unit-${i}`,
    stationId: STATIONS[i % STATIONS.length]!,
    x: rng.range(100, COLS * SECTOR_M - 100),
    y: rng.range(100, ROWS * SECTOR_M - 100),
    heading: rng.range(0, 2 * Math.PI),
    speed: rng.range(1, 5),
  }));
  const fixes: CoverageFix[] = [];
  for (let s = 0; s < SECONDS; s++) {
    for (const w of walkers) {
      w.heading += rng.range(-0.3, 0.3);
      const jump = rng.next() < 0.0005 ? 300 : 0; // a GPS jump now and then
      w.x += Math.cos(w.heading) * (w.speed + jump);
      w.y += Math.sin(w.heading) * (w.speed + jump);
      // Turn back at the edge of the grid.
      if (w.x < 0 || w.x > COLS * SECTOR_M) w.heading = Math.PI - w.heading;
      if (w.y < 0 || w.y > ROWS * SECTOR_M) w.heading = -w.heading;
      w.x = Math.min(COLS * SECTOR_M, Math.max(0, w.x));
      w.y = Math.min(ROWS * SECTOR_M, Math.max(0, w.y));
      if (rng.next() < 0.002) continue; // a lost fix
      const [lng, lat] = frame.toLngLat(w.x, w.y);
      fixes.push({
        unitId: w.unitId,
        stationId: w.stationId,
        deviceId: w.unitId,
        lngLat: lngLat(lng, lat),
        time: T0 + s * 1000,
      });
    }
  }
  return fixes;
}

export default async function run(): Promise<void> {
  const defs = sectors();
  const fixes = tracks();
  console.log(
    `${defs.length} sectors of ${SECTOR_M} m, sweep ${SWEEP_M} m; ${UNITS} units × ${SECONDS} s at 1 Hz = ${fixes.length.toLocaleString('en')} fixes`,
  );

  // Incremental: one tracker fed fix by fix, each call timed.
  const t0 = performance.now();
  const tracker = new CoverageTracker(defs);
  const buildMs = performance.now() - t0;
  const perFix = new Float64Array(fixes.length);
  let changes = 0;
  const load = loadavg()[0]!.toFixed(2);
  const tFeed = performance.now();
  for (let i = 0; i < fixes.length; i++) {
    const f = fixes[i]!;
    const a = performance.now();
    changes += tracker.addFix(f, f.lngLat, f.time, f.deviceId ?? '').length;
    perFix[i] = performance.now() - a;
  }
  const feedMs = performance.now() - tFeed;
  const samples = Array.from(perFix);

  // Full recomputation, five times (median and best: the machine is shared).
  const fullRuns: number[] = [];
  let full = new Map<string, number>();
  for (let run = 0; run < 5; run++) {
    const a = performance.now();
    full = computeCoverage(defs, fixes);
    fullRuns.push(performance.now() - a);
  }
  const incremental = tracker.fractions();
  const equal = [...full].every(([id, f]) => incremental.get(id) === f);
  const fractions = [...incremental.values()];

  const us = (x: number) => `${(x * 1000).toFixed(1)} µs`;
  printTable(`Coverage: incremental (per new fix) and full recomputation (load average ${load} at start)`, [
    ['measure', 'value'],
    ['tracker construction (50 rasters)', ms(buildMs)],
    ['per fix: mean', us(mean(samples))],
    ['per fix: p50', us(percentile(samples, 50))],
    ['per fix: p99', us(percentile(samples, 99))],
    ['per fix: max', ms(percentile(samples, 100))],
    [`all ${fixes.length.toLocaleString('en')} fixes, fix by fix`, ms(feedMs)],
    ['sector changes reported', changes.toLocaleString('en')],
    ['full recomputation: median of 5', ms(percentile(fullRuns, 50))],
    ['full recomputation: best of 5', ms(percentile(fullRuns, 0))],
    ['incremental = full', equal ? 'yes' : 'NO'],
    [
      'coverage after 2 h: mean / min / max',
      `${(mean(fractions) * 100).toFixed(1)} % / ${(Math.min(...fractions) * 100).toFixed(1)} % / ${(Math.max(...fractions) * 100).toFixed(1)} %`,
    ],
  ]);
  const p99 = percentile(samples, 99);
  console.log(`\ntarget ≤ 1 ms per fix (p99): ${p99 <= 1 ? 'met' : 'NOT met'} (${us(p99)})`);
  if (!equal) throw new Error('incremental and full coverage differ');
}
