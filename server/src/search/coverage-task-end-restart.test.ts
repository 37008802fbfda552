import { afterEach, expect, it, vi } from 'vitest';
import { COMMAND_STATION_ID, type CoverageFix, type Search, type Sector, type Task } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import type { SqliteStorage } from '../storage/sqlite-storage.ts';
import { coverageHarness, DEQING, expectedCoverage, SQUARE, walk } from './coverage-harness.test-support.ts';

const T = 1_760_000_000_000;
const OP = 'op-cov-task-restart';

afterEach(() => void vi.useRealTimers());

/** A commander's task for 德清, written at `updatedAt` in state `state`. */
const task = (state: Task['state'], updatedAt: number, over: Partial<Task> = {}): Task =>
  fixtures.missingPersonTask({ stationId: COMMAND_STATION_ID, targetStations: [DEQING], state, updatedAt, ...over });
const search: Search = {
  ...{ id: 'search-1', taskId: 'task-missing', taskStationId: COMMAND_STATION_ID, name: '搜寻', area: SQUARE },
  ...{ lastKnown: null, lastSeenAt: null, travelMode: null, status: 'active', found: null },
  ...{ createdBy: 'u-commander', createdAt: T - 600_000, updatedAt: T - 600_000 },
};
/** A1 given to 德清 as a whole: every patrol of the station sweeps it. */
const a1: Sector = {
  ...{ id: 'A1', name: 'A1', taskId: search.taskId, searchId: search.id, polygon: SQUARE, status: 'assigned' },
  ...{ assignedStationId: DEQING, assignedUnitIds: [], assignedAt: T - 600_000, sweepWidthM: 50 },
  updatedAt: T - 600_000,
};
const expected = (fixes: CoverageFix[]) => expectedCoverage(fixes);

/** The server clock, the harness's and the update log's (which stores `Date.now()`), at `now`. */
function serverClock(now: number) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(now);
  const clocks: Array<{ now: number }> = [];
  return {
    follow: (clock: { now: number }) => void clocks.push(clock),
    at(t: number) {
      for (const c of clocks) c.now = t;
      vi.setSystemTime(t);
    },
  };
}

/**
 * The search's operation up to the restart at T: its task open from T − 600 s, closed from
 * T − 500 s to T − 300 s, a walk of 德清 through A1 before, during and after. Returns the data
 * directory and the walks.
 */
async function closedAndReopened(clock: ReturnType<typeof serverClock>) {
  const s = await coverageHarness(OP, { now: T - 600_000 });
  clock.follow(s.clock);
  const setTask = (t: Task) => s.command({ type: 'put', map: 'tasks', key: t.id, value: t });
  await setTask(task('open', T - 600_000));
  await s.command({
    type: 'batch',
    changes: [
      { type: 'put', map: 'searches', key: search.id, value: search },
      { type: 'put', map: 'sectors', key: a1.id, value: a1 },
    ],
  });
  // Walks more than two minutes apart: separate tracks (no segment joins one to the next).
  const before = walk(30.5203, T - 580_000);
  await s.fixes(before);
  clock.at(T - 500_000);
  await setTask(task('closed', T - 500_000));
  const whileClosed = walk(30.5209, T - 400_000);
  await s.fixes(whileClosed);
  clock.at(T - 300_000);
  await setTask(task('open', T - 300_000, { reopenedAt: T - 300_000 }));
  const after = walk(30.5215, T - 200_000);
  await s.fixes(after);
  return { s, before, whileClosed, after };
}

/**
 * Hooks on the storage of a restarted harness (no sleeps): the walk of the stored logs waits at
 * its first read of `held`'s log until `release()`; `committed()` resolves once the next document
 * update is stored and its commit hooks ran; `stored(n)` once n more fixes are stored and relayed.
 */
function storageHooks(storage: SqliteStorage, held: string) {
  const read: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reach!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const page = storage.readUpdateLogPage.bind(storage);
  vi.spyOn(storage, 'readUpdateLogPage').mockImplementation(async (doc, ...rest) => {
    read.push(doc);
    if (doc === held && read.indexOf(doc) === read.length - 1) {
      reach();
      await gate;
    }
    return page(doc, ...rest);
  });
  // The room runs its commit hooks, and the live service relays a fix, in the microtasks after
  // the store resolved: a turn of the event loop later they ran.
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  let updates: Array<() => void> = [];
  const append = storage.appendUpdate.bind(storage);
  vi.spyOn(storage, 'appendUpdate').mockImplementation(async (doc, update, author) => {
    const seq = await append(doc, update, author);
    const waiting = updates;
    updates = [];
    void turn().then(() => waiting.forEach((f) => f()));
    return seq;
  });
  let fixes: Array<{ n: number; done: () => void }> = [];
  const appendFixes = storage.appendPositions.bind(storage);
  vi.spyOn(storage, 'appendPositions').mockImplementation(async (batch) => {
    await appendFixes(batch);
    for (const w of fixes) w.n -= batch.length;
    const done = fixes.filter((w) => w.n <= 0);
    fixes = fixes.filter((w) => w.n > 0);
    void turn().then(() => done.forEach((w) => w.done()));
  });
  return {
    read,
    reached,
    release,
    committed: () => new Promise<void>((resolve) => updates.push(resolve)),
    stored: (n: number) => new Promise<void>((done) => fixes.push({ n, done })),
  };
}

