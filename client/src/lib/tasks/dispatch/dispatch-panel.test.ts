// @vitest-environment jsdom
import { afterEach, expect, onTestFinished, test, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { AppError, dispatchChanges, type Task, type Unit } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { i18n } from '../../i18n/i18n.svelte.ts';
import { offlineCommanderSession } from '../../state/offline-session-harness.test-support.ts';
import DispatchPanel from './DispatchPanel.svelte';

afterEach(() => i18n.set('zh-CN'));

test('in English, the failures of several stations’ dispatch are joined with English punctuation', () => {
  i18n.set('en');
  const session = offlineCommanderSession(['deqing-yuyue', 'tongxiang-zhouquan']);
  const task: Task = fixtures.missingPersonTask({ id: 't-dispatch01', stationId: 'command', createdBy: 'u-cmd' });
  session.write('command', { type: 'put', map: 'tasks', key: task.id, value: task });
  const units: Unit[] = [
    fixtures.unit({ id: 'car-01', callsign: '禹越巡01', stationId: 'deqing-yuyue' }),
    fixtures.unit({ id: 'zq-01', callsign: '洲泉巡01', stationId: 'tongxiang-zhouquan' }),
  ];
  for (const u of units) session.write(u.stationId, { type: 'put', map: 'units', key: u.id, value: u });

  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(DispatchPanel, { target, props: { session, task: { scope: 'command', task } } });
  flushSync();
  onTestFinished(() => {
    unmount(app);
    target.remove();
  });
  const ticks = [...target.querySelectorAll<HTMLInputElement>('[data-testid="dispatch-tick"]')];
  expect(ticks).toHaveLength(2);
  for (const tick of ticks) tick.click();
  flushSync();
  // Both station documents refuse the write.
  session.write = () => {
    throw new AppError('FORBIDDEN', 'refused');
  };
  target.querySelector<HTMLButtonElement>('[data-testid="dispatch-submit"]')!.click();
  flushSync();
  const text = target.querySelector('[data-testid="dispatch-message"]')?.textContent?.trim();
  expect(text).toBe(
    [
      i18n.t('dispatch.failed', { station: 'deqing-yuyue', message: 'refused' }),
      i18n.t('dispatch.failed', { station: 'tongxiang-zhouquan', message: 'refused' }),
    ].join('; '),
  );
});

test('the commander closes a task 禹越巡01 is on: its dispatch panel lists the car on the task no more', async () => {
  const session = offlineCommanderSession(['deqing-yuyue']);
  const task: Task = fixtures.missingPersonTask({ id: 't-dispatch02', stationId: 'command', createdBy: 'u-cmd' });
  const car = fixtures.unit({ id: 'car-01', callsign: '禹越巡01', stationId: 'deqing-yuyue' });
  session.write('command', { type: 'put', map: 'tasks', key: task.id, value: task });
  session.write(car.stationId, { type: 'put', map: 'units', key: car.id, value: car });
  session.write(car.stationId, dispatchChanges([car], task.id, Date.now()).get(car.stationId)!);

  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(DispatchPanel, { target, props: { session, task: { scope: 'command', task } } });
  flushSync();
  onTestFinished(() => {
    unmount(app);
    target.remove();
  });
  const onTask = () =>
    [...target.querySelectorAll<HTMLElement>('[data-testid="dispatch-assigned-unit"]')].map((li) => [
      li.dataset.unit,
      li.dataset.status,
    ]);
  expect(onTask()).toEqual([['car-01', 'en_route']]);

  session.write('command', { type: 'put', map: 'tasks', key: task.id, value: { ...task, state: 'closed' } });
  // The record still says en route (the server writes the release); the panel does not.
  expect(session.doc(car.stationId)!.doc.getMap<Unit>('units').get(car.id)).toMatchObject({ assignedTaskId: task.id });
  await vi.waitFor(() => {
    // The panel has seen the task close (it takes no more units) …
    expect(target.querySelector('[data-testid="dispatch-closed"]')).not.toBeNull();
    // … and lists nobody on it.
    expect(onTask()).toEqual([]);
  });
});
