import type { UnitKind } from '@jointmap/shared';
import { step, type Rng, type Walker } from '../tools/sim-walker.ts';

/**
 * The tracker simulator shared by `pnpm simulate` and the in-process demo: a set of simulated
 * units, each with a {@link Walker}, reporting to the real OsmAnd ingest over HTTP exactly as
 * Traccar Client does, spread evenly over each period as independent phones would be.
 */
export type SimFormat = 'form' | 'query' | 'json';
export const SIM_FORMATS: readonly SimFormat[] = ['form', 'query', 'json'];

/** Where the tri-county districts meet (WGS-84): the demo's units patrol around it. */
export const TRICOUNTY_JUNCTION: [number, number] = [120.2954, 30.5222];

export interface SimUnit {
  deviceId: string;
  unitId: string;
  stationId: string;
  kind: UnitKind;
  walker: Walker;
  battery: number;
  /** Last timestamp sent (epoch s), so two fixes of one unit never share a second. */
  lastSecond: number;
}

export interface SimEngineOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** Fixes per second per unit. */
  rate: number;
  format: SimFormat;
  rng: Rng;
}

export interface SimStats {
  sent: number;
  ok: number;
  /** Failed requests by HTTP status or error message. */
  failures: Map<string, number>;
}

/** How far from the junction a unit of this kind patrols (km): foot patrols stay close. */
export function patrolRadiusKm(kind: UnitKind): number {
  return kind === 'foot' || kind === 'dog' ? 1.5 : kind === 'drone' ? 3 : 6;
}

/**
 * Runs the send loop until stopped (or for a duration). One instance per simulator; no global
 * state. `units` may change while running (the demo adds none, the CLI registers extras first).
 */
export class SimEngine {
  readonly stats: SimStats = { sent: 0, ok: 0, failures: new Map() };
  private readonly abort = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private loop: Promise<void> | null = null;

  constructor(
    readonly units: SimUnit[],
    private readonly options: SimEngineOptions,
  ) {}

  /** Start sending; resolves when the loop ends (stopped, or `durationMs` elapsed). */
  run(durationMs = 0): Promise<void> {
    this.loop ??= this.cycle(durationMs);
    return this.loop;
  }

  /** Stop the loop and wait for the requests in flight (so a closing server is not left with them). */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async cycle(durationMs: number): Promise<void> {
    const periodMs = 1000 / this.options.rate;
    const started = Date.now();
    for (let cycle = 0; !this.stopped; cycle++) {
      const cycleStart = started + cycle * periodMs;
      const units = [...this.units];
      for (let i = 0; i < units.length && !this.stopped; i++) {
        const wait = cycleStart + (i / units.length) * periodMs - Date.now();
        if (wait > 1) await sleep(wait, this.abort.signal);
        if (!this.stopped) this.track(this.tick(units[i]!));
      }
      if (units.length === 0) await sleep(periodMs, this.abort.signal);
      if (durationMs > 0 && Date.now() - started >= durationMs) break;
    }
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async tick(u: SimUnit): Promise<void> {
    const { rng, rate, baseUrl, format } = this.options;
    const fix = step(u.walker, 1 / rate, rng);
    if (rng() < 0.002) u.battery = Math.max(5, u.battery - 1);
    this.stats.sent++;
    try {
      const res = await sendFix(baseUrl, format, u, fix, rate);
      await res.arrayBuffer();
      if (res.ok) this.stats.ok++;
      else this.fail(String(res.status));
    } catch (err) {
      this.fail((err as Error).message.slice(0, 30));
    }
  }

  private fail(key: string): void {
    this.stats.failures.set(key, (this.stats.failures.get(key) ?? 0) + 1);
  }
}

/** One fix as a tracker app sends it: `form` (Traccar Client 10), `query` (8, OsmAnd) or `json` (9). */
export function sendFix(
  base: string,
  format: SimFormat,
  u: SimUnit,
  fix: ReturnType<typeof step>,
  rate: number,
): Promise<Response> {
  const now = Date.now();
  u.lastSecond = Math.max(Math.floor(now / 1000), u.lastSecond + 1);
  const knots = fix.speedMps / (1852 / 3600);
  const params = {
    id: u.deviceId,
    lat: String(fix.lngLat[1]),
    lon: String(fix.lngLat[0]),
    // Seconds as Traccar Client sends them; ms above 1 fix/s so fixes stay distinct.
    timestamp: rate > 1 ? String(now) : String(u.lastSecond),
    speed: knots.toFixed(2),
    bearing: String(fix.bearing),
    altitude: '5',
    accuracy: String(fix.accuracy),
    batt: String(u.battery),
  };
  const url = `${base}/api/positions/osmand`;
  switch (format) {
    case 'query':
      return fetch(`${url}?${new URLSearchParams(params)}`, { method: 'POST' });
    case 'json':
      return fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          location: {
            timestamp: new Date(now).toISOString(),
            coords: {
              latitude: fix.lngLat[1],
              longitude: fix.lngLat[0],
              accuracy: fix.accuracy,
              speed: fix.speedMps,
              heading: fix.bearing,
              altitude: 5,
            },
            is_moving: true,
            odometer: 0,
            event: 'location',
            battery: { level: u.battery / 100, is_charging: false },
            activity: { type: 'in_vehicle' },
            extras: {},
          },
          device_id: u.deviceId,
        }),
      });
    case 'form':
      return fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
      });
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
