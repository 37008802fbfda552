import { describe, expect, it } from 'vitest';
import type { PolygonGeometry, Search, Sector, Task, Unit } from '@jointmap/shared';
import { missionFor } from './missions.ts';

const square = (x: number): PolygonGeometry => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, 30.5],
      [x + 0.01, 30.5],
      [x + 0.01, 30.51],
      [x, 30.51],
      [x, 30.5],
    ],
  ],
});

const unit = (patch: Partial<Unit> = {}): Unit => ({
  id: 'yuyue-car-01',
  callsign: '禹越巡01',
  kind: 'car',
  stationId: 'deqing-yuyue',
  members: [],
  status: 'en_route',
  assignedTaskId: 't-0123456789',
  deviceIds: ['demo-yuyue-01'],
  updatedAt: 1,
  ...patch,
});

const sector = (id: string, x: number, patch: Partial<Sector> = {}): Sector => ({
  id,
  name: id,
  taskId: 't-0123456789',
  polygon: square(x),
  assignedStationId: 'deqing-yuyue',
  assignedUnitIds: [],
  status: 'assigned',
  sweepWidthM: 50,
  searchId: 's-1',
  assignedAt: 1,
  updatedAt: 1,
  ...patch,
});

const search = (status: Search['status']): Search => ({
  id: 's-1',
  taskId: 't-0123456789',
  taskStationId: 'linping-yunhe',
  name: '',
  area: square(120.2),
  lastKnown: null,
  lastSeenAt: null,
  travelMode: 'bicycle',
  status,
  found:
    status === 'found'
      ? { location: { type: 'Point', coordinates: [120.2, 30.5] }, at: 1, unitId: null, stationId: null, note: '' }
      : null,
  createdBy: 'u-commander',
  createdAt: 1,
  updatedAt: 1,
});

const task: Task = {
  id: 't-0123456789',
  stationId: 'linping-yunhe',
  title: '走失老人',
  description: '',
  location: { type: 'Point', coordinates: [120.2954, 30.5222] },
  area: null,
  priority: 'high',
  targetStations: ['deqing-yuyue'],
  state: 'open',
  nonPolice: false,
  createdBy: 'u-linping',
  createdAt: 1,
  updatedAt: 1,
};

const here: [number, number] = [120.205, 30.505];
const mission = (u: Unit | undefined, docs: { searches?: Search[]; sectors?: Sector[]; tasks?: Task[] }) => {
  const m = missionFor(u, here, {
    searches: docs.searches ?? [],
    sectors: docs.sectors ?? [],
    tasks: docs.tasks ?? [],
  });
  return m.kind === 'sweep' ? { kind: m.kind, sectorId: m.sectorId } : m;
};

describe('missionFor', () => {
  it('sweeps the sector that names the unit, even when one of its station is nearer', () => {
    const sectors = [sector('near', 120.2), sector('named', 120.3, { assignedUnitIds: ['yuyue-car-01'] })];
    expect(mission(unit(), { searches: [search('active')], sectors, tasks: [task] })).toEqual({
      kind: 'sweep',
      sectorId: 'named',
    });
  });

  it("otherwise sweeps the nearest free sector of the unit's station", () => {
    const sectors = [
      sector('far', 120.4),
      sector('near', 120.2),
      sector('taken', 120.2, { assignedUnitIds: ['other'] }),
      sector('other-station', 120.2, { assignedStationId: 'tongxiang-zhouquan' }),
    ];
    expect(mission(unit(), { searches: [search('active')], sectors })).toEqual({ kind: 'sweep', sectorId: 'near' });
  });

  it("sweeps its station's sector a unit was added to (station-wide), not one narrowed to other units", () => {
    const sectors = [
      sector('narrowed', 120.2, { assignedUnitIds: ['drone-01'] }),
      sector('helped', 120.3, { assignedUnitIds: ['drone-01'], stationWide: true }),
    ];
    // Every unit of 禹越 sweeps the helped sector, as coverage and the console's sector list count it.
    expect(mission(unit(), { searches: [search('active')], sectors, tasks: [task] })).toEqual({
      kind: 'sweep',
      sectorId: 'helped',
    });
  });

  it("goes to the task's location when there is no active search, and patrols once released", () => {
    const sectors = [sector('named', 120.3, { assignedUnitIds: ['yuyue-car-01'] })];
    expect(mission(unit(), { searches: [search('found')], sectors, tasks: [task] })).toEqual({
      kind: 'goto',
      taskId: task.id,
      point: [120.2954, 30.5222],
    });
    expect(
      mission(unit({ status: 'available', assignedTaskId: null }), { searches: [search('active')], sectors }),
    ).toEqual({
      kind: 'patrol',
    });
    expect(mission(undefined, { tasks: [task] })).toEqual({ kind: 'patrol' });
  });
});
