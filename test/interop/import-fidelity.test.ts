import { describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.ts';
import { DEQING } from '../helpers/tasks.ts';
import { kmlOf, uploadFile } from './import-helpers.ts';

describe('what files of other tools carry survives the import', () => {
  it('a Google Earth pin keeps the colour of its IconStyle (shared Style, StyleMap or inline)', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const file = kmlOf(`
<Style id="red"><IconStyle><color>ff0000ff</color><Icon><href>http://maps.google.com/mapfiles/kml/paddle/wht-blank.png</href></Icon></IconStyle></Style>
<StyleMap id="m_red"><Pair><key>normal</key><styleUrl>#red</styleUrl></Pair><Pair><key>highlight</key><styleUrl>#red</styleUrl></Pair></StyleMap>
<Placemark><name>红色图钉</name><styleUrl>#red</styleUrl><Point><coordinates>120.3,30.52</coordinates></Point></Placemark>
<Placemark><name>样式图</name><styleUrl>#m_red</styleUrl><Point><coordinates>120.31,30.52</coordinates></Point></Placemark>
<Placemark><name>内联绿色</name><Style><IconStyle><color>ff00ff00</color></IconStyle></Style><Point><coordinates>120.32,30.52</coordinates></Point></Placemark>`);
    const res = await uploadFile(server, token, file, { scope: DEQING });
    expect(res.status).toBe(200);
    expect(res.body.annotations.map((a) => [a.label, a.color])).toEqual([
      ['红色图钉', '#ff0000'],
      ['样式图', '#ff0000'],
      ['内联绿色', '#00ff00'],
    ]);
  });

  it('a GeoJSON in GBK (ogr2ogr from a Chinese shapefile) imports with its Chinese label; bytes valid in neither UTF-8 nor GBK are refused', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const geojson = (label: Buffer) =>
      Buffer.concat([
        Buffer.from('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"'),
        label,
        Buffer.from('"},"geometry":{"type":"Point","coordinates":[120.3,30.52]}}]}'),
      ]);
    const read = await uploadFile(server, token, geojson(Buffer.from('BCAFBACFB5E3', 'hex')), { scope: DEQING });
    expect(read.status).toBe(200);
    expect(read.body.annotations.map((a) => a.label)).toEqual(['集合点']);
    // 0xFF is no lead byte in GBK, and no byte of UTF-8.
    const neither = await uploadFile(server, token, geojson(Buffer.from('41FF42', 'hex')), { scope: DEQING });
    expect([neither.status, neither.body.error?.code]).toEqual([400, 'INVALID_PAYLOAD']);
    expect(neither.body.error!.message).toMatch(/neither valid UTF-8 nor GBK/);
  });

  it('a KML GroundOverlay (a picture on the map) is skipped as such, not imported as an area', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const file = kmlOf(`
<Placemark><name>集合点</name><Point><coordinates>120.3,30.52</coordinates></Point></Placemark>
<GroundOverlay><name>航拍图</name><Icon><href>a.jpg</href></Icon><LatLonBox><north>30.6</north><south>30.5</south><east>120.4</east><west>120.3</west></LatLonBox></GroundOverlay>`);
    const res = await uploadFile(server, token, file, { scope: DEQING });
    expect(res.status).toBe(200);
    expect(res.body.annotations.map((a) => [a.kind, a.label])).toEqual([['point', '集合点']]);
    expect(res.body.skipped).toEqual({ 'ground overlay': 1 });
  });

  it('a 100,000-point zigzag track imports as one line thinned to 10,000 points, ends kept (a stack overflow and a 500 before)', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const coordinates: number[][] = [];
    for (let i = 0; i < 100_000; i++)
      coordinates.push([
        +(120.2 + i * 1e-6 + Math.sin(i) * 1e-5).toFixed(6),
        +(30.5 + Math.cos(i / 7) * 1e-3).toFixed(6),
      ]);
    const file = Buffer.from(
      JSON.stringify({
        type: 'Feature',
        properties: { name: '无人机航迹' },
        geometry: { type: 'LineString', coordinates },
      }),
    );
    const res = await uploadFile(server, token, file, { scope: DEQING });
    expect(res.status).toBe(200);
    expect(res.body.simplified).toBe(1);
    const [line] = res.body.annotations;
    expect(line!.kind).toBe('line');
    const kept = line!.geometry.coordinates as number[][];
    expect(kept).toHaveLength(10_000);
    expect([kept[0], kept.at(-1)]).toEqual([coordinates[0], coordinates.at(-1)]);
  });
});
