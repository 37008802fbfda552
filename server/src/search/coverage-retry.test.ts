import { describe, expect, it } from 'vitest';
import { type CoverageFix, type Search, type Sector } from '@jointmap/shared';
import type { SqliteStorage } from '../storage/sqlite-storage.ts';
import { coverageHarness, DEQING, expectedCoverage, SQUARE, walk } from './coverage-harness.test-support.ts';

const T = 1_760_000_000_000;
const OP = 'op-cov-retry';

const search: Search = {
  ...{ id: 'search-1', taskId: 'task-missing', taskStationId: 'command', name: '搜寻', area: SQUARE },
  ...{ lastKnown: null, lastSeenAt: null, travelMode: null, status: 'active', found: null },
  ...{ createdBy: 'u-commander', createdAt: T - 600_000, updatedAt: T - 600_000 },
};
const unassigned: Sector = {
  ...{ id: 'A1', name: 'A1', taskId: search.taskId, searchId: search.id, polygon: SQUARE, status: 'unassigned' },
  ...{ assignedStationId: null, assignedUnitIds: [], sweepWidthM: 50, updatedAt: T - 600_000 },
};
const toDeqing: Sector = { ...unassigned, status: 'assigned', assignedStationId: DEQING };
const expected = (fixes: CoverageFix[]) => expectedCoverage(fixes);

/**
 * Real storage, rooms, live service and coverage service (retries after 10 ms; none of the room
 * manager's own, so a failed load reaches the coverage service as once the manager gave up).
 * `dir`: start on the data of an earlier setup; `beforeStart` may wrap a storage method first.
 */
const setup = (dir?: string, beforeStart?: (storage: SqliteStorage) => void) =>
  coverageHarness(OP, {
    now: T,
    loadRetries: 0,
    retryMs: 10,
    ...(dir ? { dir } : {}),
    ...(beforeStart ? { beforeStart } : {}),
  });

describe('CoverageService after a storage failure', () => {
  it('rebuilds a reassigned sector whose track read failed once, with no further edit, and keeps counting live', async () => {
    const s = await setup();
    await s.command({
      type: 'batch',
      changes: [
        { type: 'put', map: 'searches', key: search.id, value: search },
        { type: 'put', map: 'sectors', key: 'A1', value: unassigned },
      ],
    });
    const patrol = walk(30.5203, T - 300_000);
    await s.fixes(patrol);
    expect(await s.fraction()).toBe(0);

    // A PostgreSQL hiccup while the sector is given to 德清: the first read of the tracks fails.
    const track = s.storage.track.bind(s.storage);
    let failures = 0;
    s.storage.track = async (...args) => {
      if (failures++ === 0) throw new Error('connection terminated unexpectedly');
      return track(...args);
    };
    await s.command({ type: 'put', map: 'sectors', key: 'A1', value: toDeqing });
    expect(await s.fraction()).toBe(expected(patrol));
    expect(failures).toBeGreaterThan(1);
    expect(s.errors).toHaveLength(1);

    // The rebuilt tracker follows the live fixes again.
    const later = walk(30.5212, T - 200_000);
    await s.fixes(later);
    expect(await s.fraction()).toBe(expected([...patrol, ...later]));
  });

  it('reads the command document again after its first read failed, with no further edit', async () => {
    const first = await setup();
    await first.command({
      type: 'batch',
      changes: [
        { type: 'put', map: 'searches', key: search.id, value: search },
        { type: 'put', map: 'sectors', key: 'A1', value: toDeqing },
      ],
    });
    const patrol = walk(30.5203, T - 300_000);
    await first.fixes(patrol);
    expect(await first.fraction()).toBe(expected(patrol));
    await first.close();

    // A restart while the database is away for a moment: the command document does not load.
    let failures = 0;
    const s = await setup(first.dir, (storage) => {
      const loadDoc = storage.loadDoc.bind(storage);
      storage.loadDoc = async (doc) => {
        if (doc === `${OP}/command` && failures++ === 0) throw new Error('connection refused');
        return loadDoc(doc);
      };
    });
    await s.coverage.whenIdle();
    expect(await s.fraction()).toBe(expected(patrol));
    expect(failures).toBeGreaterThan(1);
    expect(s.errors).toHaveLength(1);
  });
});
