import { describe, expect, it } from 'vitest';
import { answerTask, dispatchChanges, releaseUnit, type Search, type Sector, type Unit } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { ScriptedDoc, TASK, as, at, put, server } from './task-timeline.test-support.ts';

describe('replayTaskTimeline', () => {
  it('raise → two answers → dispatch → reassign → close, each update with its author and time', () => {
    const task = fixtures.missingPersonTask();
    const linping = new ScriptedDoc('op-1/linping-yunhe', 'station')
      .write(put('tasks', task), as('linping'), 1000)
      .write(put('tasks', { ...task, state: 'closed', updatedAt: 9000 }), as('linping'), 9000);

    const unitA = fixtures.unit({ id: 'unit-a', callsign: '禹越巡01' });
    const unitB = fixtures.unit({ id: 'unit-b', callsign: '禹越步巡02', kind: 'foot' });
    const deqing = new ScriptedDoc('op-1/deqing-yuyue', 'station');
    deqing.write({ type: 'batch', changes: [put('units', unitA), put('units', unitB)] }, server, 500);
    const accepted = answerTask(task, 'deqing-yuyue', 'accepted', 'u-deqing', 2000, undefined, {
      unitIds: ['unit-a'],
      note: '已派巡逻车',
    });
    deqing.write({ type: 'put', map: 'responses', key: accepted.key, value: accepted.value }, as('deqing'), 2000);
    deqing.write(dispatchChanges([unitA, unitB], TASK, 4000).get('deqing-yuyue')!, as('deqing'), 4000);
    const dispatched = (u: Unit): Unit => ({ ...u, status: 'en_route', assignedTaskId: TASK, updatedAt: 4000 });
    deqing.write(
      dispatchChanges([dispatched(unitB)], 't-other', 5000).get('deqing-yuyue')!,
      as('commander', 's-cmd'),
      5000,
    );
    deqing.write(put('units', { ...dispatched(unitA), status: 'on_scene', updatedAt: 6000 }), as('deqing'), 6000);
    // Only the time changes: nothing to report.
    deqing.write(
      { type: 'put', map: 'responses', key: accepted.key, value: { ...accepted.value, updatedAt: 6500 } },
      as('deqing'),
      6500,
    );
    deqing.write(put('units', releaseUnit(dispatched(unitA), 8000)), as('deqing'), 8000);

    const tongxiang = new ScriptedDoc('op-1/tongxiang-zhouquan', 'station');
    const declined = answerTask(task, 'tongxiang-zhouquan', 'declined', 'u-tongxiang', 3000, undefined, {
      note: '警力不足',
    });
    tongxiang.write({ type: 'put', map: 'responses', key: declined.key, value: declined.value }, as('tongxiang'), 3000);

    expect(linping.replay()).toEqual([
      {
        ...at(1000, 2, 'linping-yunhe', as('linping')),
        type: 'task_raised',
        detail: {
          stationId: 'linping-yunhe',
          title: '走失老人协查',
          priority: 'urgent',
          targetStations: ['deqing-yuyue', 'tongxiang-zhouquan'],
          nonPolice: false,
        },
      },
      { ...at(9000, 3, 'linping-yunhe', as('linping')), type: 'task_closed', detail: {} },
    ]);
    const ref = (id: string, callsign: string) => ({ unitId: id, callsign, stationId: 'deqing-yuyue' });
    expect(deqing.replay()).toEqual([
      {
        ...at(2000, 3, 'deqing-yuyue', as('deqing')),
        type: 'response',
        detail: {
          stationId: 'deqing-yuyue',
          status: 'accepted',
          previousStatus: null,
          changed: ['status', 'note', 'units'],
          note: '已派巡逻车',
          unitIds: ['unit-a'],
        },
      },
      {
        ...at(4000, 4, 'deqing-yuyue', as('deqing')),
        type: 'unit_dispatched',
        detail: { ...ref('unit-a', '禹越巡01'), status: 'en_route', fromTaskId: null },
      },
      {
        ...at(4000, 4, 'deqing-yuyue', as('deqing')),
        type: 'unit_dispatched',
        detail: { ...ref('unit-b', '禹越步巡02'), status: 'en_route', fromTaskId: null },
      },
      {
        ...at(5000, 5, 'deqing-yuyue', as('commander', 's-cmd')),
        type: 'unit_reassigned_away',
        detail: { ...ref('unit-b', '禹越步巡02'), toTaskId: 't-other' },
      },
      {
        ...at(6000, 6, 'deqing-yuyue', as('deqing')),
        type: 'unit_status',
        detail: { ...ref('unit-a', '禹越巡01'), status: 'on_scene', previousStatus: 'en_route' },
      },
      {
        ...at(8000, 8, 'deqing-yuyue', as('deqing')),
        type: 'unit_released',
        detail: { ...ref('unit-a', '禹越巡01'), status: 'available' },
      },
    ]);
    expect(tongxiang.replay()).toEqual([
      {
        ...at(3000, 2, 'tongxiang-zhouquan', as('tongxiang')),
        type: 'response',
        detail: {
          stationId: 'tongxiang-zhouquan',
          status: 'declined',
          previousStatus: null,
          changed: ['status', 'note'],
          note: '警力不足',
          unitIds: [],
        },
      },
    ]);
    // Another task's history is not this one's.
    expect(deqing.replay('t-other')).toEqual([
      {
        ...at(5000, 5, 'deqing-yuyue', as('commander', 's-cmd')),
        type: 'unit_dispatched',
        detail: { ...ref('unit-b', '禹越步巡02'), status: 'en_route', fromTaskId: TASK },
      },
    ]);
  });

  it('reports which task fields were edited, target changes, cancel and reopen', () => {
    const task = fixtures.missingPersonTask();
    const edited = { ...task, title: '走失老人协查（蓝色三轮车）', priority: 'high' as const, updatedAt: 2000 };
    const doc = new ScriptedDoc('op-1/linping-yunhe', 'station')
      .write(put('tasks', task), as('linping'), 1000)
      .write(put('tasks', edited), as('linping'), 2000)
      .write(put('tasks', { ...edited, targetStations: ['deqing-yuyue'], updatedAt: 3000 }), as('linping'), 3000)
      .write(put('tasks', { ...edited, targetStations: ['deqing-yuyue'], state: 'cancelled' }), as('linping'), 4000)
      .write(put('tasks', { ...edited, targetStations: ['deqing-yuyue'], state: 'open' }), as('commander'), 5000)
      // Reopened again while open (a target's 办结 no longer counts).
      .write(
        put('tasks', { ...edited, targetStations: ['deqing-yuyue'], state: 'open', reopenedAt: 5500 }),
        as('commander'),
        5500,
      )
      .write({ type: 'delete', map: 'tasks', key: TASK }, as('commander'), 6000);
    const scope = 'linping-yunhe';
    expect(doc.replay().slice(1)).toEqual([
      { ...at(2000, 3, scope, as('linping')), type: 'task_edited', detail: { fields: ['title', 'priority'] } },
      {
        ...at(3000, 4, scope, as('linping')),
        type: 'task_targets_changed',
        detail: { targetStations: ['deqing-yuyue'], added: [], removed: ['tongxiang-zhouquan'] },
      },
      { ...at(4000, 5, scope, as('linping')), type: 'task_cancelled', detail: {} },
      { ...at(5000, 6, scope, as('commander')), type: 'task_reopened', detail: { from: 'cancelled' } },
      { ...at(5500, 7, scope, as('commander')), type: 'task_reopened', detail: { from: 'open' } },
      { ...at(6000, 8, scope, as('commander')), type: 'task_deleted', detail: {} },
    ]);
  });

  it('follows the task’s search and its sectors in the command document', () => {
    const polygon = fixtures.searchPolygon().geometry as Sector['polygon'];
    const search: Search = {
      id: 'search-1',
      taskId: TASK,
      taskStationId: 'linping-yunhe',
      name: '走失老人搜寻',
      area: polygon,
      lastKnown: { type: 'Point', coordinates: [120.2954, 30.5222] },
      lastSeenAt: 500,
      travelMode: 'bicycle',
      status: 'active',
      found: null,
      createdBy: 'u-commander',
      createdAt: 1000,
      updatedAt: 1000,
    };
    const sector = (id: string, name: string, extra: Partial<Sector> = {}): Sector => ({
      id,
      name,
      taskId: TASK,
      polygon,
      assignedStationId: null,
      assignedUnitIds: [],
      status: 'unassigned',
      sweepWidthM: 50,
      searchId: 'search-1',
      updatedAt: 1000,
      ...extra,
    });
    const found = {
      location: { type: 'Point' as const, coordinates: [120.29, 30.52] as [number, number] },
      at: 7000,
      unitId: 'unit-a',
      stationId: 'deqing-yuyue',
      note: '村口发现，骑蓝色三轮车',
    };
    const cmd = as('commander');
    const doc = new ScriptedDoc('op-1/command', 'command')
      .write(put('searches', search), cmd, 1000)
      .write(
        {
          type: 'batch',
          changes: [
            put('sectors', sector('sec-a1', 'A1', { assignedStationId: 'deqing-yuyue', status: 'assigned' })),
            put('sectors', sector('sec-a2', 'A2')),
            put('sectors', sector('sec-x', 'X', { taskId: 't-other', searchId: null })),
          ],
        },
        cmd,
        2000,
      )
      .write(put('sectors', sector('sec-a2', 'A2', { assignedUnitIds: ['unit-b'], assignedAt: 3000 })), cmd, 3000)
      .write(put('sectors', sector('sec-x', 'X', { taskId: 't-other', searchId: null, status: 'cleared' })), cmd, 3500)
      .write(put('sectors', sector('sec-a2', 'A2', { assignedUnitIds: ['unit-b'], status: 'cleared' })), cmd, 4000)
      .write(put('searches', { ...search, status: 'found', found, updatedAt: 7000 }), cmd, 7000)
      .write({ type: 'delete', map: 'sectors', key: 'sec-a1' }, cmd, 8000);
    const e = (time: number, seq: number) => at(time, seq, 'command', cmd);
    expect(doc.replay()).toEqual([
      {
        ...e(1000, 2),
        type: 'search_created',
        detail: { searchId: 'search-1', name: '走失老人搜寻', travelMode: 'bicycle', lastSeenAt: 500 },
      },
      {
        ...e(2000, 3),
        type: 'sectors_created',
        detail: {
          searchId: 'search-1',
          sectors: [
            { sectorId: 'sec-a1', name: 'A1', assignedStationId: 'deqing-yuyue', assignedUnitIds: [] },
            { sectorId: 'sec-a2', name: 'A2', assignedStationId: null, assignedUnitIds: [] },
          ],
        },
      },
      {
        ...e(3000, 4),
        type: 'sector_assigned',
        detail: { sectorId: 'sec-a2', name: 'A2', stationId: null, unitIds: ['unit-b'] },
      },
      {
        ...e(4000, 6),
        type: 'sector_status',
        detail: { sectorId: 'sec-a2', name: 'A2', status: 'cleared', previousStatus: 'unassigned' },
      },
      {
        ...e(7000, 7),
        type: 'search_found',
        detail: {
          searchId: 'search-1',
          location: [120.29, 30.52],
          at: 7000,
          unitId: 'unit-a',
          stationId: 'deqing-yuyue',
          note: '村口发现，骑蓝色三轮车',
        },
      },
      { ...e(8000, 8), type: 'sectors_removed', detail: { sectors: [{ sectorId: 'sec-a1', name: 'A1' }] } },
    ]);
  });

  it('gives the server’s writes no user, and an account that no longer exists its id without a name', () => {
    const task = fixtures.missingPersonTask();
    const doc = new ScriptedDoc('op-1/linping-yunhe', 'station')
      .write(put('tasks', task), server, 1000)
      .write(put('tasks', { ...task, state: 'closed' }), { userId: 'u-gone', sessionId: 's-9' }, 2000);
    expect(doc.replay().map((e) => [e.type, e.userId, e.userName, e.sessionId])).toEqual([
      ['task_raised', null, null, null],
      ['task_closed', 'u-gone', null, 's-9'],
    ]);
    expect(new ScriptedDoc('op-1/linping-yunhe', 'station').replay()).toEqual([]);
  });
});
