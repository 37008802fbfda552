// @vitest-environment jsdom
import { expect, onTestFinished, test, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { dispatchChanges, unitKey, type Task, type Unit } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { offlineCommanderSession } from '../state/offline-session-harness.test-support.ts';
import { StandInMap } from './stand-in-map.test-support.ts';
import { UNIT_SOURCE } from './unit-layer-specs.ts';
import UnitLayer from './UnitLayer.svelte';

const standIn = vi.hoisted(() => ({ map: null as unknown }));
// The real style module needs the build's font plugin; the layer only asks it where to insert.
vi.mock('./style.ts', () => ({ MAP_FONT: 'Noto Sans SC', beforeSlot: () => undefined }));
vi.mock('./map-context.ts', () => ({ getMap: () => standIn.map, setMapContext: () => undefined }));
// The heading arrow is drawn on a canvas, which jsdom has not.
vi.mock('./unit-arrow.ts', () => ({ UNIT_ARROW: 'unit-arrow', addUnitArrow: () => undefined }));

const DEQING = 'deqing-yuyue';

test('the commander closes a task 禹越巡01 is on: its marker turns available before the server’s release arrives', async () => {
  const m = new StandInMap();
  standIn.map = m.map;
  const session = offlineCommanderSession([DEQING]);
  const task: Task = fixtures.missingPersonTask({ id: 't-maplayer1', stationId: 'command', targetStations: [DEQING] });
  const car: Unit = fixtures.unit({ id: 'car-01', callsign: '禹越巡01', stationId: DEQING });
  session.write('command', { type: 'put', map: 'tasks', key: task.id, value: task });
  session.write(DEQING, { type: 'put', map: 'units', key: car.id, value: car });
  session.write(DEQING, dispatchChanges([car], task.id, Date.now()).get(DEQING)!);
  // Its fix, as the live channel hands it over.
  const key = unitKey(DEQING, car.id);
  session.live.latest.set(key, fixtures.unitPosition(car.id, { stationId: DEQING }));

  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(UnitLayer, { target, props: { session } });
  flushSync();
  onTestFinished(() => {
    unmount(app);
    target.remove();
  });
  /** The status the car's marker is drawn with (its colour, `unitFeature`). */
  const marker = () =>
    m
      .features(UNIT_SOURCE)
      .filter((f) => f.id === key)
      .map((f) => f.properties?.status);
  await vi.waitFor(() => expect(marker()).toEqual(['en_route']));

  session.write('command', { type: 'put', map: 'tasks', key: task.id, value: { ...task, state: 'closed' } });
  // The record still says en route (the server writes the release); the map does not.
  expect(session.doc(DEQING)!.doc.getMap<Unit>('units').get(car.id)).toMatchObject({ assignedTaskId: task.id });
  await vi.waitFor(() => expect(marker()).toEqual(['available']));
});
