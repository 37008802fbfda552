import { readdirSync, readFileSync } from 'node:fs';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { rssBytes } from './proc.ts';

/** One sample of a page's memory, taken after a forced full GC. */
export interface PageMemory {
  /** Seconds since the soak started. */
  t: number;
  /** Main-thread JS heap in use after GC (CDP `Runtime.getHeapUsage`), bytes. */
  heap: number;
  /** DOM nodes and JS event listeners (CDP `Memory.getDOMCounters`). */
  nodes: number;
  listeners: number;
  documents: number;
  /** RSS of the page's renderer processes (includes MapLibre's workers) and of the GPU process, bytes. */
  rendererRss: number;
  gpuRss: number;
  /** RSS of the server process running at that moment, bytes. */
  serverRss: number;
}

/** CDP probe of one page: forced GC, then heap in use and DOM counters. */
export async function memoryProbe(
  context: BrowserContext,
  page: Page,
): Promise<(t: number, serverPid: number | undefined) => Promise<PageMemory>> {
  const cdp: CDPSession = await context.newCDPSession(page);
  return async (t, serverPid) => {
    // Twice: the first collection can leave weakly held or finalisable objects for the second.
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    const counters = await cdp.send('Memory.getDOMCounters');
    const chromium = chromiumRss();
    return {
      t,
      heap: usedSize,
      nodes: counters.nodes,
      listeners: counters.jsEventListeners,
      documents: counters.documents,
      rendererRss: chromium.renderer,
      gpuRss: chromium.gpu,
      serverRss: serverPid ? safeRss(serverPid) : Number.NaN,
    };
  };
}

function safeRss(pid: number): number {
  try {
    return rssBytes(pid);
  } catch {
    return Number.NaN;
  }
}

/**
 * RSS of the Chromium processes this Node process launched (descendants of our pid whose command
 * line has `--type=renderer` / `--type=gpu-process`), from /proc. Other Chromiums on the machine
 * are not counted.
 */
export function chromiumRss(): { renderer: number; gpu: number } {
  const children = new Map<number, number[]>();
  const cmd = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
      cmd.set(pid, readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      // the process ended meanwhile
    }
  }
  let renderer = 0;
  let gpu = 0;
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      const line = cmd.get(c) ?? '';
      if (line.includes('--type=renderer')) renderer += safeRss(c) || 0;
      else if (line.includes('--type=gpu-process')) gpu += safeRss(c) || 0;
      walk(c);
    }
  };
  walk(process.pid);
  return { renderer, gpu };
}

/** Least-squares slope of y over x (units of y per unit of x); NaN for fewer than two points. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

export const mib = (b: number) => (b / 2 ** 20).toFixed(1);
