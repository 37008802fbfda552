// @vitest-environment jsdom
import { expect, onTestFinished, test, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { SvelteMap } from 'svelte/reactivity';
import { StandInMap } from './stand-in-map.test-support.ts';
import BasemapLayers from './BasemapLayers.svelte';

const standIn = vi.hoisted(() => ({ map: null as unknown }));
// The real style module needs the build's font plugin; the layers only ask it where to insert.
vi.mock('./style.ts', () => ({ MAP_FONT: 'Noto Sans SC', beforeSlot: () => undefined }));
vi.mock('./map-context.ts', () => ({ getMap: () => standIn.map, setMapContext: () => undefined }));

const square = (x: number, properties: Record<string, string>): GeoJSON.Feature => ({
  type: 'Feature',
  properties,
  geometry: {
    type: 'Polygon',
    coordinates: [
      [
        [x, 30],
        [x + 0.1, 30],
        [x + 0.1, 30.1],
        [x, 30.1],
        [x, 30],
      ],
    ],
  },
});
const collection = (...features: GeoJSON.Feature[]): GeoJSON.FeatureCollection => ({
  type: 'FeatureCollection',
  features,
});

test('the layers show the jurisdictions and counties given at mount, and counties that arrive later', () => {
  const m = new StandInMap();
  standIn.map = m.map;
  const jurisdictions = collection(square(120, { stationId: 'deqing-yuyue', shortName: '禹越', color: '#2563eb' }));
  // The counties as the operation's data hands them over: reactive, the first fetch having failed.
  const data = new SvelteMap([['context', collection()]]);
  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(BasemapLayers, {
    target,
    props: {
      jurisdictions,
      get context() {
        return data.get('context')!;
      },
    },
  });
  flushSync();
  onTestFinished(() => {
    unmount(app);
    target.remove();
  });
  const names = (source: string, key: string) => m.features(source).map((f) => f.properties?.[key]);

  expect(names('jurisdictions', 'shortName')).toEqual(['禹越']);
  expect(names('jurisdiction-labels', 'shortName')).toEqual(['禹越']);
  expect(m.features('context')).toEqual([]);

  data.set('context', collection(square(119.8, { name: '安吉县' }), square(120.2, { name: '桐乡市' })));
  flushSync();
  expect(names('context', 'name')).toEqual(['安吉县', '桐乡市']);
  expect(names('context-labels', 'name')).toEqual(['安吉县', '桐乡市']);
  expect(m.features('context-labels').map((f) => f.geometry.type)).toEqual(['Point', 'Point']);
});
