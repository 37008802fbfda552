import type { Page } from 'playwright-core';

/** What the unit layers draw right now, read through the page's map (`window.jointmapMap`). */
export interface Drawn {
  /** Groups on screen (a group holding a pinned unit too): count and screen position (CSS px in the map canvas). */
  groups: Array<{ count: number; x: number; y: number }>;
  /** Unit ids whose own marker is on screen (grouped source or pinned), sorted, unique. */
  singles: string[];
  /** Groups holding a pinned unit, as their badge reads ("+5"). */
  badges: string[];
  /** Unit ids drawn by the pinned (selected / followed) layers. */
  pinned: string[];
  /** Unit ids whose label is on screen, sorted, unique. */
  labels: string[];
  zoom: number;
  moving: boolean;
}

type MapHandle = {
  queryRenderedFeatures(
    g?: [number, number] | { layers: string[] },
    o?: { layers: string[] },
  ): Array<{ layer: { id: string }; properties: Record<string, unknown>; geometry: GeoJSON.Geometry }>;
  project(p: [number, number]): { x: number; y: number };
  getZoom(): number;
  isMoving(): boolean;
  getCanvas(): HTMLCanvasElement;
};

export function drawn(page: Page): Promise<Drawn> {
  return page.evaluate(() => {
    const map = (window as unknown as { jointmapMap: MapHandle }).jointmapMap;
    const ids = (layers: string[]) =>
      [...new Set(map.queryRenderedFeatures({ layers }).map((f) => f.properties.unitId as string))].sort();
    // A group near a tile edge is returned once per tile: one entry per cluster id.
    const groups = new Map<number, { count: number; x: number; y: number }>();
    for (const f of map.queryRenderedFeatures({ layers: ['unit-group', 'unit-group-badge'] })) {
      const p = map.project((f.geometry as GeoJSON.Point).coordinates as [number, number]);
      groups.set(f.properties.cluster_id as number, { count: f.properties.point_count as number, x: p.x, y: p.y });
    }
    return {
      groups: [...groups.values()],
      singles: ids(['unit-ring', 'unit-pinned-ring']),
      badges: [
        ...new Set(
          map
            .queryRenderedFeatures({ layers: ['unit-group-badge'] })
            .map((f) => `+${(f.properties.point_count as number) - (f.properties.pinned as number)}`),
        ),
      ],
      pinned: ids(['unit-pinned-ring']),
      labels: ids(['unit-label', 'unit-pinned-label']),
      zoom: map.getZoom(),
      moving: map.isMoving(),
    };
  });
}

/** Overlaps found on screen; every list empty means nothing hides anything. */
export interface Clutter {
  /** Pairs of units whose label boxes share a pixel. */
  labelOnLabel: string[];
  /** A unit's label over another unit's marker or over a group (`label>marker`). */
  labelOnMarker: string[];
  /** Pairs of markers (units or groups) whose centres are closer than `minDistance` px. */
  markerOnMarker: string[];
  /** How many labels were checked. */
  labels: number;
}

/**
 * Finds overlaps with maplibre's own hit testing: a symbol answers a point query where its placed
 * (collision) box is, so a pixel answered by two labels, or by a label and another unit's marker,
 * is an overlap. Every `scale`-th pixel or every other (offset by half a pixel: boxes that only
 * touch are no overlap) is probed around the labels on screen; `scale` is the layer's text scale.
 */
export function clutter(page: Page, scale: number, minDistance: number): Promise<Clutter> {
  return page.evaluate(
    ([scale, minD]) => {
      const map = (window as unknown as { jointmapMap: MapHandle }).jointmapMap;
      const LABELS = ['unit-label', 'unit-pinned-label'];
      const MARKERS = ['unit-glyph', 'unit-pinned-glyph', 'unit-group-count', 'unit-group-badge-count'];
      const key = (f: { layer: { id: string }; properties: Record<string, unknown> }) =>
        f.layer.id.startsWith('unit-group') ? `group-${String(f.properties.cluster_id)}` : String(f.properties.unitId);
      const canvas = map.getCanvas();
      const width = canvas.clientWidth;
      const height = canvas.clientHeight;
      const labelled = map.queryRenderedFeatures({ layers: LABELS });
      const anchors = labelled.map((f) => map.project((f.geometry as GeoJSON.Point).coordinates as [number, number]));
      const labelOnLabel = new Set<string>();
      const labelOnMarker = new Set<string>();
      // Probe a square around each labelled unit, wide enough for a label on any side of it.
      const reach = 160 * scale;
      const step = Math.max(2, Math.round(scale));
      const probed = new Set<number>();
      for (const a of anchors) {
        const gx0 = Math.max(0, Math.floor((a.x - reach) / step));
        const gx1 = Math.min(Math.floor(width / step), Math.ceil((a.x + reach) / step));
        const gy0 = Math.max(0, Math.floor((a.y - reach) / step));
        const gy1 = Math.min(Math.floor(height / step), Math.ceil((a.y + reach) / step));
        for (let gy = gy0; gy <= gy1; gy++) {
          for (let gx = gx0; gx <= gx1; gx++) {
            const cell = gy * 100_000 + gx;
            if (probed.has(cell)) continue;
            probed.add(cell);
            const hits = map.queryRenderedFeatures([gx * step + 0.5, gy * step + 0.5], {
              layers: [...LABELS, ...MARKERS],
            });
            if (hits.length < 2) continue;
            const labels = [...new Set(hits.filter((h) => LABELS.includes(h.layer.id)).map(key))].sort();
            const markers = new Set(hits.filter((h) => MARKERS.includes(h.layer.id)).map(key));
            if (labels.length > 1) labelOnLabel.add(labels.join('+'));
            for (const l of labels) for (const m of markers) if (m !== l) labelOnMarker.add(`${l}>${m}`);
          }
        }
      }
      const centres = new Map<string, { x: number; y: number }>();
      for (const f of map.queryRenderedFeatures({ layers: ['unit-ring', 'unit-pinned-ring', 'unit-group'] })) {
        const id =
          f.layer.id === 'unit-group' ? `group-${String(f.properties.cluster_id)}` : String(f.properties.unitId);
        centres.set(id, map.project((f.geometry as GeoJSON.Point).coordinates as [number, number]));
      }
      const markerOnMarker: string[] = [];
      const list = [...centres.entries()];
      list.forEach(([a, p], i) => {
        for (const [b, q] of list.slice(i + 1))
          if (Math.hypot(p.x - q.x, p.y - q.y) < minD) markerOnMarker.push(`${a}+${b}`);
      });
      return {
        labelOnLabel: [...labelOnLabel],
        labelOnMarker: [...labelOnMarker],
        markerOnMarker,
        labels: new Set(labelled.map(key)).size,
      };
    },
    [scale, minDistance] as const,
  );
}
