import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FeatureCollection, MultiPolygon } from 'geojson';
import type { Station } from '../storage/types.ts';

const demoData = new URL('../../demo-data/', import.meta.url);

function jurisdiction(adcode: string): MultiPolygon {
  const fc = JSON.parse(
    readFileSync(new URL(`county-${adcode}.geojson`, demoData), 'utf8'),
  ) as FeatureCollection<MultiPolygon>;
  return fc.features[0]!.geometry;
}

/** The three stations of the tri-county cooperation (SCENARIOS §1), jurisdictions in WGS-84. */
export function demoStations(): Station[] {
  return [
    {
      id: 'deqing-yuyue',
      name: '德清县公安局禹越派出所',
      shortName: '德清禹越',
      adcode: '330521',
      color: '#2563eb',
      jurisdiction: jurisdiction('330521'),
    },
    {
      id: 'linping-yunhe',
      name: '杭州市公安局临平区分局运河派出所',
      shortName: '临平运河',
      adcode: '330113',
      color: '#dc2626',
      jurisdiction: jurisdiction('330113'),
    },
    {
      id: 'tongxiang-zhouquan',
      name: '桐乡市公安局洲泉派出所',
      shortName: '桐乡洲泉',
      adcode: '330483',
      color: '#16a34a',
      jurisdiction: jurisdiction('330483'),
    },
  ];
}

/**
 * Districts around the operation area, drawn as context on the offline basemap: a file path (not
 * the URL's percent-encoded pathname, which names no file under a space or Chinese characters).
 */
export function contextCountiesPath(dir: URL = demoData): string {
  return fileURLToPath(new URL('context-counties.geojson', dir));
}
