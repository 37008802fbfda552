/**
 * (a) Fan-out: 10, 50 and 100 stock clients in one document, 5 of them writing 5 edits/s each for
 * 20 s. Every edit carries its send time; every other client records edit→visible latency when its
 * map observer sees the record. Server CPU (cores) and RSS are read from /proc while it is measured.
 *
 * The three servers run side by side, each with its own N clients, and the 20 s are measured in
 * ten 2-s slices per server taken in turn (ours, reference, Hocuspocus, ours, …): whatever else
 * runs on the machine then hits all three alike instead of whichever ran at the wrong moment.
 */
import type * as Y from 'yjs';
import { cpuSeconds, MachineSampler, rssBytes, waitForQuiet } from './lib/proc.ts';
import { Rng } from './lib/rng.ts';
import { cores, mib, ms, overBy, percentile, printTable } from './lib/stats.ts';
import { sleep, startTarget, TARGETS, until, type BenchClient, type Target, type TargetId } from './lib/targets.ts';
import { polygonAnnotation } from './lib/workload.ts';

/** `BENCH_FANOUT_CLIENTS=10,50` narrows the run while developing; the recorded figures use all three. */
const CLIENT_COUNTS = (process.env.BENCH_FANOUT_CLIENTS ?? '10,50,100').split(',').map(Number);
const WRITERS = 5;
const EDITS_PER_SECOND = 5;
const SLICES = 10;
const SLICE_MS = 2_000;
/** Keys each writer cycles through, so the document stays small. */
const KEYS_PER_WRITER = 10;
/** y-protocols awareness renews a client's state every outdatedTimeout / 2 = 15 s. */
const JOIN_SPREAD_MS = 15_000;

interface Session {
  target: Target;
  clients: BenchClient[];
  latencies: number[];
  /** Latency samples expected so far (edits sent × receiving clients). */
  expected: number;
  cpuSeconds: number;
  wallSeconds: number;
  benchCpuSeconds: number;
  otherCpuSeconds: number;
  peakRss: number;
}

/**
 * Connect `n` clients evenly over one awareness renewal period (15 s), as clients that open the
 * document at different times would. Stock y-websocket clients renew their awareness state every
 * 15 s and re-broadcast every remote awareness change they receive, so if all of them joined at once
 * their renewals would land in the same second and the resulting 2·n² message storm would dominate
 * every server's p99 (see docs/performance.md).
 */
async function connectAll(targets: Target[], n: number): Promise<BenchClient[][]> {
  const clients: BenchClient[][] = targets.map(() => []);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * JOIN_SPREAD_MS) / n - performance.now();
    if (wait > 0) await sleep(wait);
    targets.forEach((t, k) => clients[k]!.push(t.connect()));
  }
  await Promise.all(clients.flat().map((c) => c.synced));
  return clients;
}

function observe(session: Session): void {
  for (const client of session.clients) {
    const map = client.doc.getMap('annotations');
    map.observe((event: Y.YMapEvent<unknown>) => {
      if (event.transaction.local) return;
      const now = performance.now();
      for (const key of event.keysChanged) {
        const label = (map.get(key) as { label?: string } | undefined)?.label;
        if (label?.startsWith('t=')) session.latencies.push(now - Number(label.slice(2)));
      }
    });
  }
}

/** One 5-s slice of edits on one server, measured. */
async function slice(session: Session, templates: readonly { id: string }[]): Promise<void> {
  const { target, clients } = session;
  const editsPerWriter = (EDITS_PER_SECOND * SLICE_MS) / 1000;
  const cpu0 = cpuSeconds(target.pid);
  const bench0 = process.cpuUsage();
  const machine = new MachineSampler();
  const rssTimer = setInterval(() => (session.peakRss = Math.max(session.peakRss, rssBytes(target.pid))), 200);
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
  session.expected += WRITERS * editsPerWriter * (clients.length - 1);
  // Drain: every edit seen everywhere (or given up on) before the next server's slice starts.
  await until(() => session.latencies.length >= session.expected, 10_000, 'every edit at every client').catch(
    () => undefined,
  );
  clearInterval(rssTimer);
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(target.pid) - cpu0;
  const bench = process.cpuUsage(bench0);
  const benchCpu = (bench.user + bench.system) / 1e6;
  session.cpuSeconds += cpu;
  session.wallSeconds += wall;
  session.benchCpuSeconds += benchCpu;
  session.otherCpuSeconds += Math.max(0, machine.stop() * wall - cpu - benchCpu);
  session.peakRss = Math.max(session.peakRss, rssBytes(target.pid));
}

