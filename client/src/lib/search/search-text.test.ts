// @vitest-environment jsdom
import { afterEach, expect, onTestFinished, test } from 'vitest';
import { flushSync, mount, unmount, type Component } from 'svelte';
import { SectorSchema, type Annotation, type Sector, type Task, type Unit } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { i18n } from '../i18n/i18n.svelte.ts';
import { en, zhCN } from '../i18n/messages.ts';
import { offlineCommanderSession } from '../state/offline-session-harness.test-support.ts';
import MarkerTools from './MarkerTools.svelte';
import SectorAssign from './SectorAssign.svelte';
import { searchMapOf } from './search-ui.svelte.ts';

afterEach(() => i18n.set('zh-CN'));

function render<P extends Record<string, unknown>>(component: Component<P>, props: P): HTMLElement {
  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(component, { target, props });
  flushSync();
  onTestFinished(() => {
    unmount(app);
    target.remove();
  });
  return target;
}

test('the sweep width message states the rule the schema and the form apply: more than 0, at most 5000 m', () => {
  const rule = SectorSchema.properties.sweepWidthM;
  expect([rule.exclusiveMinimum, rule.maximum]).toEqual([0, 5000]);
  expect(zhCN['search.error.sweep']).toBe('搜索宽度须大于 0 米，且不超过 5000 米');
  expect(en['search.error.sweep']).toBe('The sweep width must be more than 0 m and at most 5000 m');
});

test('a marker dropped with a note is labelled with the language’s own colon', () => {
  const session = offlineCommanderSession(['deqing-yuyue']);
  const el = render(MarkerTools, { session });
  const labels: string[] = [];
  for (const [locale, note] of [
    ['en', 'footprints'],
    ['zh-CN', '脚印'],
  ] as const) {
    i18n.set(locale);
    flushSync();
    const input = el.querySelector<HTMLInputElement>('[data-testid="marker-note"]')!;
    input.value = note;
    input.dispatchEvent(new Event('input'));
    el.querySelector<HTMLButtonElement>('[data-testid="marker-clue"]')!.click();
    flushSync();
    searchMapOf(session).picked([120.29, 30.52]);
    flushSync();
  }
  for (const scope of session.writableScopes)
    for (const a of session.doc(scope)?.doc.getMap<Annotation>('annotations').values() ?? []) labels.push(a.label);
  expect(labels.sort()).toEqual(['Clue: footprints', '线索：脚印']);
});

const task: Task = fixtures.missingPersonTask({
  id: 't-search0001',
  stationId: 'command',
  targetStations: ['deqing-yuyue', 'tongxiang-zhouquan'],
  createdBy: 'u-cmd',
});
const sector: Sector = {
  id: 's-sectora1',
  name: 'A1',
  taskId: task.id,
  polygon: {
    type: 'Polygon',
    coordinates: [
      [
        [120.28, 30.51],
        [120.3, 30.51],
        [120.3, 30.53],
        [120.28, 30.51],
      ],
    ],
  },
  assignedStationId: null,
  assignedUnitIds: [],
  status: 'unassigned',
  sweepWidthM: 30,
  updatedAt: 1_700_000_000_000,
};

test('in English, the sector form’s twin note and its dispatch summary use English punctuation', () => {
  i18n.set('en');
  const session = offlineCommanderSession(['deqing-yuyue', 'tongxiang-zhouquan']);
  session.write('command', { type: 'put', map: 'tasks', key: task.id, value: task });
  const units: Unit[] = [
    fixtures.unit({ id: 'car-01', callsign: '禹越巡01', stationId: 'deqing-yuyue' }),
    fixtures.unit({ id: 'foot-02', callsign: '禹越步巡02', stationId: 'deqing-yuyue', status: 'off_duty' }),
    fixtures.unit({ id: 'car-01', callsign: '洲泉巡01', stationId: 'tongxiang-zhouquan' }),
  ];
  for (const u of units) session.write(u.stationId, { type: 'put', map: 'units', key: u.id, value: u });
  let notice: string | null = null;
  const el = render(SectorAssign, {
    session,
    sector,
    units,
    ondone: (n: string | null) => (notice = n),
    oncancel: () => undefined,
  });
  const tick = (station: string, id: string) =>
    el.querySelector<HTMLInputElement>(`input[data-station="${station}"][data-unit="${id}"]`)!.click();
  tick('deqing-yuyue', 'car-01');
  tick('deqing-yuyue', 'foot-02');
  flushSync();
  // 洲泉巡01 shares 禹越巡01's id: it cannot be chosen too.
  expect(el.querySelector('[data-testid="sector-twin-note"]')?.textContent?.trim()).toBe(
    '洲泉巡01 (tongxiang-zhouquan): A unit of deqing-yuyue with this id is already chosen: sectors record units by id only, so pick a station',
  );
  el.querySelector<HTMLButtonElement>('[data-testid="sector-save"]')!.click();
  flushSync();
  expect(notice).toBe('Sent to this task: 禹越巡01; Not sent to this task (off duty): 禹越步巡02');
});
