/**
 * (a) Fan-out: 10, 50 and 100 stock clients in one document, 5 of them writing 5 edits/s each for
 * 20 s. Every edit carries its send time; every other client records edit→visible latency when its
 * map observer sees the record. Server CPU (cores) and RSS are read from /proc while it is measured.
 *
 * The servers are measured one after the other, each alone with its N clients (started, joined,
 * measured for ten 2-s slices, stopped). All clients run in this one process, so clients of a
 * server that is not being measured would still load it: an earlier version kept every server and
 * its clients connected and measured them in turn, and then one server's presence storms landed in
 * another's slices.
 *
 * Two ways of joining, each its own pass: `spread`, the clients open the document evenly over one
 * presence renewal period (15 s), so renewals arrive a few per second; `burst`, they all connect
 * within one second, as every console and wall of a station does when its link comes back, so
 * their presence renewals keep arriving together every 15 s.
 */
import type * as Y from 'yjs';
import { cpuSeconds, MachineSampler, rssBytes, waitForQuiet } from './lib/proc.ts';
import { Rng } from './lib/rng.ts';
import { cores, mib, ms, overBy, percentile, printTable } from './lib/stats.ts';
import {
  received,
  sleep,
  startTarget,
  TARGETS,
  until,
  type BenchClient,
  type Target,
  type TargetId,
} from './lib/targets.ts';
import { polygonAnnotation } from './lib/workload.ts';

/** `BENCH_FANOUT_CLIENTS=10,50` narrows the run while developing; the recorded figures use all three. */
const CLIENT_COUNTS = (process.env.BENCH_FANOUT_CLIENTS ?? '10,50,100').split(',').map(Number);
const WRITERS = 5;
const EDITS_PER_SECOND = 5;
/**
 * Slices of 2 s measured (10: 20 s, as recorded). `BENCH_FANOUT_SLICES=30` measures a minute, over
 * which what a fresh server does only once (V8 optimising its hot code) weighs a third as much.
 */
const SLICES = Number(process.env.BENCH_FANOUT_SLICES || 10);
const SLICE_MS = 2_000;
/** Keys each writer cycles through, so the document stays small. */
const KEYS_PER_WRITER = 10;
/** y-protocols awareness renews a client's state every outdatedTimeout / 2 = 15 s. */
const JOIN_PATTERNS = { spread: 15_000, burst: 1_000 } as const;
type JoinPattern = keyof typeof JOIN_PATTERNS;
/**
 * Rest between the last join and the first slice. `BENCH_FANOUT_SETTLE_MS=19000` measures a
 * settled room instead: every client's first renewal (stock clients start at clock 0, which no
 * awareness applies, so others first see them 15–18 s after joining) falls before the slices.
 */
const SETTLE_MS = Number(process.env.BENCH_FANOUT_SETTLE_MS || 1_000);
/**
 * Edits each server takes before the clients join (default none: a fresh server, as recorded).
 * `BENCH_FANOUT_WARMUP_EDITS=5000` measures servers whose hot code V8 has already optimised, as
 * in a server that has been running: one writer and one reader, the writer's edits relayed to the
 * reader, in steps of 50 each waited for.
 */
const WARMUP_EDITS = Number(process.env.BENCH_FANOUT_WARMUP_EDITS || 0);
/** `BENCH_FANOUT_JOINS=burst` narrows the run while developing; the recorded figures use both. */
const PATTERNS = (process.env.BENCH_FANOUT_JOINS ?? 'spread,burst')
  .split(',')
  .filter((p): p is JoinPattern => p in JOIN_PATTERNS);

/** A figure of every process of a target, added up. */
const sum = (pids: readonly number[], read: (pid: number) => number) => pids.reduce((t, pid) => t + read(pid), 0);

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
  /** What the clients received during the slices (y-websocket clients only). */
  received: typeof received | null;
}

/**
 * Connect `n` clients evenly over `spreadMs`. Stock y-websocket clients renew their awareness
 * state every 15 s and re-broadcast every remote awareness change they receive: clients that joined
 * within one second renew within one second, 15 s later and every 15 s after, and each such round
 * is n renewals relayed to n − 1 clients and echoed back (see docs/performance.md).
 */
