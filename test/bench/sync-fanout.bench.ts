/**
 * (a) Fan-out: 10, 50 and 100 stock clients in one document, 5 of them writing 5 edits/s each for
 * 20 s. Every edit carries its send time; every other client records edit→visible latency when its
 * map observer sees the record. Server CPU (cores) and RSS are read from /proc for the phase.
 */
import type * as Y from 'yjs';
import { ProcessSampler, type PhaseUsage } from './lib/proc.ts';
import { Rng } from './lib/rng.ts';
import { cores, mib, ms, overBy, percentile, printTable } from './lib/stats.ts';
import { startTarget, sleep, TARGETS, until, type BenchClient, type Target, type TargetId } from './lib/targets.ts';
import { polygonAnnotation } from './lib/workload.ts';

/** `BENCH_FANOUT_CLIENTS=10,50` narrows the run while developing; the recorded figures use all three. */
const CLIENT_COUNTS = (process.env.BENCH_FANOUT_CLIENTS ?? '10,50,100').split(',').map(Number);
const WRITERS = 5;
const EDITS_PER_SECOND = 5;
const DURATION_MS = 20_000;
/** Keys each writer cycles through, so the document stays small. */
const KEYS_PER_WRITER = 10;
/** y-protocols awareness renews a client's state every outdatedTimeout / 2 = 15 s. */
const JOIN_SPREAD_MS = 15_000;

interface FanoutResult {
  latencies: Float64Array;
  expected: number;
  usage: PhaseUsage;
  benchCores: number;
}

/**
 * Connect `n` clients evenly over one awareness renewal period (15 s), as clients that open the
 * document at different times would. Stock y-websocket clients renew their awareness state every
 * 15 s and re-broadcast every remote awareness change they receive, so if all of them joined at once
 * their renewals would land in the same second and the resulting 2·n² message storm would dominate
 * every server's p99 (see docs/performance.md).
 */
async function connectAll(target: Target, n: number): Promise<BenchClient[]> {
  const clients: BenchClient[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * JOIN_SPREAD_MS) / n - performance.now();
    if (wait > 0) await sleep(wait);
    clients.push(target.connect());
  }
  await Promise.all(clients.map((c) => c.synced));
  return clients;
}

async function fanout(target: Target, n: number): Promise<FanoutResult> {
  const clients = await connectAll(target, n);
  await sleep(1_000);
  const editsPerWriter = (EDITS_PER_SECOND * DURATION_MS) / 1000;
  const expected = WRITERS * editsPerWriter * (n - 1);
  const latencies = new Float64Array(expected);
  let count = 0;
  for (const client of clients) {
    const map = client.doc.getMap('annotations');
    map.observe((event: Y.YMapEvent<unknown>) => {
      if (event.transaction.local) return;
      const now = performance.now();
      for (const key of event.keysChanged) {
        const label = (map.get(key) as { label?: string } | undefined)?.label;
        if (!label?.startsWith('t=')) continue;
        if (count < expected) latencies[count] = now - Number(label.slice(2));
        count++;
      }
    });
  }

  const rng = new Rng(7);
  const templates = Array.from({ length: WRITERS * KEYS_PER_WRITER }, (_, i) =>
    polygonAnnotation(rng, `fan-w${Math.floor(i / KEYS_PER_WRITER)}-${i % KEYS_PER_WRITER}`, Date.now()),
  );
  const sampler = new ProcessSampler(target.pid);
  const benchCpu0 = process.cpuUsage();
  const t0 = performance.now();
  const interval = 1000 / EDITS_PER_SECOND;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      const map = clients[w]!.doc.getMap('annotations');
      for (let e = 0; e < editsPerWriter; e++) {
        // Absolute schedule, writers staggered across the interval.
        const due = t0 + e * interval + (w * interval) / WRITERS;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const template = templates[w * KEYS_PER_WRITER + (e % KEYS_PER_WRITER)]!;
        const sentAt = performance.now();
        map.set(template.id, { ...template, label: `t=${sentAt.toFixed(3)}`, updatedAt: Date.now() });
      }
    }),
  );
  await until(() => count >= expected, 15_000, 'every edit at every client').catch(() => undefined);
  const usage = sampler.stop();
  const benchCpu = process.cpuUsage(benchCpu0);
  for (const c of clients) c.destroy();
  return {
    latencies: latencies.subarray(0, Math.min(count, expected)),
    expected,
    usage,
    benchCores: (benchCpu.user + benchCpu.system) / 1e6 / usage.wallSeconds,
  };
}

export default async function run(): Promise<void> {
  console.log(
    `fan-out: ${CLIENT_COUNTS.join('/')} clients, ${WRITERS} writers × ${EDITS_PER_SECOND} edits/s × ${DURATION_MS / 1000} s; ` +
      'latency over every (receiving client, edit) pair; each server in a fresh process',
  );
  const results = new Map<string, FanoutResult>();
  for (const n of CLIENT_COUNTS) {
    for (const { id } of TARGETS) {
      const target = await startTarget(id);
      try {
        const r = await fanout(target, n);
        results.set(`${id}/${n}`, r);
        console.log(
          `  ${target.label.padEnd(26)} ${String(n).padStart(3)} clients: p50 ${ms(percentile(r.latencies as unknown as number[], 50))}, ` +
            `p99 ${ms(percentile(r.latencies as unknown as number[], 99))}, ${r.latencies.length}/${r.expected} seen`,
        );
      } finally {
        await target.stop();
      }
    }
  }

  const header = ['server', 'clients', 'p50', 'p99', 'max', 'delivered', 'server CPU (cores)', 'server RSS peak', 'bench CPU (cores)'];
  const rows: string[][] = [header];
  for (const n of CLIENT_COUNTS) {
    for (const { id, label } of TARGETS) {
      const r = results.get(`${id}/${n}`)!;
      const l = Array.from(r.latencies);
      rows.push([
        label, String(n), ms(percentile(l, 50)), ms(percentile(l, 99)), ms(percentile(l, 100)),
        `${((l.length / r.expected) * 100).toFixed(1)} %`, cores(r.usage.cores), mib(r.usage.peakRss), cores(r.benchCores),
      ]);
    }
  }
  printTable('Fan-out: edit→visible latency at every client', rows);

  const top = Math.max(...CLIENT_COUNTS);
  const p99 = (id: TargetId) => percentile(Array.from(results.get(`${id}/${top}`)!.latencies), 99);
  const ours = p99('jointmap');
  const ref = p99('reference');
  console.log(
    `\nTarget: p99 at ${top} clients ≤ reference in the same run: ours ${ms(ours)} vs reference ${ms(ref)} → ` +
      (ours <= ref ? 'MET' : `MISSED by ${ms(ours - ref)} (${overBy(ours, ref)})`),
  );
}
