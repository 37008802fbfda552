/**
 * What the soak measures: latency histograms, the server's memory over time (RSS from /proc, V8
 * heap from its Prometheus metrics), and the memory verdict computed from them.
 */
import { cpuSeconds, rssBytes } from '../bench/lib/proc.ts';
import { slope as leastSquaresSlope } from '../bench/lib/soak.ts';

export { Histogram } from '../bench/lib/stats.ts';

/** One memory sample of the server process. */
export interface MemorySample {
  /** Seconds since the load started. */
  t: number;
  /** Which server process (0 = first start, +1 per restart). */
  life: number;
  rss: number;
  /** CPU seconds (user + system) the process has used since it started. */
  cpuS: number;
  /** V8 heap in use (bytes) from `/api/metrics`; NaN when it could not be read. */
  heapUsed: number;
  /** Open sync connections the server counts (gauge), NaN when unread. */
  syncConnections: number;
}

/** Read a few gauges from the server's Prometheus text. */
export async function readServerGauges(
  url: string,
  token: string,
): Promise<{ heapUsed: number; syncConnections: number }> {
  try {
    const res = await fetch(`${url}/api/metrics`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(3_000),
    });
    if (!res.ok) return { heapUsed: Number.NaN, syncConnections: Number.NaN };
    const text = await res.text();
    const gauge = (name: string) => {
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
      return m ? Number(m[1]) : Number.NaN;
    };
    return {
      heapUsed: gauge('jointmap_nodejs_heap_size_used_bytes'),
      syncConnections: gauge('jointmap_sync_connections'),
    };
  } catch {
    return { heapUsed: Number.NaN, syncConnections: Number.NaN };
  }
}

/** Samples the current server process every `intervalMs` while the soak runs. */
export class MemorySampler {
  readonly samples: MemorySample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(
    private readonly t0: number,
    private readonly current: () => { pid: number | undefined; url: string; life: number; up: boolean },
    private readonly metricsToken: string,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.sample(), intervalMs);
    void this.sample();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async sample(): Promise<void> {
    const s = this.current();
    if (this.busy || !s.up || s.pid === undefined) return;
    this.busy = true;
    try {
      const rss = rssBytes(s.pid);
      const cpuS = cpuSeconds(s.pid);
      const gauges = await readServerGauges(s.url, this.metricsToken);
      // The process may have been killed while the metrics were read: keep only live samples.
      if (this.current().life === s.life && this.current().up)
        this.samples.push({ t: (Date.now() - this.t0) / 1000, life: s.life, rss, cpuS, ...gauges });
    } catch {
      // /proc entry gone: the process ended between the check and the read.
    } finally {
      this.busy = false;
    }
  }
}

/** Least-squares slope of y over x (per unit of x) of the finite points; NaN with fewer than 3. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const pts = points.filter(([, y]) => Number.isFinite(y));
  return pts.length < 3 ? Number.NaN : leastSquaresSlope(pts);
}

const median = (xs: number[]): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : Number.NaN;
};

/** Thresholds of the memory verdict (see docs/soak.md for why these). */
export const MEMORY_LIMITS = {
  /** The first seconds of each server life (start-up, every client joining) are not judged. */
  settleS: 15,
  /** The RSS peak of a life's last third may exceed its peak before that by at most this factor. */
  maxNewHighRatio: 1.1,
  /** The heap floor is fitted after this share of the life (V8 sizes its heap first)… */
  heapWarmupShare: 0.25,
  /** …for lives with at least this much left after that. */
  heapSlopeMinS: 240,
  /** Slope of the heap floor (lowest heap in use per window, ~8 windows), MiB per minute. */
  maxHeapFloorSlopeMiBPerMin: 1,
} as const;

export interface LifeVerdict {
  life: number;
  fromS: number;
  toS: number;
  samples: number;
  /** Peak RSS after settling and before the last third of the life, and in the last third. */
  earlyPeakRss: number;
  latePeakRss: number;
  /** latePeakRss / earlyPeakRss. */
  ratio: number;
  endRss: number;
  peakRss: number;
  /** Slope of the RSS floor after settling (MiB/min), for information (RSS saw-tooths over minutes). */
  rssFloorSlope: number;
  /** Slope of the heap floor after warm-up (MiB/min); NaN when the life is too short. */
  heapFloorSlope: number;
  endHeap: number;
  /** Average cores the server used over this life's samples. */
  cores: number;
  ok: boolean;
  reason: string;
}

