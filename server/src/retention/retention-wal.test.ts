import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { SqliteCheckpointer } from '../storage/sqlite-checkpointer.ts';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import type { PositionFix } from '../storage/types.ts';
import { RetentionJob } from './retention-job.ts';

const DAY = 24 * 3600_000;
const NOW = Date.UTC(2026, 5, 1);
const RESTART_FRAMES = 256;

const dirs: string[] = [];
const storages: SqliteStorage[] = [];
afterEach(async () => {
  for (const s of storages.splice(0)) await s.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const fix = (unitId: string, time: number, i: number): PositionFix => ({
  stationId: 'st-a',
  unitId,
  deviceId: `${unitId}-gps`,
  time,
  lng: 120.2 + i * 1e-5,
  lat: 30.5 + (i % 7) * 1e-5,
  speed: 8,
  bearing: 90,
  altitude: 5,
  accuracy: 5,
  battery: 80,
  alarm: null,
  receivedAt: time + 100,
});

/**
 * Every write of `storage`'s connection to the track (an insert or delete of `positions_track`,
 * inside its transaction, so at its commit: better-sqlite3 commits in the same synchronous call)
 * counted, and those made while the checkpointer's gate is closed. A TEMP trigger calls back into
 * this process; the gate cannot close or open in the middle of a synchronous transaction.
 */
function watchTrackWrites(storage: SqliteStorage): { writes: number; behindGate: number } {
  const { checkpointer } = storage as unknown as { checkpointer: SqliteCheckpointer };
  const seen = { writes: 0, behindGate: 0 };
  storage.db.function('jm_track_write_seen', { deterministic: false }, () => {
    seen.writes++;
    if (checkpointer.gate) seen.behindGate++;
    return null;
  });
  storage.db.exec(`
    CREATE TEMP TRIGGER jm_track_insert_seen AFTER INSERT ON main.positions_track BEGIN SELECT jm_track_write_seen(); END;
    CREATE TEMP TRIGGER jm_track_delete_seen AFTER DELETE ON main.positions_track BEGIN SELECT jm_track_write_seen(); END;
  `);
  return seen;
}

/**
 * The retention job's deletes grow the WAL fast, past the restart limit again and again, so the
 * checkpointer's rounds run behind its gate. A commit during such a round would keep the WAL from
 * starting afresh (the round leaves it in use), so the storage's busy writers, the job's deletes and
 * ingest alike, wait for the gate to open before they commit. Here every write to the track is
 * watched as it commits: none may land while the gate is closed.
 */
it('the WAL starts afresh behind the gate while the retention job and ingest write, and no commit of either lands while the gate is closed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-retention-wal-'));
  dirs.push(dir);
  const storage = new SqliteStorage(dir, { checkpoint: { everyMs: 20, syncMs: 20, restartFrames: RESTART_FRAMES } });
  storages.push(storage);
  // 40 units × 2,000 fixes, 30 days old: all dropped by a 20-day policy, in transactions of 100.
  for (let u = 0; u < 40; u++) {
    const fixes: PositionFix[] = [];
    for (let i = 0; i < 2_000; i++) fixes.push(fix(`old-${u}`, NOW - 30 * DAY + i * 1_000, i));
    await storage.appendPositions(fixes);
  }
  await new Promise((r) => setTimeout(r, 100)); // the checkpointer copies the fill back
  const before = storage.walStats();
  const seen = watchTrackWrites(storage);

  // Ingest beside the job: 20 fixes every 5 ms.
  const failures: string[] = [];
  let live = 0;
  let stop = false;
  const ingest = (async () => {
    for (let k = 0; !stop; k++) {
      const fixes = Array.from({ length: 20 }, (_, i) => fix(`live-${i}`, NOW + k * 1_000, k));
      try {
        await storage.appendPositions(fixes);
        live += fixes.length;
      } catch (err) {
        failures.push((err as { code?: string }).code ?? String(err));
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const job = new RetentionJob({
    store: storage,
    policy: { fullDays: 0, keepDays: 20, toleranceM: 10, batch: 100 },
    now: () => NOW,
  });
  let run;
  try {
    run = await job.run();
  } finally {
    stop = true;
    await ingest;
  }

  expect(run.dropped).toBe(80_000);
  // The stretches' 99th percentile is a whole millisecond at most one past the longest.
  expect(run.batchP99Ms).toBeGreaterThanOrEqual(1);
  expect(run.batchP99Ms).toBeLessThanOrEqual(Math.floor(run.longestBatchMs) + 1);
  expect(run.batches).toBeGreaterThanOrEqual(800);
  expect(failures).toEqual([]);
  expect(live).toBeGreaterThan(0);
  // Every dropped fix and every live one was seen as it was written, none behind the gate.
  expect(seen.writes).toBe(80_000 + live);
  expect(seen.behindGate).toBe(0);
  const after = storage.walStats();
  // The WAL passed the limit and was restarted behind the gate, more than once.
  expect(after.largestLog).toBeGreaterThan(RESTART_FRAMES);
  expect(after.restarts - before.restarts).toBeGreaterThan(1);
});
