import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { RESTORE_MARK_MAX_MS } from '../storage/restore-marks.ts';
import { storedFix } from '../storage/stored-fix.test-support.ts';
import type { PositionFix } from '../storage/types.ts';
import { RetentionJob, type RetentionPolicy } from './retention-job.ts';
import { trackDeviationM } from './thin-track.ts';

const DAY = 24 * 3600_000;
const NOW = Date.UTC(2026, 5, 1);
const POLICY: RetentionPolicy = { fullDays: 7, keepDays: 90, toleranceM: 10, batch: 500 };

const dirs: string[] = [];
const storages: SqliteStorage[] = [];
function storage(): SqliteStorage {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-retention-'));
  dirs.push(dir);
  const s = new SqliteStorage(dir);
  storages.push(s);
  return s;
}
afterEach(async () => {
  for (const s of storages.splice(0)) await s.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A seeded generator (deterministic). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

/**
 * `seconds` fixes at 1 Hz from `start`: a car driving curves with GPS noise, stopping for a
 * while in the middle, and raising an SOS alarm for 20 s.
 */
function drive(stationId: string, unitId: string, start: number, seconds: number, seed = 1): PositionFix[] {
  const rnd = random(seed);
  const out: PositionFix[] = [];
  let lng = 120.3;
  let lat = 30.5;
  let heading = 0;
  for (let i = 0; i < seconds; i++) {
    const stopped = i > seconds * 0.4 && i < seconds * 0.5;
    const speed = stopped ? 0 : 8 + 6 * Math.sin(i / 90);
    heading += (rnd() - 0.5) * 0.2 + Math.sin(i / 200) * 0.02;
    lng += (Math.sin(heading) * speed) / (111_320 * Math.cos((lat * Math.PI) / 180));
    lat += (Math.cos(heading) * speed) / 110_540;
    out.push(
      storedFix({
        stationId,
        unitId,
        deviceId: `${unitId}-gps`,
        time: start + i * 1000,
        lng: lng + (rnd() - 0.5) * 0.00002,
        lat: lat + (rnd() - 0.5) * 0.00002,
        speed,
        accuracy: 5,
        alarm: i >= seconds * 0.7 && i < seconds * 0.7 + 20 ? 'sos' : null,
        receivedAt: start + i * 1000 + 50,
      }),
    );
  }
  return out;
}

async function store(s: SqliteStorage, fixes: PositionFix[]): Promise<void> {
  for (let i = 0; i < fixes.length; i += 5000) await s.appendPositions(fixes.slice(i, i + 5000));
}

const all = (s: SqliteStorage, station: string, unit: string) => s.track(station, unit, 0, NOW + DAY, 10_000_000);

describe('track retention job (fake clock)', () => {
  it('thins fixes older than N days within the tolerance, keeps alarm and speed-class changes and one fix a minute, drops fixes older than M days', async () => {
    const s = storage();
    const ancient = drive('a', 'car-1', NOW - 95 * DAY, 1800, 1);
    const old = drive('a', 'car-1', NOW - 30 * DAY, 2 * 3600, 2);
    const recent = drive('a', 'car-1', NOW - 2 * DAY, 900, 3);
    await store(s, [...ancient, ...old, ...recent]);
    let pauses = 0;
    const job = new RetentionJob({
      store: s,
      policy: POLICY,
      now: () => NOW,
      pause: async () => {
        pauses++;
      },
    });

    const run = await job.run();

    const left = await all(s, 'a', 'car-1');
    const leftOld = left.filter((f) => f.time >= NOW - 31 * DAY && f.time < NOW - 29 * DAY);
    expect(left.filter((f) => f.time < NOW - 90 * DAY)).toEqual([]);
    expect(left.filter((f) => f.time >= NOW - 7 * DAY)).toEqual(recent);
    expect(leftOld.length).toBeLessThan(old.length / 5);
    expect(trackDeviationM(old, leftOld)).toBeLessThanOrEqual(POLICY.toleranceM);
    // Every alarmed fix, the fixes either side of the alarm's start and end, the stop and the start.
    const kept = new Set(leftOld.map((f) => f.time));
    const alarmed = old.filter((f) => f.alarm !== null);
    for (const f of alarmed) expect(kept.has(f.time)).toBe(true);
    const firstAlarm = old.indexOf(alarmed[0]!);
    expect(kept.has(old[firstAlarm - 1]!.time)).toBe(true);
    expect(kept.has(old[firstAlarm + alarmed.length]!.time)).toBe(true);
    const stop = old.findIndex((f) => f.speed === 0);
    expect(kept.has(old[stop]!.time)).toBe(true);
    const go = old.findIndex((f, i) => i > stop && f.speed !== 0);
    expect(kept.has(old[go]!.time)).toBe(true);
    const minutes = new Set(old.map((f) => Math.floor(f.time / 60_000)));
    expect(new Set(leftOld.map((f) => Math.floor(f.time / 60_000)))).toEqual(minutes);

    expect(run).toMatchObject({ dropped: ancient.length, thinScanned: old.length, unitsDone: 1, error: null });
    // Small transactions, each followed by a pause for ingest and relays.
    expect(run.largestBatch).toBeLessThanOrEqual(POLICY.batch + 1);
    expect(run.batches).toBeGreaterThanOrEqual(Math.ceil((ancient.length + old.length) / POLICY.batch));
    expect(pauses).toBe(run.batches);
  });

  it('a second run changes nothing that the first one thinned', async () => {
    const s = storage();
    await store(s, drive('a', 'car-1', NOW - 20 * DAY, 3600, 4));
    const job = new RetentionJob({ store: s, policy: POLICY, now: () => NOW });
    await job.run();
    const once = await all(s, 'a', 'car-1');
    const again = await job.run();
    expect(await all(s, 'a', 'car-1')).toEqual(once);
    expect(again).toMatchObject({ thinScanned: 0, thinRemoved: 0, dropped: 0 });
  });

  it('the window of a restore under way is kept; a restore mark left by a crash holds nothing once older than any restore takes', async () => {
    const s = storage();
    const track = drive('a', 'car-1', NOW - 95 * DAY, 1200, 9);
    await store(s, track);
    const mark = { operationId: 'op-restoring', stations: ['a'], from: NOW - 96 * DAY, to: NOW - 94 * DAY };
    const live = { ...mark, startedAt: NOW - 60_000 };
    await s.markRestore(live);
    const job = new RetentionJob({ store: s, policy: POLICY, now: () => NOW });
    await job.run();
    expect(await all(s, 'a', 'car-1')).toEqual(track);

    // Its process was killed hours ago: the mark is stale, the policy runs on the window again.
    await s.markRestore({ ...mark, startedAt: NOW - RESTORE_MARK_MAX_MS - 1 }, live);
    await job.run();
    expect(await all(s, 'a', 'car-1')).toEqual([]);
  });

  it('a kept operation loses nothing; once the hold is lifted the policy runs on its tracks', async () => {
    const s = storage();
    await s.createOperation({
      id: 'op-evidence',
      name: '证据保全',
      kind: 'search',
      status: 'active',
      stations: ['a'],
      createdBy: 'commander',
      createdAt: NOW - 100 * DAY,
    });
    const heldTrack = [
      ...drive('a', 'car-1', NOW - 95 * DAY, 1200, 5),
      ...drive('a', 'car-1', NOW - 20 * DAY, 1200, 6),
    ];
    const freeTrack = [
      ...drive('b', 'car-1', NOW - 95 * DAY, 1200, 7),
      ...drive('b', 'car-1', NOW - 20 * DAY, 1200, 8),
    ];
    await store(s, [...heldTrack, ...freeTrack]);
    expect(await s.setOperationHold('op-evidence', 'commander', NOW - 50 * DAY)).toBe(true);
    const job = new RetentionJob({ store: s, policy: POLICY, now: () => NOW });

    const held = await job.run();
    expect(held.heldOperations).toBe(1);
    expect(await all(s, 'a', 'car-1')).toEqual(heldTrack);
    // Another station's unit of the same id is not held.
    expect((await all(s, 'b', 'car-1')).length).toBeLessThan(1200 / 5);

    expect(await s.setOperationHold('op-evidence', null, NOW)).toBe(true);
    expect(await s.operationHold('op-evidence')).toBeNull();
    await job.run();
    const after = await all(s, 'a', 'car-1');
    expect(after.filter((f) => f.time < NOW - 90 * DAY)).toEqual([]);
    expect(after.length).toBeLessThan(1200 / 5);
    expect(after.length).toBeGreaterThanOrEqual(20);
  });

  it('a hold set while a run is under way protects every unit the run has not reached yet', async () => {
    const s = storage();
    await s.createOperation({
      id: 'op-late-hold',
      name: '运行中保全',
      kind: 'search',
      status: 'active',
      stations: ['a'],
      createdBy: 'commander',
      createdAt: NOW - 100 * DAY,
    });
    const first = drive('a', 'car-1', NOW - 95 * DAY, 600, 9);
    const second = drive('a', 'car-2', NOW - 95 * DAY, 600, 10);
    await store(s, [...first, ...second]);
    let holdSet = false;
    const job = new RetentionJob({
      store: s,
      policy: POLICY,
      now: () => NOW,
      // The commander sets the hold once the job has finished its first unit.
      onProgress: (run) => {
        if (run.unitsDone === 1 && !holdSet) {
          holdSet = true;
          void s.setOperationHold('op-late-hold', 'commander', NOW - 99 * DAY);
        }
      },
    });
    await job.run();
    expect(holdSet).toBe(true);
    const [done, kept] = [await all(s, 'a', 'car-1'), await all(s, 'a', 'car-2')];
    // One of the two was reached before the hold (dropped: older than 90 days), the other after it (kept whole).
    expect([done.length, kept.length].sort((x, y) => x - y)).toEqual([0, 600]);
  });

  it('a closed held operation keeps its window whole, creation to closing; before and after it the policy runs, and no read or write reaches into it', async () => {
    const s = storage();
    const created = NOW - 60 * DAY;
    const closed = created + 1800_000;
    await s.createOperation({
      id: 'op-closed',
      name: '已结束',
      kind: 'search',
      status: 'active',
      stations: ['a'],
      createdBy: 'commander',
      createdAt: created,
    });
    await s.closeOperation('op-closed', closed);
    expect(await s.setOperationHold('op-closed', 'commander', NOW)).toBe(true);
    const ancient = drive('a', 'car-1', NOW - 95 * DAY, 600, 11);
    // From 10 minutes before the operation to 10 minutes after its closing: both edges inside the run.
    const around = drive('a', 'car-1', created - 600_000, 3000, 12);
    const recent = drive('a', 'car-1', NOW - 20 * DAY, 1200, 13);
    await store(s, [...ancient, ...around, ...recent]);
    const inWindow = (time: number) => time >= created && time <= closed;
    const reaches = (from: number, to: number) => from <= closed && to > created;
    const touched: string[] = [];
    const watched = new Proxy(s, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (key === 'dropFixesIn' || key === 'trackPage')
          return (st: string, u: string, from: number, to: number, limit: number) => {
            if (reaches(from, to)) touched.push(`${key} ${from}..${to}`);
            return (value as (...a: unknown[]) => unknown).call(target, st, u, from, to, limit);
          };
        if (key === 'thinFixes')
          return (st: string, u: string, remove: { time: number }[], until: number) => {
            if (remove.some((k) => inWindow(k.time))) touched.push('thinFixes');
            return s.thinFixes(st, u, remove as never, until);
          };
        return value;
      },
    });
    const run = await new RetentionJob({ store: watched, policy: { ...POLICY, batch: 100 }, now: () => NOW }).run();
    expect(touched).toEqual([]);
    const after = await all(s, 'a', 'car-1');
    expect(after.filter((f) => inWindow(f.time))).toEqual(around.filter((f) => inWindow(f.time)));
    expect(after.filter((f) => f.time < NOW - 90 * DAY)).toEqual([]);
    expect(run.dropped).toBe(ancient.length);
    // Thinned on both sides of the window, and past it (the watermark steps over a closed window).
    const thinnedIn = (from: number, to: number) => after.filter((f) => f.time >= from && f.time < to).length;
    expect(thinnedIn(created - 600_000, created)).toBeLessThan(600 / 5);
    expect(thinnedIn(closed + 1, closed + 600_001)).toBeLessThan(600 / 5);
    expect(thinnedIn(NOW - 20 * DAY, NOW)).toBeLessThan(1200 / 5);
    expect((await s.thinnedUntilOfStation('a')).get('car-1')).toBe(NOW - POLICY.fullDays * DAY);
  });
});
