import { expect, test } from 'vitest';
import { explainEntry, stationSweeps, type Search, type Sector, type Task } from '@jointmap/shared';
import { foundFromMarker, newMarker, type MarkerEntry } from './markers.ts';
import {
  assignSector,
  createSearch,
  endSearch,
  newSplitId,
  searchIdFor,
  sectorIdFor,
  setSectorStatus,
} from './search-writes.ts';

const poly: Sector['polygon'] = {
  type: 'Polygon',
  coordinates: [
    [
      [120, 30],
      [120.01, 30],
      [120.01, 30.01],
      [120, 30],
    ],
  ],
};
const task: Task = {
  id: 't-abcdefghij',
  stationId: 'linping-yunhe',
  title: '寻找走失老人',
  description: '',
  location: { type: 'Point', coordinates: [120.26, 30.42] },
  area: null,
  priority: 'high',
  targetStations: ['deqing-yuyue'],
  state: 'open',
  nonPolice: false,
  createdBy: 'linping',
  createdAt: 1,
  updatedAt: 1,
};

test('the search id derives from the task (concurrent creations write one search), sector ids from it and the split', () => {
  expect(searchIdFor('t-abcdefghij')).toBe('s-t-abcdefghij');
  expect(sectorIdFor('s-t-abcdefghij', 'k3f9a0', 'A1b')).toBe('s-t-abcdefghij-k3f9a0-A1b');
  expect(searchIdFor('x'.repeat(63), () => 'r1')).toBe('s-r1');
  expect(sectorIdFor('s'.repeat(56), 'k3f9a0', 'A1', () => 'r2')).toBe(`${'s'.repeat(40)}-r2`);
  expect(newSplitId()).toMatch(/^[a-z0-9]{6}$/);
  expect(newSplitId()).not.toBe(newSplitId());
});

test('a new search and its sectors are one valid change of the command document', () => {
  const { search, sectors, change } = createSearch({
    task,
    area: poly,
    lastKnown: [120.26, 30.42],
    lastSeenAt: 1000,
    travelMode: 'bicycle',
    sectors: [
      { name: 'A', polygon: poly, stationId: 'deqing-yuyue' },
      { name: 'B', polygon: poly, stationId: null },
    ],
    sweepWidthM: 40,
    userId: 'commander',
    now: 5000,
    splitId: 'k3f9a0',
  });
  expect(search).toEqual({
    id: 's-t-abcdefghij',
    taskId: task.id,
    taskStationId: 'linping-yunhe',
    name: '寻找走失老人',
    area: poly,
    lastKnown: { type: 'Point', coordinates: [120.26, 30.42] },
    lastSeenAt: 1000,
    travelMode: 'bicycle',
    status: 'active',
    found: null,
    createdBy: 'commander',
    createdAt: 5000,
    updatedAt: 5000,
    splitId: 'k3f9a0',
  });
  const base = {
    taskId: task.id,
    searchId: search.id,
    splitId: 'k3f9a0',
    polygon: poly,
    assignedUnitIds: [],
    sweepWidthM: 40,
    updatedAt: 5000,
  };
  expect(sectors).toEqual([
    {
      ...base,
      id: 's-t-abcdefghij-k3f9a0-A',
      name: 'A',
      assignedStationId: 'deqing-yuyue',
      status: 'assigned',
      assignedAt: 5000,
    },
    {
      ...base,
      id: 's-t-abcdefghij-k3f9a0-B',
      name: 'B',
      assignedStationId: null,
      status: 'unassigned',
      assignedAt: null,
    },
  ]);
  expect(change).toEqual({
    type: 'batch',
    changes: [
      { type: 'put', map: 'searches', key: search.id, value: search },
      { type: 'put', map: 'sectors', key: sectors[0]!.id, value: sectors[0] },
      { type: 'put', map: 'sectors', key: sectors[1]!.id, value: sectors[1] },
    ],
  });
  expect(explainEntry('command', 'searches', search.id, search)).toBeNull();
  for (const s of sectors) expect(explainEntry('command', 'sectors', s.id, s)).toBeNull();
});

