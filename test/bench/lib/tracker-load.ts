import http from 'node:http';
import { DEMO_OP } from '../../helpers/server.ts';

/**
 * Bench trackers for the live benchmarks: registered over REST, their fixes sent as Traccar Client
 * 10 sends them (OsmAnd form POSTs over keep-alive connections), the answers counted in a window.
 */

const STATIONS = ['deqing-yuyue', 'linping-yunhe', 'tongxiang-zhouquan'];

/** The station of bench unit `i`: the three stations in turn. */
export const stationOf = (i: number): string => STATIONS[i % STATIONS.length]!;

/**
 * Register `count` trackers (bench-<i> → unit bench-u-<i>, a car of `stationOf(i)`) over REST, 16
 * at a time, as a commander; each unit record goes into its station's roster first (trackers
 * register only to units of the roster).
 */
export async function registerBenchTrackers(url: string, token: string, count: number): Promise<void> {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  };
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const stationId = stationOf(i);
      await post(`/api/operations/${DEMO_OP}/units`, {
        id: `bench-u-${i}`,
        callsign: `bench ${i}`,
        kind: 'car',
        stationId,
      });
      await post('/api/devices', { id: `bench-${i}`, stationId, unitId: `bench-u-${i}`, label: `bench ${i}` });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** The measured part of a run (ms since the epoch), from `start` to `end`; both infinite until set. */
export class MeasureWindow {
  start = Number.POSITIVE_INFINITY;
  end = Number.POSITIVE_INFINITY;

  /** Whether `time` lies in the window: nothing does before `start` is set. */
  has(time: number): boolean {
    return time >= this.start && time < this.end;
  }
}

/** Fixes sent so far, and how the server answered those sent inside the window. */
export interface FixCounts {
  sent: number;
  accepted: number;
  failed: number;
}

/**
 * Send `units` trackers' fixes (OsmAnd form POSTs on `agent`), each once a second: unit i at phase
 * i/units of every second, from 200 ms on. `body(i, now)` moves unit i on and gives its form body
 * for a fix sent at `now`. Runs until `stop()`, which resolves once the last fix has been sent
 * (answers still on their way are counted as they come).
 */
export function sendFixesEverySecond(
  options: { url: string; agent: http.Agent; units: number; measured: MeasureWindow },
  body: (i: number, now: number) => string,
): { counts: FixCounts; stop(): Promise<void> } {
  const { url, agent, units, measured } = options;
  const counts: FixCounts = { sent: 0, accepted: 0, failed: 0 };
  let stopAt = Number.POSITIVE_INFINITY;
  const sendOne = (i: number) => {
    const now = Date.now();
    const form = body(i, now);
    counts.sent++;
    const counted = measured.has(now);
    const req = http.request(
      `${url}/api/positions/osmand`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(form) },
      },
      (res) => {
        res.resume();
        if (!counted) return;
        if (res.statusCode === 200) counts.accepted++;
        else counts.failed++;
      },
    );
    req.on('error', () => counted && counts.failed++);
    req.end(form);
  };
  const t0 = Date.now() + 200;
  const sending = new Promise<void>((resolve) => {
    let next = 0;
    const pump = () => {
      const now = Date.now();
      if (now >= stopAt) return resolve();
      // Everything due by now: unit i of second k is due at t0 + k·1000 + i·1000/units.
      const due = Math.floor(((now - t0) * units) / 1000);
      while (next <= due) sendOne(next++ % units);
      setTimeout(pump, 2);
    };
    pump();
  });
  return {
    counts,
    async stop() {
      stopAt = Date.now();
      await sending;
    },
  };
}