/**
 * Judge each server life's memory. Bounded when RSS makes no new high late in the life (a leak
 * keeps raising it; a healthy process saw-tooths under the level it reached early) and, for long
 * lives, the floor of the V8 heap in use (live JS objects after collections) does not climb.
 */
export function judgeMemory(samples: readonly MemorySample[]): LifeVerdict[] {
  const lives = [...new Set(samples.map((s) => s.life))];
  const mib = 1024 * 1024;
  return lives.map((life) => {
    const ss = samples.filter((s) => s.life === life);
    const fromS = ss[0]!.t;
    const toS = ss.at(-1)!.t;
    const length = toS - fromS;
    const settled = ss.filter((s) => s.t >= fromS + MEMORY_LIMITS.settleS);
    const lateFrom = toS - (toS - fromS - MEMORY_LIMITS.settleS) / 3;
    const early = settled.filter((s) => s.t < lateFrom);
    const late = settled.filter((s) => s.t >= lateFrom);
    const earlyPeakRss = Math.max(...early.map((s) => s.rss));
    const latePeakRss = Math.max(...late.map((s) => s.rss));
    const heapFrom = fromS + Math.max(MEMORY_LIMITS.settleS, MEMORY_LIMITS.heapWarmupShare * length);
    const heapJudged = toS - heapFrom >= MEMORY_LIMITS.heapSlopeMinS;
    const verdict: LifeVerdict = {
      life,
      fromS,
      toS,
      samples: ss.length,
      earlyPeakRss,
      latePeakRss,
      ratio: latePeakRss / earlyPeakRss,
      endRss: median(ss.slice(-3).map((s) => s.rss)),
      peakRss: Math.max(...ss.map((s) => s.rss)),
      rssFloorSlope: floorSlope(settled, (s) => s.rss / mib),
      heapFloorSlope: heapJudged
        ? floorSlope(
            ss.filter((s) => s.t >= heapFrom),
            (s) => s.heapUsed / mib,
          )
        : Number.NaN,
      endHeap: median(ss.slice(-3).map((s) => s.heapUsed)),
      cores: length > 0 ? (ss.at(-1)!.cpuS - ss[0]!.cpuS) / length : Number.NaN,
      ok: true,
      reason: '',
    };
    if (early.length < 3 || late.length < 3) {
      verdict.reason = 'too short to judge';
      return verdict;
    }
    const reasons: string[] = [];
    if (verdict.ratio > MEMORY_LIMITS.maxNewHighRatio)
      reasons.push(`late RSS peak ${verdict.ratio.toFixed(2)} × the earlier peak > ${MEMORY_LIMITS.maxNewHighRatio}`);
    if (heapJudged && verdict.heapFloorSlope > MEMORY_LIMITS.maxHeapFloorSlopeMiBPerMin)
      reasons.push(
        `heap floor slope ${verdict.heapFloorSlope.toFixed(2)} MiB/min > ${MEMORY_LIMITS.maxHeapFloorSlopeMiBPerMin}`,
      );
    verdict.ok = reasons.length === 0;
    verdict.reason = reasons.length
      ? reasons.join('; ')
      : `bounded (no new RSS high${heapJudged ? ', flat heap floor' : '; too short for the heap test'})`;
    return verdict;
  });
}

/**
 * Slope (per minute) of a value's floor: the samples are cut into ~8 time windows (at least 10 s
 * each) and the lowest value of each is fitted. RSS and heap saw-tooth with garbage collection;
 * a leak shows as a rising floor, while a raw fit depends on where in the tooth the window ends.
 */
export function floorSlope(samples: readonly MemorySample[], value: (s: MemorySample) => number): number {
  if (samples.length < 3) return Number.NaN;
  const from = samples[0]!.t;
  const span = samples.at(-1)!.t - from;
  const width = Math.max(10, span / 8);
  const floors = new Map<number, [number, number]>();
  for (const s of samples) {
    const w = Math.min(Math.floor((s.t - from) / width), Math.max(0, Math.floor(span / width) - 1));
    const v = value(s);
    if (!Number.isFinite(v)) continue;
    const cur = floors.get(w);
    if (!cur || v < cur[1]) floors.set(w, [(from + (w + 0.5) * width) / 60, v]);
  }
  return slope([...floors.values()]);
}