async function fanout(n: number): Promise<Map<TargetId, Session>> {
  const targets: Target[] = [];
  try {
    for (const { id } of TARGETS) targets.push(await startTarget(id));
    const clients = await connectAll(targets, n);
    const sessions = targets.map((target, k): Session => ({
      target,
      clients: clients[k]!,
      latencies: [],
      expected: 0,
      cpuSeconds: 0,
      wallSeconds: 0,
      benchCpuSeconds: 0,
      otherCpuSeconds: 0,
      peakRss: 0,
    }));
    sessions.forEach(observe);
    const rng = new Rng(7);
    const templates = Array.from({ length: WRITERS * KEYS_PER_WRITER }, (_, i) =>
      polygonAnnotation(rng, `fan-w${Math.floor(i / KEYS_PER_WRITER)}-${i % KEYS_PER_WRITER}`, Date.now()),
    );
    await sleep(1_000);
    await waitForQuiet();
    for (let s = 0; s < SLICES; s++) for (const session of sessions) await slice(session, templates);
    for (const c of clients.flat()) c.destroy();
    return new Map(sessions.map((s) => [s.target.id, s]));
  } finally {
    for (const t of targets) await t.stop();
  }
}

export default async function run(): Promise<void> {
  console.log(
    `fan-out: ${CLIENT_COUNTS.join('/')} clients, ${WRITERS} writers × ${EDITS_PER_SECOND} edits/s × ${(SLICES * SLICE_MS) / 1000} s ` +
      `(${SLICES} slices of ${SLICE_MS / 1000} s per server, in turn); latency over every (receiving client, edit) pair`,
  );
  const results = new Map<number, Map<TargetId, Session>>();
  for (const n of CLIENT_COUNTS) {
    const r = await fanout(n);
    results.set(n, r);
    for (const s of r.values()) {
      console.log(
        `  ${s.target.label.padEnd(26)} ${String(n).padStart(3)} clients: p50 ${ms(percentile(s.latencies, 50))}, ` +
          `p99 ${ms(percentile(s.latencies, 99))}, ${s.latencies.length}/${s.expected} seen`,
      );
    }
  }

  const header = [
    'server',
    'clients',
    'p50',
    'p99',
    'max',
    'delivered',
    'server CPU (cores)',
    'server RSS peak',
    'bench CPU (cores)',
    'other CPU (cores)',
  ];
  const rows: string[][] = [header];
  for (const n of CLIENT_COUNTS) {
    for (const s of results.get(n)!.values()) {
      const l = s.latencies;
      rows.push([
        s.target.label,
        String(n),
        ms(percentile(l, 50)),
        ms(percentile(l, 99)),
        ms(percentile(l, 100)),
        `${((l.length / s.expected) * 100).toFixed(1)} %`,
        cores(s.cpuSeconds / s.wallSeconds),
        mib(s.peakRss),
        cores(s.benchCpuSeconds / s.wallSeconds),
        cores(s.otherCpuSeconds / s.wallSeconds),
      ]);
    }
  }
  printTable('Fan-out: edit→visible latency at every client', rows);

  const top = results.get(Math.max(...CLIENT_COUNTS))!;
  const ours = top.get('jointmap');
  const ref = top.get('reference');
  if (ours && ref) {
    const o = percentile(ours.latencies, 99);
    const r = percentile(ref.latencies, 99);
    console.log(
      `\nTarget: p99 at ${Math.max(...CLIENT_COUNTS)} clients ≤ reference in the same run: ours ${ms(o)} vs reference ${ms(r)} → ` +
        (o <= r ? 'MET' : `MISSED by ${ms(o - r)} (${overBy(o, r)})`),
    );
  }
}
