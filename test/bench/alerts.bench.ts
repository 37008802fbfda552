/**
 * Alert engine: 2,000 units at 1 fix/s through the HTTP OsmAnd ingest, twice on a fresh server:
 * once with no alert rules, once with 500 restricted zones and 200 route corridors (operation-wide,
 * so every unit is evaluated against them) written into the command document by a stock
 * y-websocket client. Reports server CPU per 1,000 fixes for both runs (the engine must not more
 * than double the ingest cost) and, with rules, the latency from the moment a fix is sent to the
 * moment a connected socket.io client receives the alert it raised (p99 target ≤ 50 ms): the
 * bench stamps each fix `timestamp` with its send time in ms, an alert's `time` is the time of the
 * fix that raised it, and the client runs in this process on the same clock.
 */
import { rmSync } from 'node:fs';
import http from 'node:http';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { DEMO_OP, login, spawnServer, tempDir } from '../helpers/server.ts';
import { connectClient } from '../helpers/sync-client.ts';
import { liveSocket, snapshotReceived, type LiveSocket } from './lib/live-socket.ts';
import { ProcessSampler } from './lib/proc.ts';
import { Rng } from './lib/rng.ts';
import { cores, Histogram, mib, ms, printTable } from './lib/stats.ts';
import { MeasureWindow, registerBenchTrackers, sendFixesEverySecond } from './lib/tracker-load.ts';

const UNITS = Number(process.env.BENCH_ALERTS_UNITS ?? 2_000);
const ZONES = 500;
const CORRIDORS = 200;
const WARMUP_MS = 5_000;
const MEASURE_MS = Number(process.env.BENCH_ALERTS_SECONDS ?? 20) * 1000;
/** The units drive around in a 6 × 6 km square between the three districts. */
const AREA = { lng: 120.22, lat: 30.47, size: 0.06 };

export default async function run(): Promise<void> {
  const without = await runOnce(false);
  const withRules = await runOnce(true);
  const perK = (r: RunResult) => (r.cpuSeconds * 1e6) / Math.max(1, r.accepted);
  printTable(`alert engine: ${UNITS} units × 1 fix/s, ${MEASURE_MS / 1000} s measured per run`, [
    ['figure', 'no rules', `${ZONES} zones + ${CORRIDORS} corridors`, 'target'],
    [
      'fixes accepted /s',
      (without.accepted / without.seconds).toFixed(0),
      (withRules.accepted / withRules.seconds).toFixed(0),
      `${UNITS}/s`,
    ],
    ['server CPU', `${cores(without.cores)} cores`, `${cores(withRules.cores)} cores`, ''],
    [
      'server CPU per 1,000 fixes',
      `${perK(without).toFixed(0)} ms`,
      `${perK(withRules).toFixed(0)} ms`,
      '≤ 2 × no rules',
    ],
    ['ratio with / without', '', `${(perK(withRules) / perK(without)).toFixed(2)} ×`, '≤ 2 ×'],
    ['engine time per fix (server histogram, mean)', '', `${(withRules.evalMeanUs ?? 0).toFixed(1)} µs`, ''],
    ['alerts received (window)', '', String(withRules.alerts.n), ''],
    ['fix sent → alert on client p50', '', ms(withRules.alerts.percentile(50)), ''],
    ['fix sent → alert on client p99', '', ms(withRules.alerts.percentile(99)), ''],
    ['fix sent → alert on client max', '', ms(withRules.alerts.max()), ''],
    [
      'fix accepted by the server → alert on client p50 / p99',
      '',
      `${ms(withRules.fromAccepted.percentile(50))} / ${ms(withRules.fromAccepted.percentile(99))} (${withRules.fromAccepted.n})`,
      '≤ 50 ms',
    ],
    [
      'of which alert stored → client p50 / p99',
      '',
      `${ms(withRules.pushed.percentile(50))} / ${ms(withRules.pushed.percentile(99))}`,
      '',
    ],
    ['server RSS at end', mib(without.rss), mib(withRules.rss), ''],
  ]);
}

interface RunResult {
  accepted: number;
  failed: number;
  seconds: number;
  cores: number;
  cpuSeconds: number;
  rss: number;
  alerts: Histogram;
  pushed: Histogram;
  fromAccepted: Histogram;
  evalMeanUs: number | null;
}

