// @vitest-environment jsdom
import { expect, onTestFinished, test, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { SvelteSet } from 'svelte/reactivity';
import { offlineCommanderSession } from '../state/offline-session-harness.test-support.ts';
import { StandInMap } from '../map/stand-in-map.test-support.ts';
import { newMarker } from './markers.ts';
import MarkerLayer from './MarkerLayer.svelte';

const standIn = vi.hoisted(() => ({ map: null as unknown }));
// The real style module needs the build's font plugin; the layer only asks it where to insert.
vi.mock('../map/style.ts', () => ({ MAP_FONT: 'Noto Sans SC', beforeSlot: () => undefined }));
vi.mock('../map/map-context.ts', () => ({ getMap: () => standIn.map, setMapContext: () => undefined }));

test('clue and found markers follow the layer panel: hidden with their station, and all of them with the point kind', async () => {
  const m = new StandInMap();
  standIn.map = m.map;
  const session = offlineCommanderSession(['deqing-yuyue']);
  const put = (scope: string, marker: ReturnType<typeof newMarker>) =>
    session.write(scope, { type: 'put', map: 'annotations', key: marker.id, value: marker });
  put('deqing-yuyue', newMarker('clue', [120.1, 30.5], '线索', 'u-deqing', 1_700_000_000_000, 'm-clue'));
  put('command', newMarker('found', [120.2, 30.5], '找到', 'u-cmd', 1_700_000_000_100, 'm-found'));

  // The console's layer panel, as the page binds it.
  const hiddenScopes = new SvelteSet<string>();
  const hiddenKinds = new SvelteSet<string>();
  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(MarkerLayer, {
    target,
    props: {
      session,
      get hiddenScopes() {
        return [...hiddenScopes];
      },
      get hiddenKinds() {
        return [...hiddenKinds];
      },
    },
  });
  onTestFinished(() => {
    unmount(app);
    target.remove();
  });
  const shown = async () => {
    flushSync();
    // A marker written meanwhile is drawn on the next animation frame.
    await new Promise((r) => setTimeout(r, 5));
    return m
      .features('search-markers')
      .map((f) => f.id)
      .sort();
  };
  expect(await shown()).toEqual(['command/m-found', 'deqing-yuyue/m-clue']);

  hiddenScopes.add('deqing-yuyue');
  expect(await shown()).toEqual(['command/m-found']);
  // A marker added to a hidden station stays hidden.
  put('deqing-yuyue', newMarker('found', [120.3, 30.5], '找到', 'u-deqing', 1_700_000_000_200, 'm-found-2'));
  expect(await shown()).toEqual(['command/m-found']);

  hiddenKinds.add('point');
  expect(await shown()).toEqual([]);
  hiddenKinds.delete('point');
  hiddenScopes.delete('deqing-yuyue');
  expect(await shown()).toEqual(['command/m-found', 'deqing-yuyue/m-clue', 'deqing-yuyue/m-found-2']);
  // Other kinds hidden leave the markers alone.
  hiddenKinds.add('line');
  expect(await shown()).toHaveLength(3);
});
