import type { FeatureCollection } from 'geojson';
import { describe, expect, it } from 'vitest';
import { formatExport } from './export-format.ts';

const ring = [
  [120, 30],
  [120.1, 30],
  [120.1, 30.1],
  [120, 30],
];
const hole = [
  [120.02, 30.02],
  [120.03, 30.02],
  [120.03, 30.03],
  [120.02, 30.02],
];
const collection: FeatureCollection = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      id: 'l1',
      geometry: {
        type: 'LineString',
        coordinates: [
          [120.3, 30.5, 12],
          [120.31, 30.51, 13.5],
        ],
      },
      properties: { name: '巡线 <A&B>', stroke: '#0f0', kind: 'line', coordinateProperties: { times: [0, 1000] } },
    },
    {
      type: 'Feature',
      id: 'p1',
      geometry: { type: 'Polygon', coordinates: [ring, hole] },
      properties: { name: '搜索区', description: 'assigned · car-1', fill: '#7c3aed', 'fill-opacity': 0.2, n: null },
    },
    {
      type: 'Feature',
      id: 'a1',
      geometry: { type: 'Point', coordinates: [120.3, 30.5] },
      properties: { name: '集合点\u0001', 'marker-color': '#dc2626' },
    },
  ],
};

describe('export files written as text', () => {
  it('KML: a Placemark per feature with its name, description, inline Style before ExtendedData, and geometry (holes kept)', () => {
    expect(formatExport(collection, 'kml', 't')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>' +
        '\n<Placemark id="l1">\n<name>巡线 &lt;A&amp;B&gt;</name>' +
        '<Style><LineStyle><color>ff00ff00</color><width>3</width></LineStyle></Style><ExtendedData>' +
        '\n  <Data name="stroke"><value>#0f0</value></Data>\n  <Data name="kind"><value>line</value></Data>' +
        '\n  <Data name="coordinateProperties"><value>{"times":[0,1000]}</value></Data></ExtendedData>' +
        '\n  <LineString><coordinates>120.3,30.5\n120.31,30.51</coordinates></LineString></Placemark>' +
        '\n<Placemark id="p1">\n<name>搜索区</name><description>assigned · car-1</description>' +
        '<Style><PolyStyle><color>33ed3a7c</color></PolyStyle></Style><ExtendedData>' +
        '\n  <Data name="fill"><value>#7c3aed</value></Data>\n  <Data name="fill-opacity"><value>0.2</value></Data>' +
        '\n  <Data name="n"><value>null</value></Data></ExtendedData>' +
        '\n  <Polygon>\n<outerBoundaryIs>\n  <LinearRing><coordinates>120,30\n120.1,30\n120.1,30.1\n120,30</coordinates></LinearRing></outerBoundaryIs>' +
        '\n<innerBoundaryIs>\n  <LinearRing><coordinates>120.02,30.02\n120.03,30.02\n120.03,30.03\n120.02,30.02</coordinates></LinearRing></innerBoundaryIs></Polygon></Placemark>' +
        '\n<Placemark id="a1">\n<name>集合点</name><Style><IconStyle><color>ff2626dc</color></IconStyle></Style><ExtendedData>' +
        '\n  <Data name="marker-color"><value>#dc2626</value></Data></ExtendedData>' +
        '\n  <Point><coordinates>120.3,30.5</coordinates></Point></Placemark></Document></kml>',
    );
    expect(formatExport({ type: 'FeatureCollection', features: [] }, 'kml', 't')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>',
    );
  });

  it('GPX: waypoints first, then tracks with elevations and fix times, an area as a track along its outer ring', () => {
    expect(formatExport(collection, 'gpx', '德清 <1>', Date.UTC(2026, 11, 5, 8))).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="JointMap 联勤图" xmlns="http://www.topografix.com/GPX/1/1">' +
        '<metadata><name>德清 &lt;1&gt;</name><time>2026-12-05T08:00:00.000Z</time></metadata>' +
        '<wpt lat="30.5" lon="120.3"><name>集合点</name></wpt>' +
        '<trk><name>巡线 &lt;A&amp;B&gt;</name><trkseg>' +
        '<trkpt lat="30.5" lon="120.3"><ele>12</ele><time>1970-01-01T00:00:00.000Z</time></trkpt>' +
        '<trkpt lat="30.51" lon="120.31"><ele>13.5</ele><time>1970-01-01T00:00:01.000Z</time></trkpt></trkseg></trk>' +
        '<trk><name>搜索区</name><desc>assigned · car-1</desc><trkseg>' +
        '<trkpt lat="30" lon="120"/><trkpt lat="30" lon="120.1"/><trkpt lat="30.1" lon="120.1"/><trkpt lat="30" lon="120"/>' +
        '</trkseg></trk></gpx>',
    );
  });
});