async function runOnce(rules: boolean): Promise<RunResult> {
  const dataDir = tempDir('jointmap-bench-alerts-');
  const server = await spawnServer(dataDir, { LOG_LEVEL: 'warn' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let client: LiveSocket | null = null;
  try {
    const commander = await login(server.url, 'commander');
    await registerBenchTrackers(server.url, commander.token, UNITS);
    if (rules) await writeRules(server, commander.token);

    const alerts = new Histogram(60_000);
    /** From the moment the server stored the alert (its `raisedAt`, same machine clock) to the client. */
    const pushed = new Histogram(60_000);
    /**
     * When the server accepted each fix (its `receivedAt`, from the positions the same client
     * receives) and when each alert arrived: accepted → client is our pipeline alone, without the
     * load generator's own queue of requests on a busy machine.
     */
    const acceptedAt = new Map<string, number>();
    const arrivals: Array<{ key: string; at: number }> = [];
    const measured = new MeasureWindow();
    client = liveSocket(server.url, commander.token);
    client.on('live:alerts', (msg) => {
      if (msg.full) return;
      const now = Date.now();
      for (const a of msg.alerts) {
        if (a.state !== 'open' || !measured.has(a.time)) continue;
        alerts.add(now - a.time);
        pushed.add(now - a.raisedAt);
        arrivals.push({ key: `${a.stationId}/${a.unitId}/${a.time}`, at: now });
      }
    });
    client.on('live:positions', (msg) => {
      for (const p of msg.positions) {
        if (measured.has(p.time)) acceptedAt.set(`${p.stationId}/${p.unitId}/${p.time}`, p.receivedAt);
      }
    });
    await snapshotReceived(client);

    const r7 = new Rng(7);
    const rng = () => r7.next();
    const units = Array.from({ length: UNITS }, () => ({
      lng: AREA.lng + rng() * AREA.size,
      lat: AREA.lat + rng() * AREA.size,
      heading: rng() * 360,
    }));
    const sender = sendFixesEverySecond({ url: server.url, agent, units: UNITS, measured }, (i, now) => {
      const u = units[i]!;
      // 40 km/h, turning back into the area at its edges.
      u.lng += Math.sin((u.heading * Math.PI) / 180) * 0.000115;
      u.lat += Math.cos((u.heading * Math.PI) / 180) * 0.0001;
      if (u.lng < AREA.lng || u.lng > AREA.lng + AREA.size || u.lat < AREA.lat || u.lat > AREA.lat + AREA.size) {
        u.heading = (u.heading + 180) % 360;
      }
      return `id=bench-${i}&lat=${u.lat.toFixed(7)}&lon=${u.lng.toFixed(7)}&timestamp=${now}&speed=21.6&bearing=${u.heading.toFixed(0)}&accuracy=5&batt=80`;
    });

    await sleep(WARMUP_MS);
    measured.start = Date.now();
    const evalBefore = rules ? await evaluation(server.url, commander.token) : null;
    const sampler = new ProcessSampler(server.child.pid!);
    await sleep(MEASURE_MS);
    measured.end = Date.now();
    const usage = sampler.stop();
    const evalAfter = rules ? await evaluation(server.url, commander.token) : null;
    await sender.stop();
    await sleep(1_500);
    const evalMeanUs =
      evalBefore && evalAfter
        ? ((evalAfter.sum - evalBefore.sum) / Math.max(1, evalAfter.count - evalBefore.count)) * 1e6
        : null;
    return {
      accepted: sender.counts.accepted,
      failed: sender.counts.failed,
      seconds: (measured.end - measured.start) / 1000,
      cores: usage.cores,
      cpuSeconds: usage.cpuSeconds,
      rss: usage.endRss,
      alerts,
      pushed,
      fromAccepted: fromAccepted(arrivals, acceptedAt),
      evalMeanUs,
    };
  } finally {
    client?.disconnect();
    agent.destroy();
    await server.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** 500 square zones (100–300 m) and 200 corridors (1–3 km, 60 m wide) scattered over the area, in the command document. */
async function writeRules(server: { url: string; wsUrl: string }, token: string): Promise<void> {
  const r11 = new Rng(11);
  const rng = () => r11.next();
  const common = (id: string, name: string) => fixtures.ruleCommon(id, { name, updatedAt: Date.now() });
  const sync = await connectClient(null, server.wsUrl, `${DEMO_OP}/command`, token);
  const map = sync.doc.getMap('rules');
  sync.doc.transact(() => {
    for (let i = 0; i < ZONES; i++) {
      const lng = AREA.lng + rng() * AREA.size;
      const lat = AREA.lat + rng() * AREA.size;
      const h = (0.001 + rng() * 0.002) / 2;
      const ring = [
        [lng - h, lat - h],
        [lng + h, lat - h],
        [lng + h, lat + h],
        [lng - h, lat + h],
        [lng - h, lat - h],
      ];
      map.set(`zone-${i}`, {
        ...common(`zone-${i}`, `禁区 ${i}`),
        type: 'zone',
        polygon: { type: 'Polygon', coordinates: [ring] },
        trigger: 'both',
      });
    }
    for (let i = 0; i < CORRIDORS; i++) {
      let lng = AREA.lng + rng() * AREA.size;
      let lat = AREA.lat + rng() * AREA.size;
      const coordinates = [[lng, lat]];
      for (let k = 0; k < 6; k++) {
        const heading = rng() * 2 * Math.PI;
        lng += Math.sin(heading) * 0.004;
        lat += Math.cos(heading) * 0.004;
        coordinates.push([lng, lat]);
      }
      map.set(`route-${i}`, {
        ...common(`route-${i}`, `路线 ${i}`),
        type: 'corridor',
        line: { type: 'LineString', coordinates },
        widthM: 60,
      });
    }
  });
  // Followed once the server's engine counts every rule.
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${server.url}/api/metrics`, { headers: { authorization: `Bearer ${token}` } });
    const m = /^jointmap_alert_rules (\d+)/m.exec(await res.text());
    if (m && Number(m[1]) === ZONES + CORRIDORS) break;
    if (i === 199) throw new Error(`the server follows ${m?.[1] ?? 0} rules, not ${ZONES + CORRIDORS}`);
    await sleep(100);
  }
  sync.destroy();
}

async function evaluation(url: string, token: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${url}/api/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  const read = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? 0);
  return { sum: read('jointmap_alert_evaluation_seconds_sum'), count: read('jointmap_alert_evaluation_seconds_count') };
}

function fromAccepted(
  arrivals: ReadonlyArray<{ key: string; at: number }>,
  acceptedAt: ReadonlyMap<string, number>,
): Histogram {
  const h = new Histogram(60_000);
  for (const { key, at } of arrivals) {
    const accepted = acceptedAt.get(key);
    if (accepted !== undefined) h.add(at - accepted);
  }
  return h;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
