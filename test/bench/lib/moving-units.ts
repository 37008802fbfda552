import http from 'node:http';
import type { UnitKind } from '@jointmap/shared';
import { DEMO_OP } from '../../helpers/server.ts';

/**
 * A fleet of bench units for the benchmarks: unit records with their trackers, and the
 * trackers' fixes sent as Traccar Client sends them (OsmAnd form POSTs), each unit once a second.
 */

const STATIONS = ['deqing-yuyue', 'linping-yunhe', 'tongxiang-zhouquan'];
const KINDS: UnitKind[] = ['car', 'foot', 'motorbike', 'car', 'drone', 'dog', 'boat'];
/** Centre of each station's units (WGS-84, inside its district, near the tri-county junction): many overlap at low zoom. */
const CENTRES: Record<string, [number, number]> = {
  'deqing-yuyue': [120.2, 30.56],
  'linping-yunhe': [120.28, 30.45],
  'tongxiang-zhouquan': [120.38, 30.56],
};

/** Unit records (`POST /api/operations/:id/units`) and their trackers (`POST /api/devices`), as a commander. */
export async function registerUnits(url: string, token: string, count: number): Promise<void> {
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
      const stationId = STATIONS[i % STATIONS.length]!;
      await post(`/api/operations/${DEMO_OP}/units`, {
        id: `bench-u-${i}`,
        callsign: `巡${String(i).padStart(4, '0')}`,
        kind: KINDS[i % KINDS.length],
        stationId,
        status: 'available',
      });
      await post('/api/devices', { id: `bench-d-${i}`, stationId, unitId: `bench-u-${i}`, label: `bench ${i}` });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

interface Mover {
  deviceId: string;
  lng: number;
  lat: number;
  heading: number;
}

/** Fixes sent so far, and how the server answered them. */
export interface FixCounts {
  sent: number;
  accepted: number;
  refused: number;
}

/**
 * Move the `count` registered units: unit i reports at phase i/count of every second (20 ticks a
 * second), wandering around its station's centre. Returns the running counts and the stop.
 */
export function moveUnits(url: string, count: number): { counts: FixCounts; stop(): Promise<void> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const counts: FixCounts = { sent: 0, accepted: 0, refused: 0 };
  const movers: Mover[] = Array.from({ length: count }, (_, i) => {
    const [lng, lat] = CENTRES[STATIONS[i % STATIONS.length]!]!;
    return {
      deviceId: `bench-d-${i}`,
      lng: lng + (((i * 7919) % 1000) - 500) / 8_000,
      lat: lat + (((i * 104729) % 1000) - 500) / 12_000,
      heading: (i * 37) % 360,
    };
  });
  const sendOne = (m: Mover) => {
    m.heading = (m.heading + (Math.random() - 0.5) * 20 + 360) % 360;
    m.lng += Math.sin((m.heading * Math.PI) / 180) * 0.0001;
    m.lat += Math.cos((m.heading * Math.PI) / 180) * 0.0001;
    const body = `id=${m.deviceId}&lat=${m.lat.toFixed(7)}&lon=${m.lng.toFixed(7)}&timestamp=${Date.now()}&speed=21.6&bearing=${m.heading.toFixed(0)}&accuracy=5&batt=80`;
    counts.sent++;
    const req = http.request(
      `${url}/api/positions/osmand`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        if (res.statusCode === 200) counts.accepted++;
        else counts.refused++;
      },
    );
    req.on('error', () => counts.refused++);
    req.end(body);
  };
  let sending = true;
  const start = Date.now();
  const loop = (async () => {
    for (let tick = 0; sending; tick++) {
      const from = Math.floor(((tick % 20) * count) / 20);
      const to = Math.floor((((tick % 20) + 1) * count) / 20);
      for (let i = from; i < to; i++) sendOne(movers[i]!);
      await new Promise((r) => setTimeout(r, Math.max(0, start + (tick + 1) * 50 - Date.now())));
    }
  })();
  return {
    counts,
    async stop() {
      sending = false;
      await loop;
      agent.destroy();
    },
  };
}