async function connectAll(targets: Target[], n: number, spreadMs: number): Promise<BenchClient[][]> {
  const clients: BenchClient[][] = targets.map(() => []);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * spreadMs) / n - performance.now();
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
  const cpu0 = sum(target.pids, cpuSeconds);
  const bench0 = process.cpuUsage();
  const machine = new MachineSampler();
  const rssTimer = setInterval(() => (session.peakRss = Math.max(session.peakRss, sum(target.pids, rssBytes))), 200);
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
  const cpu = sum(target.pids, cpuSeconds) - cpu0;
  const bench = process.cpuUsage(bench0);
  const benchCpu = (bench.user + bench.system) / 1e6;
  session.cpuSeconds += cpu;
  session.wallSeconds += wall;
  session.benchCpuSeconds += benchCpu;
  session.otherCpuSeconds += Math.max(0, machine.stop() * wall - cpu - benchCpu);
  session.peakRss = Math.max(session.peakRss, sum(target.pids, rssBytes));
}

/** Every server in turn, each alone with its clients (see the file comment). */
async function fanout(n: number, pattern: JoinPattern): Promise<Map<TargetId, Session>> {
  const results = new Map<TargetId, Session>();
  for (const { id } of TARGETS) results.set(id, (await fanoutOne(n, pattern, id)).get(id)!);
  return results;
}

/** Run `WARMUP_EDITS` edits through `target` with one writer and one reader, then leave. */
async function warmUp(target: Target, templates: readonly { id: string }[]): Promise<void> {
  const [writer, reader] = [target.connect(), target.connect()];
  try {
    await Promise.all([writer.synced, reader.synced]);
    let seen = 0;
    reader.doc.getMap('annotations').observe((event) => void (seen += event.keysChanged.size));
    const map = writer.doc.getMap('annotations');
    for (let e = 0; e < WARMUP_EDITS; e++) {
      const template = templates[e % templates.length]!;
      map.set(template.id, { ...template, label: `warm-up ${e}`, updatedAt: Date.now() });
      if (e % 50 === 49) await until(() => seen > e, 10_000, 'warm-up edits relayed');
    }
    await until(() => seen >= WARMUP_EDITS, 10_000, 'warm-up edits relayed');
  } finally {
    writer.destroy();
    reader.destroy();
  }
}

async function fanoutOne(n: number, pattern: JoinPattern, id: TargetId): Promise<Map<TargetId, Session>> {
  const targets: Target[] = [];
  try {
    targets.push(await startTarget(id));
    const rng = new Rng(7);
    const templates = Array.from({ length: WRITERS * KEYS_PER_WRITER }, (_, i) =>
      polygonAnnotation(rng, `fan-w${Math.floor(i / KEYS_PER_WRITER)}-${i % KEYS_PER_WRITER}`, Date.now()),
    );
    if (WARMUP_EDITS > 0) await warmUp(targets[0]!, templates);
    const clients = await connectAll(targets, n, JOIN_PATTERNS[pattern]);
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
      received: null,
    }));
    sessions.forEach(observe);
    await sleep(SETTLE_MS);
    await waitForQuiet();
    Object.assign(received, { sync: 0, presence: 0, presenceBytes: 0 });
    for (let s = 0; s < SLICES; s++) for (const session of sessions) await slice(session, templates);
    // Hocuspocus speaks its own protocol: its messages are not counted by kind.
    for (const session of sessions) if (session.target.id !== 'hocuspocus') session.received = { ...received };
    for (const c of clients.flat()) c.destroy();
    return new Map(sessions.map((s) => [s.target.id, s]));
  } finally {
    for (const t of targets) await t.stop();
  }
}

export default async function run(): Promise<void> {
  console.log(
    `fan-out: ${CLIENT_COUNTS.join('/')} clients joined ${PATTERNS.join(' / ')}, ${WRITERS} writers × ${EDITS_PER_SECOND} edits/s × ${(SLICES * SLICE_MS) / 1000} s ` +
      `(${SLICES} slices of ${SLICE_MS / 1000} s, each server alone); latency over every (receiving client, edit) pair` +
      (WARMUP_EDITS ? `; each server warmed up with ${WARMUP_EDITS} edits first` : ''),
  );
  for (const pattern of PATTERNS) {
    const results = new Map<number, Map<TargetId, Session>>();
    for (const n of CLIENT_COUNTS) {
      const r = await fanout(n, pattern);
      results.set(n, r);
      for (const s of r.values()) {
        console.log(
          `  ${pattern} ${s.target.label.padEnd(26)} ${String(n).padStart(3)} clients: p50 ${ms(percentile(s.latencies, 50))}, ` +
            `p99 ${ms(percentile(s.latencies, 99))}, ${s.latencies.length}/${s.expected} seen`,
        );
      }
    }
    report(pattern, results);
  }
}

