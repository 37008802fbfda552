/**
 * Task latency: 临平's console raises tasks at a steady pace (default 10/s for 30 s after a 3 s
 * warm-up) on the real server in a child process (durable, authorizing, validating); four viewers
 * — the 德清, 桐乡 and commander consoles and the wall, each a stock y-websocket provider on every
 * document of the operation — record when each task appears in their copy of 临平's document.
 * Reports raise → visible per viewer (p50, p95, p99, max), completeness, and the server's CPU.
 * Raise and receipt are read from one `performance.now()` clock: every client runs in this process.
 */
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { login, spawnServer, tempDir } from '../helpers/server.ts';
import { newTaskId, OperationConsole, type ConsoleServer } from '../helpers/op-console.ts';
import { LINPING, missingPersonTask, raise } from '../helpers/tasks.ts';
import { MachineSampler, ProcessSampler, waitForQuiet } from './lib/proc.ts';
import { cores, mib, ms, percentile, printTable } from './lib/stats.ts';

const RATE = Number(process.env.BENCH_TASKS_RATE ?? 10);
const MEASURE_MS = Number(process.env.BENCH_TASKS_SECONDS ?? 30) * 1000;
const WARMUP_MS = 3_000;
const TARGET_P99_MS = 150;
const VIEWERS = ['deqing', 'tongxiang', 'commander', 'wall'] as const;

const sleep = (msValue: number) => new Promise((r) => setTimeout(r, msValue));

export default async function run(): Promise<void> {
  const dataDir = tempDir('jointmap-bench-tasks-');
  const server = await spawnServer(dataDir, { LOG_LEVEL: 'warn' });
  const target: ConsoleServer = { url: server.url, wsUrl: server.wsUrl, login: (u) => login(server.url, u) };
  const consoles: OperationConsole[] = [];
  try {
    const raiser = await OperationConsole.open(null, target, 'linping');
    consoles.push(raiser);
    const viewers = await Promise.all(VIEWERS.map((u) => OperationConsole.open(null, target, u)));
    consoles.push(...viewers);

    /** Task id → when it was raised; only tasks of the measured window. */
    const raisedAt = new Map<string, number>();
    const seen = viewers.map(() => new Map<string, number>());
    viewers.forEach((v, i) => {
      const tasks = v.doc(LINPING).getMap('tasks');
      tasks.observe((e) => {
        const now = performance.now();
        for (const key of e.keysChanged) if (!seen[i]!.has(key) && tasks.has(key)) seen[i]!.set(key, now);
      });
    });

    const quiet = await waitForQuiet(10_000);
    let raised = 0;
    const raiseOne = (measured: boolean) => {
      const task = missingPersonTask(newTaskId(), { title: `协查 ${++raised}` });
      const t0 = performance.now();
      raise(raiser, task);
      if (measured) raisedAt.set(task.id, t0);
    };

    // Warm-up, then the measured window; tasks are due at start + k / RATE.
    const pace = async (durationMs: number, measured: boolean) => {
      const start = performance.now();
      let sent = 0;
      for (;;) {
        const elapsed = performance.now() - start;
        if (elapsed >= durationMs) return;
        const due = Math.floor((elapsed * RATE) / 1000) + 1;
        while (sent < due) {
          raiseOne(measured);
          sent++;
        }
        await sleep(Math.max(1, (sent * 1000) / RATE - (performance.now() - start)));
      }
    };
    await pace(WARMUP_MS, false);
    const sampler = new ProcessSampler(server.child.pid!);
    const machine = new MachineSampler();
    const benchCpu0 = process.cpuUsage();
    await pace(MEASURE_MS, true);
    const usage = sampler.stop();
    const machineCores = machine.stop();
    const benchCpu = process.cpuUsage(benchCpu0);
    // Let the last tasks arrive (at most 5 s).
    const deadline = performance.now() + 5_000;
    while (performance.now() < deadline && seen.some((s) => [...raisedAt.keys()].some((id) => !s.has(id))))
      await sleep(20);

    const seconds = MEASURE_MS / 1000;
    const all: number[] = [];
    const rows: string[][] = [['viewer', 'tasks seen', 'p50', 'p95', 'p99', 'max']];
    viewers.forEach((v, i) => {
      const samples: number[] = [];
      for (const [id, t0] of raisedAt) {
        const t1 = seen[i]!.get(id);
        if (t1 !== undefined) samples.push(t1 - t0);
      }
      all.push(...samples);
      rows.push([
        `${v.user.name} (${v.username})`,
        `${samples.length} of ${raisedAt.size}`,
        ms(percentile(samples, 50)),
        ms(percentile(samples, 95)),
        ms(percentile(samples, 99)),
        ms(Math.max(...samples)),
      ]);
    });
    const p99 = percentile(all, 99);
    rows.push([
      'all four',
      `${all.length} of ${raisedAt.size * viewers.length}`,
      ms(percentile(all, 50)),
      ms(percentile(all, 95)),
      ms(p99),
      ms(Math.max(...all)),
    ]);
    printTable(
      `task latency: 临平 raises ${RATE}/s for ${seconds.toFixed(0)} s (${raisedAt.size} tasks measured), raise → visible on ${viewers.length} consoles of ${consoles[0]!.scopes.length} documents each`,
      rows,
    );
    console.log(
      `\n  target p99 ≤ ${TARGET_P99_MS} ms: ${p99 <= TARGET_P99_MS ? 'met' : 'MISSED'} (p99 ${ms(p99)})` +
        `\n  server CPU ${cores(usage.cores)} cores, RSS ${mib(usage.endRss)} (peak ${mib(usage.peakRss)})` +
        `\n  bench process CPU ${cores((benchCpu.user + benchCpu.system) / 1e6 / seconds)} cores (5 consoles, 20 providers)` +
        `\n  whole machine busy ${cores(machineCores)} cores during the window (idle before start: ${cores(quiet)});` +
        ` load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    const refused = consoles.flatMap((c) => c.rejections());
    if (refused.length) console.log(`  refusals: ${JSON.stringify(refused.slice(0, 3))} (${refused.length})`);
  } finally {
    for (const c of consoles) c.destroy();
    await server.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