const sector: Sector = {
  id: 'x',
  name: 'A1',
  taskId: task.id,
  searchId: 's',
  polygon: poly,
  assignedStationId: null,
  assignedUnitIds: [],
  status: 'unassigned',
  sweepWidthM: 30,
  assignedAt: null,
  updatedAt: 1,
};

test('assigning a sector stamps the assignment time and status; unassigning clears both; cleared stays cleared', () => {
  const a = assignSector(sector, 'deqing-yuyue', ['u1', 'u2', 'u1'], 70);
  expect(a).toEqual({
    ...sector,
    assignedStationId: 'deqing-yuyue',
    assignedUnitIds: ['u1', 'u2'],
    assignedAt: 70,
    status: 'assigned',
    updatedAt: 70,
  });
  expect(assignSector(a, null, [], 80)).toEqual({ ...sector, updatedAt: 80 });
  const cleared = setSectorStatus(a, 'cleared', 90);
  expect(cleared).toEqual({ ...a, status: 'cleared', updatedAt: 90 });
  expect(assignSector(cleared, null, ['u3'], 95)).toEqual({
    ...cleared,
    assignedStationId: null,
    assignedUnitIds: ['u3'],
    assignedAt: 95,
    updatedAt: 95,
  });
});

test('adding a unit to those sweeping a sector keeps its assignment time (what was swept still counts); any other change starts it again', () => {
  const a = assignSector(sector, 'deqing-yuyue', ['foot-02'], 70);
  expect(assignSector(a, 'deqing-yuyue', ['foot-02', 'drone-01'], 80)).toMatchObject({
    assignedUnitIds: ['foot-02', 'drone-01'],
    assignedAt: 70,
    updatedAt: 80,
  });
  expect(assignSector(a, 'deqing-yuyue', ['drone-01'], 80).assignedAt).toBe(80);
  expect(assignSector(a, 'linping-yunhe', ['foot-02', 'drone-01'], 80).assignedAt).toBe(80);
});

test('adding a unit to a station’s sector keeps its assignment time: the station’s units go on sweeping with it', () => {
  // Split by jurisdiction: the sector starts as the station's, no unit named.
  const station = assignSector(sector, 'deqing-yuyue', [], 70);
  expect(stationSweeps(station)).toBe(true);
  const helped = assignSector(station, 'deqing-yuyue', ['drone-01'], 80);
  expect(helped).toMatchObject({
    assignedStationId: 'deqing-yuyue',
    assignedUnitIds: ['drone-01'],
    stationWide: true,
    assignedAt: 70,
    status: 'assigned',
  });
  expect(stationSweeps(helped)).toBe(true);
  expect(explainEntry('command', 'sectors', helped.id, helped)).toBeNull();
  // More help, or one of the helpers taken off again: still the station's whole sector.
  expect(assignSector(helped, 'deqing-yuyue', ['drone-01', 'dog-01'], 90)).toMatchObject({ assignedAt: 70 });
  expect(stationSweeps(assignSector(helped, 'deqing-yuyue', ['dog-01'], 90))).toBe(true);
  const back = assignSector(helped, 'deqing-yuyue', [], 90);
  expect([back.stationWide, stationSweeps(back)]).toEqual([undefined, true]);
  // Another station, or none at all, is a new assignment, of the named units alone.
  const other = assignSector(helped, 'linping-yunhe', ['drone-01'], 80);
  expect([other.assignedAt, other.stationWide, stationSweeps(other)]).toEqual([80, undefined, false]);
  expect(assignSector(station, null, ['drone-01'], 80).assignedAt).toBe(80);
  // A sector given a station and its units at once is theirs alone (they narrow it), as before.
  const named = assignSector(sector, 'deqing-yuyue', ['foot-02'], 70);
  expect(stationSweeps(named)).toBe(false);
  expect(stationSweeps(assignSector(named, 'deqing-yuyue', ['foot-02', 'drone-01'], 80))).toBe(false);
  // An unassigned sector given units starts now.
  expect(assignSector(sector, null, ['drone-01'], 80).assignedAt).toBe(80);
});

