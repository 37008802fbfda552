import type { Map as MapLibreMap } from 'maplibre-gl';

interface StandInLayer {
  id: string;
  source?: string;
  paint: Record<string, unknown>;
  filter: unknown;
}

/**
 * A stand-in for the MapLibre map of `<MapView>`, enough for the layer components: sources hold the
 * data last given them, layers their paint properties and filter, in drawing order. No rendering,
 * no WebGL, no events: a test mounts a layer component with `getMap` mocked to return {@link StandInMap.map}
 * (and the style module, which needs the build's font plugin, mocked too):
 *
 *   vi.mock('./style.ts', () => ({ MAP_FONT: 'Noto Sans SC', beforeSlot: () => undefined }));
 *   vi.mock('./map-context.ts', () => ({ getMap: () => standIn.map, setMapContext: () => undefined }));
 */
export class StandInMap {
  readonly sources = new Map<string, { spec: unknown; data: unknown }>();
  readonly layers: StandInLayer[] = [];

  /** The layer `id`, or undefined. */
  layer(id: string): StandInLayer | undefined {
    return this.layers.find((l) => l.id === id);
  }

  /** The features last given to the GeoJSON source `id`. */
  features(id: string): GeoJSON.Feature[] {
    return (this.sources.get(id)?.data as GeoJSON.FeatureCollection | undefined)?.features ?? [];
  }

  readonly map = this.build();

  private build(): MapLibreMap {
    const sources = this.sources;
    const layers = this.layers;
    const find = (id: string) => layers.find((l) => l.id === id);
    const need = (id: string) => {
      const l = find(id);
      if (!l) throw new Error(`no layer ${id}`);
      return l;
    };
    const fake = {
      style: {},
      addSource(id: string, spec: { data?: unknown }) {
        if (sources.has(id)) throw new Error(`source ${id} exists`);
        const entry = { spec, data: spec.data };
        sources.set(id, entry);
      },
      getSource(id: string) {
        const entry = sources.get(id);
        if (!entry) return undefined;
        return {
          setData: (data: unknown) => void (entry.data = data),
          // As maplibre applies a diff: an added feature replaces the one of its id.
          updateData: (diff: { add?: GeoJSON.Feature[]; remove?: Array<string | number> }) => {
            const added = diff.add ?? [];
            const gone = new Set([...(diff.remove ?? []), ...added.map((f) => f.id)]);
            const before = (entry.data as GeoJSON.FeatureCollection | undefined)?.features ?? [];
            entry.data = {
              type: 'FeatureCollection',
              features: [...before.filter((f) => f.id === undefined || !gone.has(f.id)), ...added],
            };
            return Promise.resolve();
          },
        };
      },
      removeSource(id: string) {
        if (layers.some((l) => l.source === id)) throw new Error(`source ${id} in use`);
        sources.delete(id);
      },
      addLayer(
        spec: { id: string; source?: string; paint?: Record<string, unknown>; filter?: unknown },
        before?: string,
      ) {
        if (find(spec.id)) throw new Error(`layer ${spec.id} exists`);
        if (spec.source && !sources.has(spec.source)) throw new Error(`no source ${spec.source}`);
        const layer = { id: spec.id, source: spec.source, paint: { ...spec.paint }, filter: spec.filter ?? null };
        const at = before ? layers.findIndex((l) => l.id === before) : -1;
        if (at >= 0) layers.splice(at, 0, layer);
        else layers.push(layer);
      },
      getLayer: (id: string) => find(id),
      removeLayer(id: string) {
        layers.splice(layers.indexOf(need(id)), 1);
      },
      setFilter: (id: string, filter: unknown) => void (need(id).filter = filter ?? null),
      getFilter: (id: string) => need(id).filter,
      setPaintProperty: (id: string, name: string, value: unknown) => void (need(id).paint[name] = value),
      getPaintProperty: (id: string, name: string) => need(id).paint[name],
      getStyle: () => ({ layers: layers.map((l) => ({ ...l })) }),
      // Pointer events never fire here: handlers are accepted and dropped.
      on: () => undefined,
      off: () => undefined,
    };
    return fake as unknown as MapLibreMap;
  }
}
