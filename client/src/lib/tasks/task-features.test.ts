import { expect, test } from 'vitest';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { mapLabel, taskFeatures } from './task-features.ts';
import { buildTaskViews } from './task-views.ts';

test('one feature per task with a location or area, coloured by derived status, plus the draft', () => {
  const point = fixtures.missingPersonTask({ id: 't-point00000', title: '协查走失老人（近80岁，骑蓝色三轮车）' });
  const area = fixtures.missingPersonTask({
    id: 't-area000000',
    stationId: 'command',
    title: '卡口布控',
    location: null,
    area: fixtures.searchPolygon().geometry as never,
    priority: 'low',
    state: 'cancelled',
    createdAt: 1_600_000_000_000,
  });
  const views = buildTaskViews(
    [
      { scope: 'linping-yunhe', record: point },
      { scope: 'command', record: area },
    ],
    [fixtures.response({ taskId: point.id, status: 'accepted' })],
  );
  const draft = { geometry: { type: 'Point' as const, coordinates: [120.1, 30.5] as [number, number] } };
  expect(taskFeatures(views, draft, '新任务')).toEqual({
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        geometry: point.location,
        properties: {
          key: 'linping-yunhe/t-point00000',
          label: '协查走失老人（近80岁…',
          status: 'accepted',
          color: '#2563eb',
          rank: 13,
        },
      },
      {
        type: 'Feature',
        geometry: area.area,
        properties: { key: 'command/t-area000000', label: '卡口布控', status: 'cancelled', color: '#9ca3af', rank: 0 },
      },
      {
        type: 'Feature',
        geometry: draft.geometry,
        properties: { key: 'draft', label: '新任务', status: 'draft', color: '#0f172a', rank: 100 },
      },
    ],
  });
});

test('map labels keep 12 characters, the last one an ellipsis when cut', () => {
  expect(mapLabel('十二个字的标题刚好不截断')).toBe('十二个字的标题刚好不截断');
  expect(mapLabel('一二三四五六七八九十壹贰叁')).toBe('一二三四五六七八九十壹…');
});
