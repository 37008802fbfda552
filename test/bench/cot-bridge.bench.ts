/**
 * Cursor-on-Target bridge: the cost of encoding a unit position and a 200-vertex polygon as CoT
 * and of parsing a received event (in this process), and the latency from an OsmAnd fix sent over
 * HTTP to its CoT position event arriving at a TAK client over TCP (same process, same clock).
 */
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Annotation, UnitPosition } from '@jointmap/shared';
import { annotationEvent, unitEvent } from '@jointmap/server/cot/cot-encode';
import { loadNodeCot } from '@jointmap/server/cot/node-cot';
import { startServer, tempDir } from '../helpers/server.ts';
import { connectTak, pointOf } from '../cot/tak-client.ts';
import { ms, percentile, printTable } from './lib/stats.ts';

const FIXES = Number(process.env.BENCH_COT_FIXES ?? 200);

export default async function run(): Promise<void> {
  await encoding();
  await latency();
}

async function encoding(): Promise<void> {
  const lib = await loadNodeCot();
  const pos: UnitPosition = {
    unitId: 'u',
    stationId: 's',
    deviceId: 'd',
    lngLat: [120.28, 30.41],
    time: Date.now(),
    receivedAt: Date.now(),
    speedMps: 10,
    bearing: 45,
    altitude: 8,
    accuracy: 6,
    battery: 77,
    alarm: null,
  };
  const ring: [number, number][] = Array.from({ length: 200 }, (_, i) => [
    120 + Math.cos(i / 30) * 0.01,
    30 + Math.sin(i / 30) * 0.01,
  ]);
  ring.push(ring[0]!);
  const polygon = {
    id: 'p',
    kind: 'polygon',
    geometry: { type: 'Polygon', coordinates: [ring] },
    label: '搜索区',
    color: '#ff0000',
    author: 'a',
    createdAt: 1,
    updatedAt: 1,
  } as Annotation;
  const xml = unitEvent(lib, pos, undefined, 'x', 300_000, pos.time).to_xml();
  const per = (n: number, f: (i: number) => void): number => {
    for (let i = 0; i < Math.min(200, n); i++) f(i);
    const t = performance.now();
    for (let i = 0; i < n; i++) f(i);
    return ((performance.now() - t) * 1000) / n;
  };
  printTable('CoT encoding and parsing (µs per event)', [
    ['what', 'µs'],
    [
      'unit position → XML',
      per(5000, (i) =>
        unitEvent(lib, { ...pos, time: pos.time + i }, undefined, 'x', 300_000, pos.time).to_xml(),
      ).toFixed(0),
    ],
    [
      '200-vertex polygon → XML',
      per(1000, () => annotationEvent(lib, 'op', 'sc', polygon, Date.now()).to_xml()).toFixed(0),
    ],
    ['received event parsed', per(5000, () => new lib.CoT(xml)).toFixed(0)],
  ]);
}

async function latency(): Promise<void> {
  const dataDir = tempDir('jointmap-bench-cot-');
  const teardown: Array<() => unknown> = [];
  const t = { onTestFinished: (fn: () => unknown) => void teardown.push(fn) };
  const server = await startServer(null, { dataDir, cotPort: 0, ingestRatePerSecond: 1000, ingestRateBurst: 1000 });
  try {
    const { token } = await server.login('commander');
    await fetch(`${server.url}/api/devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'ANDROID-bench', stationId: 'deqing-yuyue', unitId: 'yuyue-car-01' }),
    });
    const tak = await connectTak(t, server.app.cotBridge!.address()!.port);
    tak.sendPosition('ANDROID-bench', { lng: 120.3, lat: 30.5 });
    const arrivals = new Map<number, number>();
    const seen = () => {
      for (const e of tak.events.splice(0)) {
        if (e.uid() !== 'jointmap.unit.linping-yunhe.yunhe-car-01') continue;
        const lat = Math.round((pointOf(e).lat - 30.4) * 1e6);
        if (!arrivals.has(lat)) arrivals.set(lat, performance.now());
      }
    };
    tak.socket.on('data', seen);
    const sent = new Map<number, number>();
    const start = Date.now() - FIXES * 1000;
    for (let i = 1; i <= FIXES; i++) {
      const lat = 30.4 + i / 1e6;
      sent.set(i, performance.now());
      const q = new URLSearchParams({
        id: 'demo-yunhe-01',
        lat: String(lat),
        lon: '120.28',
        timestamp: String(Math.floor((start + i * 1000) / 1000)),
      });
      await fetch(`${server.url}/api/positions/osmand?${q}`, { method: 'POST' });
      await new Promise((r) => setTimeout(r, 10));
    }
    const deadline = Date.now() + 5_000;
    while (arrivals.size < FIXES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const latencies = [...sent].flatMap(([i, at]) => (arrivals.has(i) ? [arrivals.get(i)! - at] : []));
    printTable(`OsmAnd fix → CoT event at a TAK client (${FIXES} fixes, 10 ms apart)`, [
      ['received', 'p50', 'p95', 'max'],
      [
        `${latencies.length}/${FIXES}`,
        ms(percentile(latencies, 50)),
        ms(percentile(latencies, 95)),
        ms(Math.max(...latencies)),
      ],
    ]);
  } finally {
    for (const fn of teardown) await fn();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
