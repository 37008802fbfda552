import { describe, expect, test } from 'vitest';
import type { TimelineEvent } from '@jointmap/shared';
import { en, zhCN } from '../i18n/messages.ts';
import { formatMessage, type Message } from '../i18n/format.ts';
import { timelineLines, unitCallsigns, type TimelineContext } from './timeline-text.ts';

const names: Record<string, string> = {
  'deqing-yuyue': '德清禹越',
  'tongxiang-zhouquan': '桐乡洲泉',
  'linping-yunhe': '临平运河',
};
const context = (table: Record<string, Message>, separator: string): TimelineContext => ({
  t: (key, params = {}) => formatMessage(table === en ? 'en' : 'zh-CN', table[key] ?? key, params),
  station: (id) => names[id] ?? id,
  unit: (id) => ({ 'yuyue-car-01': '禹越巡01', 'yuyue-foot-02': '禹越步巡02' })[id] ?? id,
  separator,
});
const zh = context(zhCN, '、');

const base = { scope: 'linping-yunhe', sessionId: 's1', time: 1_700_000_000_000 };
const raised: TimelineEvent = {
  ...base,
  seq: 3,
  userId: 'u-linping',
  userName: '运河值班民警',
  type: 'task_raised',
  detail: {
    stationId: 'linping-yunhe',
    title: '协查走失老人',
    priority: 'urgent',
    targetStations: ['deqing-yuyue', 'tongxiang-zhouquan'],
    nonPolice: false,
  },
};
const accepted: TimelineEvent = {
  ...base,
  scope: 'deqing-yuyue',
  seq: 7,
  userId: 'u-deqing',
  userName: '禹越值班民警',
  type: 'response',
  detail: {
    stationId: 'deqing-yuyue',
    status: 'accepted',
    previousStatus: null,
    changed: ['status', 'note', 'units'],
    note: '马上到',
    unitIds: ['yuyue-car-01', 'yuyue-foot-02'],
  },
};