it('keeps a task’s closed spell after a restart: what a station drove while it was closed stays out of its coverage', async () => {
  const clock = serverClock(T - 600_000);
  const { s, before, whileClosed, after } = await closedAndReopened(clock);
  const kept = expected([...before, ...after]);
  expect(await s.fraction()).toBe(kept);
  expect(expected([...before, ...whileClosed, ...after])).toBeGreaterThan(kept);
  expect(s.errors).toEqual([]);

  // A restart on the same data: the task is open now, and was closed for a while before.
  await s.close();
  clock.at(T);
  const again = await coverageHarness(OP, { dir: s.dir, now: T });
  await again.coverage.whenIdle();
  expect(await again.fraction()).toBe(kept);
  expect(again.errors).toEqual([]);
});

it('after a restart, answers a viewer at once while the stored logs are walked, and sends the corrected coverage once they are', async () => {
  const clock = serverClock(T - 600_000);
  const { s, before, whileClosed, after } = await closedAndReopened(clock);
  await s.close();
  clock.at(T);
  let hooks!: ReturnType<typeof storageHooks>;
  const again = await coverageHarness(OP, {
    ...{ dir: s.dir, now: T },
    beforeStart: (storage) => void (hooks = storageHooks(storage, `${OP}/${DEQING}`)),
  });
  await hooks.reached;
  // The walk is held until the join is answered: should the join wait for the walk (it must not),
  // it is never answered and the test times out, however slow the machine.
  const joined = await again.coverage.fullMessage(OP).finally(() => hooks.release());
  // What the reads see (the task open, no spell known yet) counts every walk.
  const seen = expected([...before, ...whileClosed, ...after]);
  expect(joined.sectors).toEqual([{ sectorId: 'A1', fraction: seen, updatedAt: expect.any(Number) }]);

  await again.coverage.whenIdle();
  const kept = expected([...before, ...after]);
  expect(again.messages.at(-1)?.sectors).toEqual([{ sectorId: 'A1', fraction: kept, updatedAt: expect.any(Number) }]);
  expect(await again.fraction()).toBe(kept);
  expect(again.errors).toEqual([]);
});

it('stops the walk of the stored logs between two pages when closed', async () => {
  const clock = serverClock(T - 600_000);
  const { s } = await closedAndReopened(clock);
  await s.close();
  clock.at(T);
  let hooks!: ReturnType<typeof storageHooks>;
  const command = `${OP}/command`;
  const again = await coverageHarness(OP, {
    ...{ dir: s.dir, now: T },
    beforeStart: (storage) => void (hooks = storageHooks(storage, command)),
  });
  await hooks.reached;
  const closing = again.close();
  hooks.release();
  await closing;
  // 德清's log was never read.
  expect(hooks.read).toEqual([command]);
  expect(again.errors).toEqual([]);
});

// That the read after the walk on dates what was committed after its last forget by its own commit,
// not by a change noted before the walk on, is task-ends-walk.test.ts's ("adopts the walk after a
// few rounds …"): here every change is stored before the walk on and walked on.
it('dates a task closed while the stored logs are walked by its stored time, walked on once the walk ends, not by the read that adopts the walk', async () => {
  const clock = serverClock(T - 600_000);
  const s = await coverageHarness(OP, { now: T - 600_000 });
  clock.follow(s.clock);
  const setTask = (t: Task) => s.command({ type: 'put', map: 'tasks', key: t.id, value: t });
  await setTask(task('open', T - 600_000));
  await s.command({
    type: 'batch',
    changes: [
      { type: 'put', map: 'searches', key: search.id, value: search },
      { type: 'put', map: 'sectors', key: a1.id, value: a1 },
    ],
  });
  await s.close();

  // Restarted at T; the walk waits at 德清's log, the command's read already.
  clock.at(T);
  let hooks!: ReturnType<typeof storageHooks>;
  const again = await coverageHarness(OP, {
    ...{ dir: s.dir, now: T },
    beforeStart: (storage) => void (hooks = storageHooks(storage, `${OP}/${DEQING}`)),
  });
  clock.follow(again.clock);
  await hooks.reached;
  const setTaskAgain = (t: Task) => again.command({ type: 'put', map: 'tasks', key: t.id, value: t });
  // Every write waits for the service to be idle, so for the walk: they are awaited once it ends.
  const writes: Promise<void>[] = [];
  // Another task raised at T: a change to the operation's tasks, noted (and read) while the walk runs.
  let committed = hooks.committed();
  writes.push(setTaskAgain(task('open', T, { id: 'task-other' })));
  await committed;
  // 德清 drives through A1 while the search's task is open.
  const open = walk(30.5203, T + 10_000);
  const stored = hooks.stored(open.length);
  writes.push(again.fixes(open));
  await stored;
  // The commander closes the task at T + 100 s.
  clock.at(T + 100_000);
  committed = hooks.committed();
  writes.push(setTaskAgain(task('closed', T + 100_000)));
  await committed;
  // Driven after the close: not counted.
  const closed = walk(30.5209, T + 120_000);
  const storedClosed = hooks.stored(closed.length);
  writes.push(again.fixes(closed));
  await storedClosed;

  // The walk ends later: what it had not read is walked on, by stored time, not dated to now (by
  // the read that adopts the walk, which would count the drive after the close up to now).
  clock.at(T + 200_000);
  hooks.release();
  await Promise.all(writes);
  expect(expected(open)).toBeGreaterThan(0);
  expect(expected([...open, ...closed])).toBeGreaterThan(expected(open));
  expect(await again.fraction()).toBe(expected(open));
  expect(again.errors).toEqual([]);
});
