import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Annotation } from '@jointmap/shared';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';
import { DEQING, LINPING } from '../helpers/tasks.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

interface ImportBody {
  format: string;
  applied: boolean;
  annotations: Annotation[];
  skipped: Record<string, number>;
  bbox: number[] | null;
  error?: { code: string; message: string };
}

async function upload(server: TestServer, token: string, file: Uint8Array, query: Record<string, string>) {
  const res = await fetch(`${server.url}/api/operations/${DEMO_OP}/import?${new URLSearchParams(query)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: Buffer.from(file),
  });
  return { status: res.status, body: (await res.json()) as ImportBody };
}

/** What the annotations say, in a comparable form: kind, label, colour, rounded coordinates. */
const summary = (list: readonly Annotation[]) =>
  list.map((a) => [
    a.kind,
    a.label,
    a.color,
    JSON.stringify(a.geometry.coordinates, (_k, v) => (typeof v === 'number' ? Math.round(v * 1e5) / 1e5 : v)),
  ]);

/** A KMZ as Google Earth saves one: `doc.kml` zipped (Python's zipfile, deflated). */
function kmz(kml: Buffer): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'kmz-'));
  try {
    writeFileSync(join(dir, 'doc.kml'), kml);
    execFileSync('python3', [
      '-c',
      "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED); z.write(sys.argv[2],'doc.kml'); z.close()",
      join(dir, 'a.kmz'),
      join(dir, 'doc.kml'),
    ]);
    return readFileSync(join(dir, 'a.kmz'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('importing files of other tools as annotations', () => {
  it('Google Earth KML (styles, nested folders, heights), a phone GPX and a CalTopo GeoJSON preview as our annotations and write nothing', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const logged = async () => (await server.ctx.storage.readUpdateLog(`${DEMO_OP}/${DEQING}`)).length;
    const before = await logged();

    const earth = await upload(server, token, fixture('google-earth.kml'), { scope: DEQING });
    expect(earth.status).toBe(200);
    expect([earth.body.format, earth.body.applied]).toEqual(['kml', false]);
    expect(summary(earth.body.annotations)).toEqual([
      ['point', '目击点：蓝色三轮车', '#2563eb', '[120.2954,30.5222]'],
      ['line', '可能路线', '#ff0000', '[[120.2954,30.5222],[120.3011,30.5265],[120.3089,30.5301],[120.3152,30.5347]]'],
      [
        'polygon',
        '重点搜寻区',
        '#00aa00',
        '[[[120.3,30.52],[120.31,30.52],[120.31,30.53],[120.3,30.53],[120.3,30.52]]]',
      ],
    ]);
    // Same file zipped as a KMZ: the same annotations.
    const zipped = await upload(server, token, kmz(fixture('google-earth.kml')), { scope: DEQING });
    expect([zipped.status, zipped.body.format]).toEqual([200, 'kmz']);
    expect(summary(zipped.body.annotations)).toEqual(summary(earth.body.annotations));

    const phone = await upload(server, token, fixture('phone-track.gpx'), { scope: DEQING });
    expect([phone.status, phone.body.format]).toEqual([200, 'gpx']);
    // The track's two segments become two lines (heights and times dropped); the waypoint a point.
    expect(summary(phone.body.annotations).map((s) => s.slice(0, 2))).toEqual([
      ['line', '无人机01 搜寻航迹'],
      ['line', '无人机01 搜寻航迹'],
      ['point', '发现三轮车'],
    ]);
    expect(phone.body.annotations.map((a) => (a.geometry.coordinates as unknown[]).length)).toEqual([5, 2, 2]);
    expect(phone.body.bbox).toEqual([120.298, 30.521, 120.3044, 30.5281]);

    const caltopo = await upload(server, token, fixture('caltopo.json'), { scope: DEQING });
    expect([caltopo.status, caltopo.body.format]).toEqual([200, 'geojson']);
    expect(summary(caltopo.body.annotations)).toEqual([
      ['point', 'IC 指挥所', '#ff0000', '[120.2981,30.5244]'],
      ['polygon', 'A1', '#0000ff', '[[[120.29,30.515],[120.3,30.515],[120.3,30.525],[120.29,30.525],[120.29,30.515]]]'],
      ['line', '巡逻路线 L1', '#ff0000', '[[120.29,30.515],[120.295,30.52],[120.3,30.525]]'],
    ]);
    expect(caltopo.body.annotations.every((a) => a.author === 'u-deqing')).toBe(true);

    // Previews wrote nothing: the document's update log did not grow.
    expect(await logged()).toBe(before);
  });

  it('applied, every annotation lands in the document at once for everyone; GCJ-02 sources are moved to WGS-84', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const other = await connectClient(t, server.wsUrl, `${DEMO_OP}/${DEQING}`, (await server.login('linping')).token);
    const before = other.doc.getMap('annotations').size;
    const wgs = await upload(server, token, fixture('caltopo.json'), { scope: DEQING, crs: 'wgs84' });
    const gcj = await upload(server, token, fixture('caltopo.json'), { scope: DEQING, crs: 'gcj02', apply: '1' });
    expect([gcj.status, gcj.body.applied]).toEqual([200, true]);
    // GCJ-02 is offset by a few hundred metres here: the imported point moves back by that much.
    const [a, b] = [
      wgs.body.annotations[0]!.geometry.coordinates,
      gcj.body.annotations[0]!.geometry.coordinates,
    ] as number[][];
    const metres = Math.hypot((a![0]! - b![0]!) * 96_000, (a![1]! - b![1]!) * 111_000);
    expect(metres).toBeGreaterThan(300);
    expect(metres).toBeLessThan(800);

    await eventually(
      () => other.doc.getMap('annotations').size === before + 3,
      10_000,
      'the import at another station',
    );
    for (const x of gcj.body.annotations) expect(other.doc.getMap<Annotation>('annotations').get(x.id)).toEqual(x);
  });

  it('a feature whose geometry is malformed is skipped and the rest of the file imports; a file with nothing usable is refused', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const malformed: unknown[] = [
      { type: 'Point', coordinates: null },
      { type: 'LineString', coordinates: 5 },
      { type: 'LineString', coordinates: [[120, 30], null] },
      { type: 'Polygon', coordinates: 'abc' },
      { type: 'Polygon', coordinates: [null] },
      { type: 'MultiPoint', coordinates: null },
      { type: 'GeometryCollection' },
    ];
    const collection = (geometries: unknown[]) =>
      Buffer.from(
        JSON.stringify({
          type: 'FeatureCollection',
          features: geometries.map((geometry, i) => ({ type: 'Feature', properties: { name: `f${i}` }, geometry })),
        }),
      );
    const good = { type: 'Point', coordinates: [120.3, 30.52] };
    const mixed = await upload(server, token, collection([...malformed, good]), { scope: DEQING });
    expect(mixed.status).toBe(200);
    expect(mixed.body.annotations.map((a) => [a.label, a.geometry])).toEqual([['f7', good]]);
    expect(mixed.body.skipped).toEqual({ 'malformed geometry': malformed.length });
    for (const geometry of malformed) {
      const alone = await upload(server, token, collection([geometry]), { scope: DEQING });
      expect({ geometry, status: alone.status, code: alone.body.error?.code }).toEqual({
        geometry,
        status: 400,
        code: 'INVALID_PAYLOAD',
      });
      expect(alone.body.error!.message).toMatch(
        /nothing in the file can be imported \(skipped: 1 malformed geometry\)/,
      );
    }
  });

  it('a KML declaring another encoding (GBK) imports with its Chinese label; an unknown encoding or bytes invalid in it are refused', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const kml = (encoding: string, name: Buffer) =>
      Buffer.concat([
        Buffer.from(
          `<?xml version="1.0" encoding="${encoding}"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>`,
        ),
        name,
        Buffer.from('</name><Point><coordinates>120.3,30.52</coordinates></Point></Placemark></Document></kml>'),
      ]);
    const gbk = Buffer.from('BCAFBACFB5E3', 'hex'); // 集合点 in GBK
    const read = await upload(server, token, kml('GBK', gbk), { scope: DEQING });
    expect([read.status, read.body.format]).toEqual([200, 'kml']);
    expect(read.body.annotations.map((a) => a.label)).toEqual(['集合点']);

    // A GPX saved as UTF-16 with a byte order mark (Windows tools), its declaration notwithstanding.
    const gpx =
      '<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><wpt lat="30.52" lon="120.3"><name>集合点</name></wpt></gpx>';
    const utf16 = await upload(server, token, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(gpx, 'utf16le')]), {
      scope: DEQING,
    });
    expect([utf16.status, utf16.body.format, utf16.body.annotations.map((a) => a.label)]).toEqual([
      200,
      'gpx',
      ['集合点'],
    ]);

    const unknown = await upload(server, token, kml('x-klingon', gbk), { scope: DEQING });
    expect([unknown.status, unknown.body.error?.code]).toEqual([400, 'INVALID_PAYLOAD']);
    expect(unknown.body.error!.message).toMatch(/encoding "x-klingon", which is unknown/);
    // GBK bytes in a file that says it is UTF-8: refused, not imported as garbled text.
    const invalid = await upload(server, token, kml('UTF-8', gbk), { scope: DEQING });
    expect([invalid.status, invalid.body.error?.code]).toEqual([400, 'INVALID_PAYLOAD']);
    expect(invalid.body.error!.message).toMatch(/not valid UTF-8/);
  });

  it('a bad, huge or foreign file, a document the operation lacks or one the user may not write is refused with a coded error and imports nothing', async (t) => {
    const server = await startServer(t, { importMaxMib: 1, importMaxFeatures: 2 });
    const { token } = await server.login('deqing');
    const logged = async () =>
      (await Promise.all([DEQING, LINPING].map((s) => server.ctx.storage.readUpdateLog(`${DEMO_OP}/${s}`)))).flat()
        .length;
    const before = await logged();
    const refusals: Array<[string, Uint8Array, Record<string, string>, number, string, RegExp]> = [
      ['truncated KML', fixture('google-earth.kml').subarray(0, 900), { scope: DEQING }, 400, 'INVALID_PAYLOAD', /XML/],
      [
        'not JSON',
        Buffer.from('{"type": "FeatureCollection", '),
        { scope: DEQING },
        400,
        'INVALID_PAYLOAD',
        /not JSON/,
      ],
      [
        'a picture',
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]),
        { scope: DEQING },
        400,
        'INVALID_PAYLOAD',
        /not a GeoJSON/,
      ],
      [
        'other XML',
        Buffer.from('<?xml version="1.0"?><svg></svg>'),
        { scope: DEQING },
        400,
        'INVALID_PAYLOAD',
        /neither KML nor GPX/,
      ],
      ['over the size limit', Buffer.alloc(1.2 * 2 ** 20, 32), { scope: DEQING }, 413, 'PAYLOAD_TOO_LARGE', /./],
      [
        'more features than allowed',
        fixture('caltopo.json'),
        { scope: DEQING, apply: '1' },
        413,
        'PAYLOAD_TOO_LARGE',
        /at most 2/,
      ],
      [
        'another station’s document',
        fixture('phone-track.gpx'),
        { scope: LINPING, apply: '1' },
        403,
        'FORBIDDEN',
        /write access/,
      ],
      [
        'a document the operation does not have',
        fixture('phone-track.gpx'),
        { scope: 'nosuch' },
        404,
        'NOT_FOUND',
        /no document nosuch/,
      ],
    ];
    for (const [what, file, query, status, code, message] of refusals) {
      const res = await upload(server, token, file, query);
      expect({ what, status: res.status, code: res.body.error?.code }).toEqual({ what, status, code });
      expect(res.body.error!.message).toMatch(message);
    }
    expect(await logged()).toBe(before);
  });
});