/** The table of one join pattern and its verdicts against the targets. */
function report(pattern: JoinPattern, results: Map<number, Map<TargetId, Session>>): void {
  const header = [
    'server',
    'clients',
    'p50',
    'p99',
    'max',
    'delivered',
    'server CPU (cores)',
    'server RSS idle',
    'server RSS peak',
    'bench CPU (cores)',
    'other CPU (cores)',
    'received per client: sync / presence',
  ];
  const rows: string[][] = [header];
  for (const [n, byTarget] of results) {
    for (const s of byTarget.values()) {
      const l = s.latencies;
      rows.push([
        s.target.label,
        String(n),
        ms(percentile(l, 50)),
        ms(percentile(l, 99)),
        ms(percentile(l, 100)),
        `${((l.length / s.expected) * 100).toFixed(1)} %`,
        cores(s.cpuSeconds / s.wallSeconds),
        mib(s.target.idleRss),
        mib(s.peakRss),
        cores(s.benchCpuSeconds / s.wallSeconds),
        cores(s.otherCpuSeconds / s.wallSeconds),
        s.received
          ? `${Math.round(s.received.sync / n)} / ${Math.round(s.received.presence / n)} (${(s.received.presenceBytes / n / 1024).toFixed(1)} KiB)`
          : '—',
      ]);
    }
  }
  printTable(
    `Fan-out, clients joined ${pattern === 'spread' ? 'over 15 s' : 'within 1 s'}: edit→visible latency at every client`,
    rows,
  );

  console.log('');
  for (const [n, byTarget] of results) {
    const peers = [...byTarget.values()].filter((s) => !s.target.id.startsWith('jointmap') && s.target.id !== 'floor');
    if (!peers.length) continue;
    for (const ours of byTarget.values())
      if (ours.target.id.startsWith('jointmap')) verdicts(pattern, n, ours, peers, byTarget.get('reference'));
  }
}

const verdict = (ok: boolean, miss: string) => (ok ? 'MET' : `MISSED (${miss})`);

/** One of our setups against the issue's targets: p99, CPU and memory against the peers of the same run. */
function verdicts(pattern: JoinPattern, n: number, ours: Session, peers: Session[], ref: Session | undefined): void {
  const who = `${pattern} ${n} clients${ours.target.id === 'jointmap' ? '' : ` (${ours.target.label})`}`;
  const o = percentile(ours.latencies, 99);
  const best = Math.min(...peers.map((p) => percentile(p.latencies, 99)));
  console.log(
    `Target ${who}: p99 ≤ the better peer's: ours ${ms(o)} vs ${ms(best)} → ${verdict(o <= best, overBy(o, best))}`,
  );
  if (!ref) return;
  const r = percentile(ref.latencies, 99);
  if (n === Math.max(...CLIENT_COUNTS))
    console.log(
      `Target ${who}: p99 ≤ 0.7 × reference: ours ${ms(o)} vs ${ms(0.7 * r)} → ${verdict(o <= 0.7 * r, overBy(o, 0.7 * r))}`,
    );
  // Several instances are there for connections, not to save CPU or memory: each applies every update.
  if (ours.target.pids.length > 1) return;
  const oc = ours.cpuSeconds / ours.wallSeconds;
  const rc = ref.cpuSeconds / ref.wallSeconds;
  console.log(
    `Target ${who}: server CPU ≤ reference: ours ${cores(oc)} vs ${cores(rc)} → ${verdict(oc <= rc, overBy(oc, rc))}`,
  );
  const limit = 1.5 * ref.peakRss;
  console.log(
    `Target ${who}: RSS peak ≤ 1.5 × reference: ours ${mib(ours.peakRss)} vs ${mib(limit)} → ${verdict(ours.peakRss <= limit, overBy(ours.peakRss, limit))}`,
  );
}