describe('timelineLines', () => {
  test('who and what, in Chinese and English', () => {
    expect(timelineLines([raised, accepted], zh)).toEqual([
      {
        key: 'linping-yunhe/3/0',
        time: base.time,
        who: '运河值班民警',
        what: '发起任务“协查走失老人”，目标：德清禹越、桐乡洲泉',
      },
      {
        key: 'deqing-yuyue/7/1',
        time: base.time,
        who: '禹越值班民警',
        what: '德清禹越已接单，派出 禹越巡01、禹越步巡02：马上到',
      },
    ]);
    expect(timelineLines([raised, accepted], context(en, ', ')).map((l) => l.what)).toEqual([
      'raised “协查走失老人” for 德清禹越, 桐乡洲泉',
      '德清禹越: accepted, sent 禹越巡01, 禹越步巡02 — 马上到',
    ]);
  });

  test('a server write is the system’s; a note-only change says so', () => {
    const noteOnly: TimelineEvent = {
      ...accepted,
      userId: null,
      userName: null,
      detail: { ...accepted.detail, previousStatus: 'accepted', changed: ['note'], note: '已到达村口' },
    };
    expect(timelineLines([noteOnly], zh)[0]).toMatchObject({ who: '系统', what: '德清禹越更新备注：已到达村口' });
  });

  test('units, sectors and the task state read as sentences', () => {
    const ev = (type: TimelineEvent['type'], detail: object): TimelineEvent =>
      ({ ...base, seq: 1, userId: 'u-c', userName: '联合指挥长', type, detail }) as TimelineEvent;
    const unit = { unitId: 'yuyue-car-01', callsign: '禹越巡01', stationId: 'deqing-yuyue' };
    const lines = timelineLines(
      [
        ev('unit_dispatched', { ...unit, status: 'en_route', fromTaskId: null }),
        ev('unit_dispatched', { ...unit, status: 'en_route', fromTaskId: 't-other00000' }),
        ev('unit_status', { ...unit, status: 'on_scene', previousStatus: 'en_route' }),
        ev('unit_released', { ...unit, status: null }),
        ev('sector_assigned', { sectorId: 's1', name: 'A1', stationId: 'deqing-yuyue', unitIds: ['yuyue-foot-02'] }),
        ev('sector_status', { sectorId: 's1', name: 'A1', status: 'cleared', previousStatus: 'searching' }),
        ev('task_edited', { fields: ['title', 'priority'] }),
        ev('task_closed', {}),
      ],
      zh,
    );
    expect(lines.map((l) => l.what)).toEqual([
      '派出 禹越巡01',
      '将 禹越巡01 改派至本任务',
      '禹越巡01：前往中 → 已到场',
      '禹越巡01 已从名册移除',
      '分区 A1 分配给 德清禹越、禹越步巡02',
      '分区 A1：已清查',
      '修改任务（标题、优先级）',
      '结束任务',
    ]);
  });

  test('a search resumed reads in the timeline as the button that resumes it is named', () => {
    const ev = (type: TimelineEvent['type'], detail: object): TimelineEvent =>
      ({ ...base, seq: 1, userId: 'u-c', userName: '联合指挥长', type, detail }) as TimelineEvent;
    const events = [
      ev('search_closed', { searchId: 's-1' }),
      ev('search_reopened', { searchId: 's-1', from: 'closed' }),
    ];
    expect(timelineLines(events, zh).map((l) => l.what)).toEqual(['结束搜索', '恢复搜索']);
    expect(timelineLines(events, context(en, ', ')).map((l) => l.what)).toEqual([
      'closed the search',
      'resumed the search',
    ]);
    expect(zhCN['search.resume']).toBe('恢复搜索');
  });

  test('a unit is named by its own station’s callsign when two stations both have one of its id', () => {
    const roster = [
      { id: 'car-01', stationId: 'deqing-yuyue', callsign: '禹越巡01' },
      { id: 'car-01', stationId: 'tongxiang-zhouquan', callsign: '洲泉巡01' },
      { id: 'foot-02', stationId: 'tongxiang-zhouquan', callsign: '洲泉步巡02' },
    ];
    const ctx = { ...zh, unit: unitCallsigns(roster) };
    const answer = (stationId: string, unitIds: string[]): TimelineEvent => ({
      ...accepted,
      scope: stationId,
      detail: { ...accepted.detail, stationId, note: '', unitIds } as never,
    });
    const assigned: TimelineEvent = {
      ...base,
      seq: 9,
      userId: 'u-c',
      userName: '联合指挥长',
      type: 'sector_assigned',
      detail: { sectorId: 's1', name: 'A1', stationId: 'tongxiang-zhouquan', unitIds: ['car-01', 'car-09'] },
    };
    expect(
      timelineLines(
        [answer('tongxiang-zhouquan', ['car-01', 'foot-02']), answer('deqing-yuyue', ['car-01']), assigned],
        ctx,
      ).map((l) => l.what),
    ).toEqual([
      '桐乡洲泉已接单，派出 洲泉巡01、洲泉步巡02',
      '德清禹越已接单，派出 禹越巡01',
      '分区 A1 分配给 桐乡洲泉、洲泉巡01、car-09',
    ]);
  });
  test('a sector taken from everyone reads as unassigned, not as given to “none”', () => {
    const unassigned: TimelineEvent = {
      ...base,
      seq: 10,
      userId: 'u-c',
      userName: '联合指挥长',
      type: 'sector_assigned',
      detail: { sectorId: 's1', name: 'A1', stationId: null, unitIds: [] },
    };
    expect(timelineLines([unassigned], zh).map((l) => l.what)).toEqual(['取消分区 A1 的分配']);
    expect(timelineLines([unassigned], context(en, ', ')).map((l) => l.what)).toEqual(['unassigned sector A1']);
  });
});
