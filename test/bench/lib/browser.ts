import { cpus } from 'node:os';
import type { BrowserContext, Page } from 'playwright-core';
import type { Annotation } from '@jointmap/shared';

/** Annotation i of a bench set: every kind, spread over the tri-county area (WGS-84). */
export function benchAnnotation(i: number, now: number): Annotation {
  const lng = 119.85 + (i % 100) * 0.008;
  const lat = 30.35 + Math.floor(i / 100) * 0.008;
  const d = 0.002;
  const base = {
    id: `bench-${i}`,
    label: i % 5 === 0 ? `标注${i}` : '',
    color: '#2563eb',
    author: 'u-deqing',
    createdAt: now,
    updatedAt: now,
  };
  switch (i % 4) {
    case 0:
      return { ...base, kind: 'point', geometry: { type: 'Point', coordinates: [lng, lat] } };
    case 1:
      return {
        ...base,
        kind: 'line',
        geometry: {
          type: 'LineString',
          coordinates: [
            [lng, lat],
            [lng + d, lat + d],
            [lng + 2 * d, lat],
          ],
        },
      };
    case 2:
      return {
        ...base,
        kind: 'polygon',
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [lng, lat],
              [lng + d, lat],
              [lng + d, lat + d],
              [lng, lat + d],
              [lng, lat],
            ],
          ],
        },
      };
    default:
      return { ...base, kind: 'circle', radiusM: 120, geometry: { type: 'Point', coordinates: [lng, lat] } };
  }
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

export interface MainThreadFigures {
  seconds: number;
  /** CDP TaskDuration of the page's main thread, ms per wall-clock second. */
  busyMsPerSecond: number;
  scriptMsPerSecond: number;
  longTasks: number[];
  frames: { p50: number; p95: number; max: number; count: number };
  /** Optional CPU profile summary (BENCH_PROFILE=1): top self-time functions. */
  profile: string | null;
}

/**
 * Measures a page's main thread from now until `stop()`: CDP `Performance` TaskDuration and
 * ScriptDuration (busy time), PerformanceObserver long tasks, and requestAnimationFrame intervals.
 */
export async function probeMainThread(
  context: BrowserContext,
  page: Page,
): Promise<{ stop(): Promise<MainThreadFigures> }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const metric = async (name: string) => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((m) => m.name === name)?.value ?? 0;
  };
  // A string, not a function: tsx would wrap named functions in a helper the page lacks.
  await page.evaluate(`(() => {
    window.benchFrames = [];
    window.benchLong = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => window.benchLong.push(e.duration))).observe({ type: 'longtask' });
    let last = performance.now();
    const tick = (t) => { window.benchFrames.push(t - last); last = t; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  })()`);
  const profiling = !!process.env.BENCH_PROFILE;
  if (profiling) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
  }
  const t0 = performance.now();
  const busy0 = await metric('TaskDuration');
  const script0 = await metric('ScriptDuration');
  return {
    async stop() {
      const seconds = (performance.now() - t0) / 1000;
      const busy = (await metric('TaskDuration')) - busy0;
      const script = (await metric('ScriptDuration')) - script0;
      let profile: string | null = null;
      if (profiling) {
        const { profile: p } = await cdp.send('Profiler.stop');
        const self = new Map<string, number>();
        const dt = p.timeDeltas ?? [];
        const byId = new Map(p.nodes.map((n) => [n.id, n]));
        (p.samples ?? []).forEach((id, i) => {
          const n = byId.get(id)!;
          const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
          self.set(k, (self.get(k) ?? 0) + (dt[i] ?? 0) / 1000);
        });
        profile = [...self.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 25)
          .map(([k, v]) => `${v.toFixed(0)} ms ${k}`)
          .join('\n');
      }
      const { frames, longTasks } = await page.evaluate(() => {
        const w = window as unknown as { benchFrames: number[]; benchLong: number[] };
        return { frames: w.benchFrames.slice(1), longTasks: w.benchLong };
      });
      const sorted = [...frames].sort((a, b) => a - b);
      return {
        seconds,
        busyMsPerSecond: (busy * 1000) / seconds,
        scriptMsPerSecond: (script * 1000) / seconds,
        longTasks,
        frames: {
          p50: pct(sorted, 50),
          p95: pct(sorted, 95),
          max: sorted[sorted.length - 1] ?? 0,
          count: frames.length,
        },
        profile,
      };
    },
  };
}

/** The lines every browser bench prints for its main-thread figures. */
export function printMainThread(f: MainThreadFigures): void {
  if (f.profile) console.log(f.profile);
  const maxLong = f.longTasks.length ? Math.max(...f.longTasks) : 0;
  console.log(
    `  main-thread busy: ${f.busyMsPerSecond.toFixed(0)} ms per second (target ≤ 200), of which script ${f.scriptMsPerSecond.toFixed(0)} ms`,
  );
  console.log(`  long tasks (>50 ms): ${f.longTasks.length}, longest ${maxLong.toFixed(0)} ms`);
  console.log(
    `  frame time: p50 ${f.frames.p50.toFixed(1)} ms, p95 ${f.frames.p95.toFixed(1)} ms, max ${f.frames.max.toFixed(1)} ms over ${f.frames.count} frames`,
  );
  console.log(
    `  machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, headless Chromium (SwiftShader WebGL)`,
  );
}
