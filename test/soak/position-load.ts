/**
 * Tracker load: N registered trackers, each sending one fix every 5 s through the real OsmAnd
 * ingest, in the three forms real apps use (Traccar Client 8 query POST, Traccar SDK form POST,
 * Traccar Client 9 JSON). Each fix is stamped with its send time (ms), so a wall in this process
 * measures position → visible on the same clock.
 */
import { DEMO_OP } from '../helpers/server.ts';

const STATIONS = ['deqing-yuyue', 'linping-yunhe', 'tongxiang-zhouquan'] as const;
const CENTRES: Record<string, [number, number]> = {
  'deqing-yuyue': [120.27, 30.55],
  'linping-yunhe': [120.28, 30.47],
  'tongxiang-zhouquan': [120.22, 30.56],
};

export const unitIdOf = (i: number) => `soak-u-${i}`;
export const deviceIdOf = (i: number) => `soak-${i}`;

/** Roster entries and trackers for N units (as the commander), a few requests at a time. */
export async function registerTrackers(url: string, token: string, count: number): Promise<void> {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  };
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const stationId = STATIONS[i % STATIONS.length]!;
      await post(`/api/operations/${DEMO_OP}/units`, {
        id: unitIdOf(i),
        callsign: `压测${i}`,
        kind: 'car',
        stationId,
      });
      await post('/api/devices', { id: deviceIdOf(i), stationId, unitId: unitIdOf(i), label: `压测 ${i}` });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

interface Tracker {
  lng: number;
  lat: number;
  heading: number;
}

export class PositionLoad {
  private readonly trackers: Tracker[];
  private timer: NodeJS.Timeout | null = null;
  private next = 0;
  private t0 = 0;
  sent = 0;
  accepted = 0;
  /** Refusals by HTTP status (e.g. 429), and requests that reached no server (during a kill). */
  readonly refused = new Map<number, number>();
  unreachable = 0;
  private inFlight = 0;

  constructor(
    private readonly url: string,
    private readonly count: number,
    private readonly periodMs = 5_000,
  ) {
    this.trackers = Array.from({ length: count }, (_, i) => {
      const [lng, lat] = CENTRES[STATIONS[i % STATIONS.length]!]!;
      return {
        lng: lng + ((i * 7919) % 1000) / 50_000,
        lat: lat + ((i * 104729) % 1000) / 50_000,
        heading: (i * 37) % 360,
      };
    });
  }

  start(): void {
    this.t0 = Date.now();
    // Tracker i reports at phase i/N of every period.
    this.timer = setInterval(() => {
      const due = Math.floor(((Date.now() - this.t0) * this.count) / this.periodMs);
      while (this.next <= due) {
        void this.send(this.next % this.count);
        this.next++;
      }
    }, 10);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
  }

  private async send(i: number): Promise<void> {
    const p = this.trackers[i]!;
    p.heading = (p.heading + 5) % 360;
    p.lng += Math.sin((p.heading * Math.PI) / 180) * 0.0002;
    p.lat += Math.cos((p.heading * Math.PI) / 180) * 0.0002;
    const now = Date.now();
    const params = {
      id: deviceIdOf(i),
      lat: p.lat.toFixed(7),
      lon: p.lng.toFixed(7),
      timestamp: String(now),
      speed: '21.6',
      bearing: String(p.heading),
      altitude: '5',
      accuracy: '5',
      batt: '80',
    };
    let init: RequestInit & { path: string };
    switch (i % 3) {
      case 0: // Traccar Client 8: POST with the query string, no body.
        init = { path: `?${new URLSearchParams(params)}`, method: 'POST' };
        break;
      case 1: // Traccar SDK 10: urlencoded form.
        init = {
          path: '',
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(params).toString(),
        };
        break;
      default: // Traccar Client 9: background-geolocation JSON.
        init = {
          path: '',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            location: {
              timestamp: new Date(now).toISOString(),
              coords: { latitude: p.lat, longitude: p.lng, accuracy: 5, speed: 11, heading: p.heading, altitude: 5 },
              is_moving: true,
              battery: { level: 0.8, is_charging: false },
            },
            device_id: deviceIdOf(i),
          }),
        };
    }
    this.sent++;
    this.inFlight++;
    try {
      const { path, ...req } = init;
      const res = await fetch(`${this.url}/api/positions/osmand${path}`, {
        ...req,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      if (res.status === 200) this.accepted++;
      else this.refused.set(res.status, (this.refused.get(res.status) ?? 0) + 1);
    } catch {
      this.unreachable++;
    } finally {
      this.inFlight--;
    }
  }
}
