/**
 * Convert the demo county outlines (GCJ-02, from ../shared/data) to WGS-84 and write them as the
 * committed demo fixtures under server/demo-data/. Run once when the source data changes:
 *   node --import tsx server/src/tools/import-boundaries.ts ../shared/data/admin-boundaries/datav-areas-v3
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gcj02ToWgs84 } from '@jointmap/shared/geo/gcj02';
import type { Feature, FeatureCollection, MultiPolygon, Position } from 'geojson';

const source = process.argv[2];
if (!source) {
  console.error('usage: import-boundaries.ts <datav-areas-v3 folder>');
  process.exit(2);
}
const out = fileURLToPath(new URL('../../demo-data/', import.meta.url));

const round = (p: Position): Position => [Math.round(p[0]! * 1e6) / 1e6, Math.round(p[1]! * 1e6) / 1e6];

function toWgs84(file: string): FeatureCollection<MultiPolygon> {
  const fc = JSON.parse(readFileSync(join(source!, file), 'utf8')) as FeatureCollection<MultiPolygon>;
  return {
    type: 'FeatureCollection',
    features: fc.features.map((f): Feature<MultiPolygon> => ({
      type: 'Feature',
      properties: { adcode: f.properties?.adcode, name: f.properties?.name, crs: 'WGS-84' },
      geometry: {
        type: 'MultiPolygon',
        coordinates: f.geometry.coordinates.map((poly) =>
          poly.map((ring) => ring.map((p) => round(gcj02ToWgs84(p[0]!, p[1]!)))),
        ),
      },
    })),
  };
}

for (const adcode of ['330521', '330113', '330483']) {
  writeFileSync(join(out, `county-${adcode}.geojson`), JSON.stringify(toWgs84(`county/${adcode}.json`)));
}
const context: FeatureCollection<MultiPolygon> = { type: 'FeatureCollection', features: [] };
for (const city of ['330500', '330100', '330400']) context.features.push(...toWgs84(`citys/${city}.json`).features);
writeFileSync(join(out, 'context-counties.geojson'), JSON.stringify(context));
console.log(`wrote WGS-84 fixtures to ${out}`);
