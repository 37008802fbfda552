/**
 * Sector grid (shared/src/geo/sectors.ts, `gridSectors`) on real search areas over the demo's
 * county outlines (server/demo-data/): the demo search area exactly as the server plans it (a 4 km
 * circle around the tri-county junction clipped to the three jurisdictions, `planSearch`) in its
 * 1.2 km cells and in 400 m cells, and circles clipped to 德清 alone (its border runs through them).
 * Reports the first call of each case (the first is cold) and the median and p95 of the following
 * runs, wall and CPU time; also the whole `planSearch`, which the server runs on its event loop.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { gridSectors, lngLat, searchAreaFromLastKnown, type Jurisdiction } from '@jointmap/shared';
import { planSearch } from '@jointmap/server/demo/tricounty-search';
import { percentile, printTable } from './lib/stats.ts';

/** A GeoJSON Polygon (this package does not depend on @types/geojson). */
type Polygon = Parameters<typeof gridSectors>[0];

const RUNS = Number(process.env.BENCH_SECTORS_RUNS ?? 20);
/** The man's last-known point in the demo story: where the three districts meet. */
const JUNCTION: [number, number] = [120.2954, 30.5222];
const STATIONS: Record<string, string> = {
  '330521': 'deqing-yuyue',
  '330113': 'linping-yunhe',
  '330483': 'tongxiang-zhouquan',
};

function county(adcode: string): Jurisdiction['area'] {
  const url = new URL(`../../server/demo-data/county-${adcode}.geojson`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { features: Array<{ geometry: Jurisdiction['area'] }> }).features[0]!
    .geometry;
}

const jurisdictions = (): Jurisdiction[] =>
  Object.entries(STATIONS).map(([adcode, stationId]) => ({ stationId, area: county(adcode) }));

/** The demo's search, as the server plans it when the story reaches the search. */
const demoPlan = (js: readonly Jurisdiction[]) =>
  planSearch({ taskId: 't', searchId: 's', taskStationId: 'linping-yunhe' }, js, [], 'commander', Date.now());

/** A circle of `minutes` by tricycle around the junction, clipped to 德清. */
const inDeqing = (minutes: number): Polygon =>
  searchAreaFromLastKnown(lngLat(...JUNCTION), minutes * 60_000, 'bicycle', county('330521'));

function time(fn: () => unknown): { wall: number; cpu: number } {
  const c = process.cpuUsage();
  const t = performance.now();
  fn();
  const wall = performance.now() - t;
  const used = process.cpuUsage(c);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

export default async function run(): Promise<void> {
  const js = jurisdictions();
  const load = loadavg()[0]!.toFixed(2);
  const f = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;
  const rows: string[][] = [['case', 'vertices', 'sectors', 'first', 'median', 'p95', 'CPU median', 'CPU p95']];
  const measure = (label: string, vertices: string, fn: () => number) => {
    let count = 0;
    const first = time(() => (count = fn()));
    const runs = Array.from({ length: RUNS }, () => time(fn));
    const wall = runs.map((r) => r.wall);
    const cpu = runs.map((r) => r.cpu);
    rows.push([
      label,
      vertices,
      String(count),
      f(first.wall),
      f(percentile(wall, 50)),
      f(percentile(wall, 95)),
      f(percentile(cpu, 50)),
      f(percentile(cpu, 95)),
    ]);
  };
  // First, so that its first run is the process's first grid (cold, as in a fresh server).
  measure('planSearch (area + grid + assignment), whole demo', '', () => demoPlan(js).sectors.length);
  const demo = demoPlan(js).search.area as Polygon;
  const cases: Array<[string, Polygon, number]> = [
    ['demo search area (4 km, 3 districts), 1.2 km cells', demo, 1200],
    ['demo search area (4 km, 3 districts), 400 m cells', demo, 400],
    ['4 km circle clipped to 德清, 400 m cells', inDeqing(20), 400],
    ['8 km circle clipped to 德清, 1.2 km cells', inDeqing(40), 1200],
  ];
  for (const [label, area, cellM] of cases) {
    const vertices = area.coordinates.reduce((n, ring) => n + ring.length - 1, 0);
    measure(`gridSectors: ${label}`, String(vertices), () => gridSectors(area, cellM).length);
  }
  printTable(`Sector grid (${RUNS} runs after the first, load average ${load} at start)`, rows);
}
