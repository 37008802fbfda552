import type { BrowserContext, CDPSession, Page } from 'playwright-core';

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: {
    name?: string;
    data?: { url?: string; functionName?: string };
    beginData?: { dirtyObjects?: number; totalObjects?: number };
  };
}

const CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8.execute',
  'blink',
  'gpu',
].join(',');

/**
 * A Chromium trace of a page's renderer main thread from now until `stop()` (`BENCH_TRACE=1` in
 * the browser benches): the self time of each trace event name (ms per second), the way DevTools'
 * "Bottom-up" view groups it, to see where main-thread busy time goes (script, style, layout,
 * paint, WebGL command flushes…).
 */
export async function traceMainThread(context: BrowserContext, page: Page): Promise<{ stop(): Promise<string> }> {
  const cdp: CDPSession = await context.newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...(e.value as unknown as TraceEvent[])));
  await cdp.send('Tracing.start', { categories: CATEGORIES, transferMode: 'ReportEvents' });
  const t0 = performance.now();
  return {
    async stop() {
      const seconds = (performance.now() - t0) / 1000;
      const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
      await cdp.send('Tracing.end');
      await done;
      await cdp.detach();
      return summarize(events, seconds);
    },
  };
}

function summarize(events: TraceEvent[], seconds: number): string {
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main) return 'trace: no renderer main thread';
  const own = events
    .filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && typeof e.dur === 'number')
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  // Self time: an event's duration minus its direct children's (events nest on one thread).
  const self = new Map<string, number>();
  const count = new Map<string, number>();
  let layoutObjects = 0;
  let layouts = 0;
  const stack: Array<{ end: number; key: string; child: number; dur: number }> = [];
  const close = (until: number) => {
    while (stack.length && stack[stack.length - 1]!.end <= until) {
      const top = stack.pop()!;
      self.set(top.key, (self.get(top.key) ?? 0) + Math.max(0, top.dur - top.child));
    }
  };
  let top = 0;
  for (const e of own) {
    close(e.ts);
    const key =
      e.name === 'FunctionCall' || e.name === 'EvaluateScript'
        ? `${e.name} ${e.args?.data?.functionName ?? ''} ${(e.args?.data?.url ?? '').split('/').pop()}`
        : e.name;
    count.set(key, (count.get(key) ?? 0) + 1);
    if (e.name === 'Layout' && e.args?.beginData) {
      layouts++;
      layoutObjects += e.args.beginData.totalObjects ?? 0;
    }
    const parent = stack[stack.length - 1];
    if (parent) parent.child += e.dur!;
    else top += e.dur!;
    stack.push({ end: e.ts + e.dur!, key, child: 0, dur: e.dur! });
  }
  close(Infinity);
  const rows = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 20)
    .map(
      ([k, us]) =>
        `    ${(us / 1000 / seconds).toFixed(1).padStart(7)} ms/s ${String(count.get(k) ?? 0).padStart(6)}×  ${k}`,
    );
  return [
    `  trace (${seconds.toFixed(1)} s): top-level tasks ${(top / 1000 / seconds).toFixed(0)} ms/s; ${layouts} layouts of ${layouts ? Math.round(layoutObjects / layouts) : 0} objects on average; self time by event:`,
    ...rows,
  ].join('\n');
}
