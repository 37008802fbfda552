/**
 * (c) Growth: 200 unit records overwritten 20,000 times in all (one update per overwrite, as a
 * dispatcher changing statuses would send them). Afterwards: the encoded state a fresh client
 * receives, the server's RSS after a short settle, and for ours the SQLite files (the update log
 * is kept whole on purpose: it is the audit trail).
 */
import * as Y from 'yjs';
import { ProcessSampler, rssBytes } from './lib/proc.ts';
import { Rng } from './lib/rng.ts';
import { cores, kib, mib, printTable } from './lib/stats.ts';
import { sleep, SINGLE_TARGETS, startTarget, until, type Target } from './lib/targets.ts';
import { pad, unit } from './lib/workload.ts';

const ENTRIES = 200;
const OVERWRITES = 20_000;
/** Overwrites sent before waiting for another client to have seen them (flow control). */
const WINDOW = 500;
const STATUSES = ['available', 'en_route', 'on_scene', 'busy', 'off_duty'] as const;

interface GrowthResult {
  writeSeconds: number;
  stateBytes: number;
  joinedRecords: number;
  idleRss: number;
  rssAfter: number;
  peakRss: number;
  cores: number;
  diskBytes: { database: number; wal: number } | null;
}

async function growth(target: Target): Promise<GrowthResult> {
  const writer = target.connect();
  const watcher = target.connect();
  await Promise.all([writer.synced, watcher.synced]);
  const rng = new Rng(23);
  const base = Array.from({ length: ENTRIES }, (_, i) => unit(rng, `grow-${pad(i, 3)}`, Date.now()));
  const units = writer.doc.getMap('units');
  const seen = watcher.doc.getMap('units');
  const sampler = new ProcessSampler(target.pid);
  const t0 = performance.now();
  for (let i = 0; i < OVERWRITES; i++) {
    const record = base[i % ENTRIES]!;
    // Each write is its own transaction, so its own update on the wire.
    units.set(record.id, { ...record, status: STATUSES[i % STATUSES.length]!, updatedAt: Date.now() + i });
    if ((i + 1) % WINDOW === 0 || i === OVERWRITES - 1) {
      const expected = (units.get(record.id) as { updatedAt: number }).updatedAt;
      await until(
        () => (seen.get(record.id) as { updatedAt?: number } | undefined)?.updatedAt === expected,
        60_000,
        'overwrites to arrive',
      );
    }
  }
  const writeSeconds = (performance.now() - t0) / 1000;
  const usage = sampler.stop();
  writer.destroy();
  // A fresh client: what a joiner has to download now.
  const fresh = target.connect();
  await fresh.synced;
  await until(() => fresh.doc.getMap('units').has(`grow-${pad(ENTRIES - 1, 3)}`), 30_000, 'fresh client to sync');
  const stateBytes = Y.encodeStateAsUpdate(fresh.doc).byteLength;
  const joinedRecords = [...fresh.doc.getMap('units').keys()].filter((k) => k.startsWith('grow-')).length;
  fresh.destroy();
  watcher.destroy();
  await sleep(1_000);
  return {
    writeSeconds,
    stateBytes,
    joinedRecords,
    idleRss: target.idleRss,
    rssAfter: rssBytes(target.pid),
    peakRss: usage.peakRss,
    cores: usage.cores,
    diskBytes: target.diskBytes(),
  };
}

export default async function run(): Promise<void> {
  console.log(
    `growth: ${ENTRIES} unit records overwritten ${OVERWRITES} times in all, one update each, ${WINDOW} in flight at most`,
  );
  const results = new Map<string, GrowthResult>();
  for (const { id } of SINGLE_TARGETS()) {
    const target = await startTarget(id);
    try {
      const r = await growth(target);
      results.set(id, r);
      console.log(
        `  ${target.label.padEnd(26)} ${(OVERWRITES / r.writeSeconds).toFixed(0)} overwrites/s, state ${kib(r.stateBytes)}, RSS ${mib(r.rssAfter)}`,
      );
      if (r.joinedRecords !== ENTRIES) console.log(`  (!) fresh client saw ${r.joinedRecords} of ${ENTRIES} records`);
    } finally {
      await target.stop();
    }
  }
  const rows: string[][] = [
    [
      'server',
      'encoded state after',
      'server RSS idle',
      'RSS after (+1 s)',
      'RSS peak',
      'overwrites/s',
      'server CPU (cores)',
      'on disk',
    ],
  ];
  for (const { id, label } of SINGLE_TARGETS()) {
    const r = results.get(id)!;
    rows.push([
      label,
      kib(r.stateBytes),
      mib(r.idleRss),
      mib(r.rssAfter),
      mib(r.peakRss),
      (OVERWRITES / r.writeSeconds).toFixed(0),
      cores(r.cores),
      r.diskBytes === null
        ? 'in memory only'
        : `SQLite ${mib(r.diskBytes.database)} (full log, for audit) + WAL ${mib(r.diskBytes.wal)}`,
    ]);
  }
  printTable(`Growth: ${ENTRIES} entries × ${OVERWRITES / ENTRIES} overwrites`, rows);
}
