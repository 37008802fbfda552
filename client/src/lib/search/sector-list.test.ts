// @vitest-environment jsdom
import { expect, onTestFinished, test, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { dispatchChanges, type Task, type Unit } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { offlineCommanderSession } from '../state/offline-session-harness.test-support.ts';
import { assignSector, createSearch } from './search-writes.ts';
import SectorList from './SectorList.svelte';

const DEQING = 'deqing-yuyue';
const square: GeoJSON.Polygon = {
  type: 'Polygon',
  coordinates: [
    [
      [120.28, 30.51],
      [120.3, 30.51],
      [120.3, 30.53],
      [120.28, 30.53],
      [120.28, 30.51],
    ],
  ],
};

test('the commander closes a search’s task 禹越巡01 is on: its sector shows the car off the task, as the released car it is', async () => {
  const session = offlineCommanderSession([DEQING]);
  const task: Task = fixtures.missingPersonTask({ id: 't-sectors01', stationId: 'command', targetStations: [DEQING] });
  const car: Unit = fixtures.unit({ id: 'car-01', callsign: '禹越巡01', stationId: DEQING });
  const now = Date.now();
  const search = createSearch({
    task,
    area: square,
    lastKnown: null,
    lastSeenAt: null,
    travelMode: null,
    sectors: [{ name: 'A1', polygon: square, stationId: null }],
    sweepWidthM: 30,
    userId: 'u-cmd',
    now,
  });
  // A1 is 禹越巡01's, and the car is on the search's task.
  const sector = assignSector(search.sectors[0]!, null, [car.id], now);
  session.write('command', { type: 'put', map: 'tasks', key: task.id, value: task });
  session.write('command', search.change);
  session.write('command', { type: 'put', map: 'sectors', key: sector.id, value: sector });
  session.write(DEQING, { type: 'put', map: 'units', key: car.id, value: car });
  session.write(DEQING, dispatchChanges([car], task.id, now).get(DEQING)!);

  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(SectorList, { target, props: { session, sectors: [sector], editable: false } });
  flushSync();
  onTestFinished(() => {
    unmount(app);
    target.remove();
  });
  /** The sector's units as its row names them, and whether each is off the search's task. */
  const named = () =>
    [...target.querySelectorAll<HTMLElement>('[data-testid="sector-unit"]')].map((el) => [
      el.textContent,
      el.dataset.off,
    ]);
  expect(named()).toEqual([['禹越巡01', 'false']]);

  session.write('command', { type: 'put', map: 'tasks', key: task.id, value: { ...task, state: 'closed' } });
  // The record still says en route (the server writes the release); the sector does not.
  expect(session.doc(DEQING)!.doc.getMap<Unit>('units').get(car.id)).toMatchObject({ assignedTaskId: task.id });
  await vi.waitFor(() => expect(named()).toEqual([['禹越巡01', 'true']]));
});
