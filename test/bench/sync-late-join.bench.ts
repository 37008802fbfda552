/**
 * (b) Late join: a station document with 5,000 polygon annotations and 500 units; a new stock
 * client connects, and we time connect → synced with all 5,500 records in its maps. Repeated;
 * the first join is reported apart (a server that caches the encoded state pays only then).
 */
import * as Y from 'yjs';
import { MachineSampler, ProcessSampler, waitForQuiet, type PhaseUsage } from './lib/proc.ts';
import { Rng } from './lib/rng.ts';
import { cores, kib, median, mib, ms, overBy, percentile, printTable } from './lib/stats.ts';
import { sleep, SINGLE_TARGETS, startTarget, until, type BenchClient, type Target } from './lib/targets.ts';
import { pad, polygonAnnotation, unit } from './lib/workload.ts';

const ANNOTATIONS = 5_000;
const UNITS = 500;
const JOINS = 20;
/** Records per transaction while building the document (one update each). */
const BATCH = 100;

interface LateJoinResult {
  first: number;
  joins: number[];
  stateBytes: number;
  buildMs: number;
  usage: PhaseUsage;
}

/** Every generated record is there (ours seeds a few demo units of its own, so count ours by prefix). */
const complete = (doc: Y.Doc) =>
  doc.getMap('annotations').has(`ann-${pad(ANNOTATIONS - 1)}`) &&
  countPrefix(doc.getMap('annotations'), 'ann-') === ANNOTATIONS &&
  countPrefix(doc.getMap('units'), 'unit-') === UNITS;

function countPrefix(map: Y.Map<unknown>, prefix: string): number {
  let n = 0;
  for (const key of map.keys()) if (key.startsWith(prefix)) n++;
  return n;
}

async function build(target: Target): Promise<{ builder: BenchClient; watcher: BenchClient; ms: number }> {
  const builder = target.connect();
  const watcher = target.connect();
  await Promise.all([builder.synced, watcher.synced]);
  const rng = new Rng(11);
  const now = Date.now();
  const records: { map: 'annotations' | 'units'; value: { id: string } }[] = [];
  for (let i = 0; i < ANNOTATIONS; i++)
    records.push({ map: 'annotations', value: polygonAnnotation(rng, `ann-${pad(i)}`, now) });
  for (let i = 0; i < UNITS; i++) records.push({ map: 'units', value: unit(rng, `unit-${pad(i)}`, now) });
  const t0 = performance.now();
  for (let i = 0; i < records.length; i += BATCH) {
    builder.doc.transact(() => {
      for (const r of records.slice(i, i + BATCH)) builder.doc.getMap(r.map).set(r.value.id, r.value);
    });
  }
  // The server has it all once another client has received it all.
  await until(() => complete(watcher.doc), 120_000, 'the document to reach the server');
  return { builder, watcher, ms: performance.now() - t0 };
}

async function join(target: Target): Promise<{ ms: number; stateBytes: number }> {
  const t0 = performance.now();
  const client = target.connect();
  await client.synced;
  if (!complete(client.doc)) await until(() => complete(client.doc), 30_000, 'joiner to have every record', 1);
  const elapsed = performance.now() - t0;
  const stateBytes = Y.encodeStateAsUpdate(client.doc).byteLength;
  client.destroy();
  return { ms: elapsed, stateBytes };
}

export default async function run(): Promise<void> {
  console.log(
    `late join: ${ANNOTATIONS} polygon annotations + ${UNITS} units (built in transactions of ${BATCH}); ` +
      `1 + ${JOINS} joins one after another, connect → synced with every record`,
  );
  // All three servers hold the document at once and the joins alternate between them, so that
  // whatever else runs on the machine affects them alike. A server is idle while another is joined.
  const targets: Target[] = [];
  const built = new Map<string, { builder: BenchClient; watcher: BenchClient; ms: number }>();
  const results = new Map<string, LateJoinResult>();
  try {
    for (const { id } of SINGLE_TARGETS()) {
      const target = await startTarget(id);
      targets.push(target);
      built.set(id, await build(target));
    }
    await sleep(1_000);
    await waitForQuiet();
    const samplers = targets.map((t) => new ProcessSampler(t.pid));
    const machine = new MachineSampler();
    const joins = new Map<string, { ms: number; stateBytes: number }[]>(targets.map((t) => [t.id, []]));
    for (let i = 0; i < JOINS + 1; i++) {
      for (const target of targets) {
        joins.get(target.id)!.push(await join(target));
        await sleep(100);
      }
    }
    const machineCores = machine.stop();
    targets.forEach((target, i) => {
      const all = joins.get(target.id)!;
      const r: LateJoinResult = {
        first: all[0]!.ms,
        joins: all.slice(1).map((j) => j.ms),
        stateBytes: all[all.length - 1]!.stateBytes,
        buildMs: built.get(target.id)!.ms,
        usage: samplers[i]!.stop(),
      };
      results.set(target.id, r);
      console.log(
        `  ${target.label.padEnd(26)} first ${ms(r.first)}, median ${ms(median(r.joins))}, p90 ${ms(percentile(r.joins, 90))}`,
      );
    });
    console.log(
      `  (whole machine busy ${cores(machineCores)} cores on average during the joins, bench and servers included)`,
    );
  } finally {
    for (const b of built.values()) {
      b.builder.destroy();
      b.watcher.destroy();
    }
    for (const t of targets) await t.stop();
  }
  const rows: string[][] = [
    [
      'server',
      'first join',
      'median',
      'p90',
      'min',
      'state',
      'build (5,500 records)',
      'server CPU per join',
      'server RSS peak',
    ],
  ];
  for (const { id, label } of SINGLE_TARGETS()) {
    const r = results.get(id)!;
    rows.push([
      label,
      ms(r.first),
      ms(median(r.joins)),
      ms(percentile(r.joins, 90)),
      ms(Math.min(...r.joins)),
      kib(r.stateBytes),
      ms(r.buildMs),
      ms((r.usage.cpuSeconds * 1000) / (JOINS + 1)),
      mib(r.usage.peakRss),
    ]);
  }
  printTable(`Late join: connect → synced (${JOINS} repeated joins after the first)`, rows);
  const ours = results.get('jointmap');
  const ref = results.get('reference');
  if (ours && ref) {
    const limit = 0.8 * median(ref.joins);
    const o = median(ours.joins);
    console.log(
      `\nTarget: median late join ≥ 20 % faster than the reference: ours ${ms(o)} vs reference ${ms(median(ref.joins))} ` +
        `(${(((median(ref.joins) - o) / median(ref.joins)) * 100).toFixed(0)} % faster; limit ${ms(limit)}) → ` +
        (o <= limit ? 'MET' : `MISSED by ${ms(o - limit)} (${overBy(o, limit)} over the limit)`),
    );
  }
}
