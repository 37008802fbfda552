// @vitest-environment jsdom
import { afterEach, expect, onTestFinished, test } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { AppError, type Task, type Unit } from '@jointmap/shared';
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