test('ending a search as found records where and closes the task; ending without finding leaves the task open', () => {
  const search: Search = createSearch({
    task,
    area: poly,
    lastKnown: null,
    lastSeenAt: null,
    travelMode: null,
    sectors: [],
    sweepWidthM: 30,
    userId: 'c',
    now: 1,
  }).search;
  const found = endSearch(
    search,
    task,
    { location: [120.3, 30.5], unitId: null, stationId: 'deqing-yuyue', note: '村口' },
    99,
  );
  expect(found.search).toEqual({
    ...search,
    status: 'found',
    found: {
      location: { type: 'Point', coordinates: [120.3, 30.5] },
      at: 99,
      unitId: null,
      stationId: 'deqing-yuyue',
      note: '村口',
    },
    updatedAt: 99,
  });
  expect(found.searchChange).toEqual({ type: 'put', map: 'searches', key: search.id, value: found.search });
  expect(found.taskChange).toEqual({
    type: 'put',
    map: 'tasks',
    key: task.id,
    value: { ...task, state: 'closed', updatedAt: 99 },
  });
  expect(explainEntry('command', 'searches', search.id, found.search)).toBeNull();

  const ended = endSearch(search, task, null, 99);
  expect(ended.search).toEqual({ ...search, status: 'closed', found: null, updatedAt: 99 });
  expect(ended.taskChange).toBeNull();
  expect(explainEntry('command', 'searches', search.id, ended.search)).toBeNull();
});

test('confirmed from a found marker, the found time is the marker’s own, not the confirmation’s', () => {
  const search: Search = createSearch({
    task,
    area: poly,
    lastKnown: null,
    lastSeenAt: null,
    travelMode: null,
    sectors: [],
    sweepWidthM: 30,
    userId: 'c',
    now: 1,
  }).search;
  const droppedAt = 1_700_000_000_000;
  const confirmedAt = droppedAt + 25 * 60_000;
  const marker: MarkerEntry = {
    scope: 'deqing-yuyue',
    record: newMarker(
      'found',
      [120.005, 30.004],
      '已找到：老人安全',
      'u-deqing',
      droppedAt,
      'a-found01',
    ) as MarkerEntry['record'],
  };
  const found = foundFromMarker(marker, [120.005, 30.004], '老人安全');
  const ended = endSearch(search, task, found, confirmedAt);
  expect(ended.search.found).toEqual({
    location: { type: 'Point', coordinates: [120.005, 30.004] },
    at: droppedAt,
    unitId: null,
    stationId: 'deqing-yuyue',
    note: '老人安全',
  });
  // The search and the task end when the commander confirms.
  expect(ended.search.updatedAt).toBe(confirmedAt);
  expect(ended.taskChange).toEqual({
    type: 'put',
    map: 'tasks',
    key: task.id,
    value: { ...task, state: 'closed', updatedAt: confirmedAt },
  });
  expect(explainEntry('command', 'searches', search.id, ended.search)).toBeNull();

  // The command's own marker names no station; a point picked on the map is found when confirmed.
  expect(foundFromMarker({ ...marker, scope: 'command' }, [120.005, 30.004], '').stationId).toBeNull();
  const picked = endSearch(
    search,
    task,
    { location: [120.005, 30.004], unitId: null, stationId: null, note: '' },
    confirmedAt,
  );
  expect(picked.search.found?.at).toBe(confirmedAt);
  // A marker dated after the confirmation (another PC's clock) is found no later than it.
  expect(endSearch(search, task, { ...found, at: confirmedAt + 60_000 }, confirmedAt).search.found?.at).toBe(
    confirmedAt,
  );
});
