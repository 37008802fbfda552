/**
 * Resident memory of each sync server at rest: started side by side (each in its own process,
 * ours from the production build with its launch settings), RSS read 1 s after start and again
 * after 30 s with no client. Start-up garbage and the young generation are given back only once
 * the process has been idle for a while (V8's memory reducer; ours's own idle check), so the second
 * figure is the one a server holds while nobody uses it; the first is what start-up leaves.
 */
import { rssBytes } from './lib/proc.ts';
import { mib, overBy, printTable } from './lib/stats.ts';
import { sleep, SINGLE_TARGETS, startTarget, type Target } from './lib/targets.ts';

const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 30_000);

export default async function run(): Promise<void> {
  console.log(`idle memory: RSS 1 s after start and after ${IDLE_MS / 1000} s without clients`);
  const targets: Target[] = [];
  try {
    for (const { id } of SINGLE_TARGETS()) targets.push(await startTarget(id));
    await sleep(1_000);
    const sum = (t: Target) => t.pids.reduce((s, pid) => s + rssBytes(pid), 0);
    const atStart = targets.map(sum);
    await sleep(IDLE_MS);
    const idle = targets.map(sum);
    printTable('Resident memory without clients', [
      ['server', 'RSS 1 s after start', `RSS after ${IDLE_MS / 1000} s idle`],
      ...targets.map((t, k) => [t.label, mib(atStart[k]!), mib(idle[k]!)]),
    ]);
    const ours = targets.findIndex((t) => t.id === 'jointmap');
    const ref = targets.findIndex((t) => t.id === 'reference');
    if (ours >= 0 && ref >= 0) {
      const limit = 1.5 * idle[ref]!;
      console.log(
        `\nTarget: idle RSS ≤ 1.5 × reference: ours ${mib(idle[ours]!)} vs ${mib(limit)} → ` +
          (idle[ours]! <= limit ? 'MET' : `MISSED (${overBy(idle[ours]!, limit)})`),
      );
    }
  } finally {
    for (const t of targets) await t.stop();
  }
}
