// @vitest-environment jsdom
import { expect, onTestFinished, test, vi } from 'vitest';
import { flushSync, mount, unmount, type Component } from 'svelte';
import { session } from '../state/session.svelte.ts';
import type { BasemapSource } from './custom-basemap.ts';
import { StandInMap } from './stand-in-map.test-support.ts';
import BasemapLayers from './BasemapLayers.svelte';
import CustomBasemap from './CustomBasemap.svelte';

const standIn = vi.hoisted(() => ({ map: null as unknown }));
// The real style module needs the build's font plugin; the layers only ask it where to insert.
vi.mock('./style.ts', () => ({ MAP_FONT: 'Noto Sans SC', beforeSlot: () => undefined }));
vi.mock('./map-context.ts', () => ({ getMap: () => standIn.map, setMapContext: () => undefined }));
// The customer basemap here is an intranet XYZ raster: MapLibre itself is not needed.
vi.mock('./maplibre.ts', () => ({ maplibregl: {} }));

const customer: BasemapSource = {
  id: 'sat',
  name: '影像',
  type: 'xyz',
  format: 'raster',
  available: true,
  url: 'http://tiles.example/{z}/{x}/{y}.png',
  crs: 'WGS-84',
  tileSize: 256,
  minzoom: 0,
  maxzoom: 18,
  attribution: '',
};

function standInMap(): StandInMap {
  const m = new StandInMap();
  standIn.map = m.map;
  return m;
}

/** `component` mounted until the returned function (or the test's end) takes it down. */
function mounted<P extends Record<string, unknown>>(component: Component<P>, props: P): () => void {
  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(component, { target, props });
  flushSync();
  let gone = false;
  const down = () => {
    if (gone) return;
    gone = true;
    unmount(app);
    flushSync();
    target.remove();
  };
  onTestFinished(down);
  return down;
}

const empty: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };
const counties = () => mounted(BasemapLayers, { jurisdictions: empty, context: empty });

test('the county wash stays clear over a customer basemap when the wall makes its layers again', async () => {
  const m = standInMap();
  vi.spyOn(session, 'get').mockResolvedValue({ sources: [customer] });
  onTestFinished(() => void vi.restoreAllMocks());
  const wash = () => m.layer('context-fill')?.paint['fill-opacity'];

  // As the wall mounts them: the customer basemap outside `{#if layersShown}`, the counties inside.
  const dropCustomer = mounted(CustomBasemap, {});
  let dropCounties = counties();
  await vi.waitFor(() => expect(m.layer('basemap-sat')).toBeDefined());
  expect(wash()).toBe(0);

  // A new screen size: the counties' layers are made again, the customer basemap stays.
  dropCounties();
  expect(m.layer('context-fill')).toBeUndefined();
  dropCounties = counties();
  expect(wash()).toBe(0);

  // Without the customer basemap the wash comes back, and stays on counties made again.
  dropCustomer();
  expect(m.layer('basemap-sat')).toBeUndefined();
  expect(wash()).toBe(0.9);
  dropCounties();
  counties();
  expect(wash()).toBe(0.9);
});

test('with no customer basemap configured the counties keep their wash', async () => {
  const m = standInMap();
  const asked = vi.spyOn(session, 'get').mockResolvedValue({ sources: [] });
  onTestFinished(() => void vi.restoreAllMocks());
  mounted(CustomBasemap, {});
  counties();
  await vi.waitFor(() => expect(asked).toHaveBeenCalled());
  await Promise.resolve();
  expect(m.layer('context-fill')?.paint['fill-opacity']).toBe(0.9);
});
