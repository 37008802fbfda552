import { afterEach, expect, test } from 'vitest';
import { i18n } from '../i18n/i18n.svelte.ts';
import { drivenDistance, taskOutcome, unitNamer } from './report-rows.ts';

afterEach(() => void (i18n.locale = 'zh-CN'));

const raisedAt = Date.UTC(2026, 4, 1, 8, 0, 0);
const endedAt = raisedAt + 750_000;

test('a task’s outcome tells resolved (办结) from cancelled, with when it ended, in Chinese and in English', () => {
  i18n.locale = 'zh-CN';
  const at = i18n.formatDateTime(endedAt);
  expect(taskOutcome({ status: 'resolved', endedAt, raisedAt })).toBe(`已办结 ${at}（+12 分 30 秒）`);
  expect(taskOutcome({ status: 'cancelled', endedAt, raisedAt })).toBe(`已取消 ${at}（+12 分 30 秒）`);
  expect(taskOutcome({ status: 'accepted', endedAt: null, raisedAt })).toBe('未结束（已接单）');

  i18n.locale = 'en';
  const atEn = i18n.formatDateTime(endedAt);
  expect(taskOutcome({ status: 'resolved', endedAt, raisedAt })).toBe(`Resolved ${atEn} (+12 min 30 s)`);
  expect(taskOutcome({ status: 'cancelled', endedAt, raisedAt })).toBe(`Cancelled ${atEn} (+12 min 30 s)`);
  expect(taskOutcome({ status: 'open', endedAt: null, raisedAt })).toBe('Not ended (Open)');
});

test('alerts and sectors name units by callsign as the units table does, by their id only when the report does not know them', () => {
  const name = unitNamer([
    { stationId: 'deqing-yuyue', unitId: 'car-01', callsign: '禹越巡01' },
    { stationId: 'linping-yunhe', unitId: 'car-01', callsign: '运河巡01' },
    { stationId: 'linping-yunhe', unitId: 'foot-02', callsign: '运河步02' },
  ]);
  expect(name('car-01', 'deqing-yuyue')).toBe('禹越巡01');
  expect(name('car-01', 'linping-yunhe')).toBe('运河巡01');
  // A sector assigned to one station with another station's unit, or to no station.
  expect(name('foot-02', 'deqing-yuyue')).toBe('运河步02');
  expect(name('foot-02', null)).toBe('运河步02');
  expect(name('gone-09', 'deqing-yuyue')).toBe('gone-09');
});

test('the distance a unit drove reads in the report’s language, not in English units inside Chinese', () => {
  expect([drivenDistance(12_345), drivenDistance(850), drivenDistance(0)]).toEqual(['12.3 公里', '850 米', '0 米']);
  i18n.locale = 'en';
  expect([drivenDistance(12_345), drivenDistance(850)]).toEqual(['12.3 km', '850 m']);
});
