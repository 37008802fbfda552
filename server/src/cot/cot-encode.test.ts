import { describe, expect, it } from 'vitest';
import type { Annotation, Unit, UnitPosition } from '@jointmap/shared';
import { DOMParser } from '@xmldom/xmldom';
import { annotationEvent, cotXml, inbound, unitEvent } from './cot-encode.ts';
import { loadNodeCot } from './node-cot.ts';

const lib = await loadNodeCot();

const position: UnitPosition = {
  unitId: 'yunhe-car-01',
  stationId: 'linping-yunhe',
  deviceId: 'demo-yunhe-01',
  lngLat: [120.28, 30.41],
  time: Date.UTC(2026, 10, 30, 8, 0, 0),
  receivedAt: Date.UTC(2026, 10, 30, 8, 0, 1),
  speedMps: 10,
  bearing: 45,
  altitude: 8,
  accuracy: 6,
  battery: 77,
  alarm: null,
};

const unit: Unit = {
  id: 'yunhe-car-01',
  callsign: '运河巡01',
  kind: 'boat',
  stationId: 'linping-yunhe',
  members: ['民警', '船员'],
  status: 'en_route',
  assignedTaskId: null,
  deviceIds: ['demo-yunhe-01'],
  updatedAt: 1,
};

const annotation = (a: Partial<Annotation>): Annotation =>
  ({
    id: 'c1',
    kind: 'circle',
    geometry: { type: 'Point', coordinates: [120.3, 30.5] },
    radiusM: 500,
    label: '警戒圈',
    color: '#dc2626',
    author: 'u-test',
    createdAt: 1,
    updatedAt: 1,
    ...a,
  }) as Annotation;

describe('CoT encoding', () => {
  it('a unit position is a friendly event of its kind, stale when the unit counts as lost', () => {
    const raw = unitEvent(lib, position, unit, '临平运河派出所', 300_000, position.time).raw.event;
    expect(raw._attributes).toMatchObject({
      uid: 'jointmap.unit.linping-yunhe.yunhe-car-01',
      type: 'a-f-S-X',
      time: '2026-11-30T08:00:00.000Z',
      stale: '2026-11-30T08:05:00.000Z',
    });
    expect(raw.point?._attributes).toMatchObject({ lat: '30.41', lon: '120.28', hae: '8', ce: '6' });
    expect(raw.detail).toMatchObject({
      contact: { _attributes: { callsign: '运河巡01' } },
      track: { _attributes: { course: '45', speed: '10' } },
      remarks: { _text: 'status: en_route; station: 临平运河派出所; members: 民警, 船员' },
    });
  });

  it('a unit already lost when sent goes stale a minute after sending, its remarks saying since when (China time)', () => {
    const hourLater = position.time + 3600_000;
    const raw = unitEvent(lib, position, unit, '临平运河派出所', 300_000, hourLater).raw.event;
    expect(raw._attributes).toMatchObject({ time: '2026-11-30T08:00:00.000Z', stale: '2026-11-30T09:01:00.000Z' });
    expect(raw.detail).toMatchObject({
      remarks: {
        _text: 'status: en_route; station: 临平运河派出所; members: 民警, 船员; lost since 2026-11-30 16:05 UTC+8',
      },
    });
    // Sent just before it counts as lost: stale when it does, no word of it.
    const fresh = unitEvent(lib, position, unit, 'x', 300_000, position.time + 299_999).raw.event;
    expect(fresh._attributes.stale).toBe('2026-11-30T08:05:00.000Z');
    expect(JSON.stringify(fresh.detail)).not.toContain('lost since');
  });

  it("a fix without an altitude is sent at CoT's unknown height (not sea level), and read back as none", () => {
    const event = unitEvent(lib, { ...position, altitude: null }, unit, 'x', 300_000, position.time);
    expect(Number(event.raw.event.point?._attributes?.hae)).toBe(9_999_999);
    const got = inbound(new lib.CoT(cotXml(event)));
    expect(got.kind === 'position' && got.query).not.toHaveProperty('altitude');
  });

  it('an ATAK emergency (911, Ring The Bell …) and its cancel are told apart, with the device they are about and where', () => {
    const event = (type: string, detail: string) =>
      new lib.CoT(
        `<event version="2.0" uid="ANDROID-1-9-1-1" type="${type}" time="2026-11-30T08:00:00.000Z" start="2026-11-30T08:00:00.000Z" stale="2026-11-30T08:00:10.000Z" how="h-e">` +
          `<point lat="30.5" lon="120.3" hae="9999999.0" ce="6.0" le="9999999.0"/><detail>${detail}</detail></event>`,
      );
    const where = { lat: '30.5', lon: '120.3', timestamp: '2026-11-30T08:00:00.000Z', accuracy: '6.0' };
    const link = '<link uid="ANDROID-1" type="a-f-G-U-C" relation="p-p"/><contact callsign="禹越巡01-Alert"/>';
    expect(inbound(event('b-a-o-tbl', `${link}<emergency type="911 Alert">禹越巡01</emergency>`))).toEqual({
      kind: 'emergency',
      subject: 'ANDROID-1',
      cancel: false,
      alarm: '911 Alert',
      query: where,
    });
    expect(inbound(event('b-a-o-pan', link))).toMatchObject({
      kind: 'emergency',
      cancel: false,
      alarm: 'Ring The Bell',
    });
    expect(inbound(event('b-a-o-can', '<emergency cancel="true">禹越巡01</emergency>'))).toMatchObject({
      kind: 'emergency',
      subject: null,
      cancel: true,
    });
    // A geo-fence breach is not the unit's own emergency.
    expect(inbound(event('b-a-g', link))).toEqual({ kind: 'other', type: 'b-a-g' });
  });

  it('a circle is an ellipse around its centre; a polygon keeps only its outer ring', () => {
    const circle = annotationEvent(lib, 'op-1', 'deqing-yuyue', annotation({}), 0).raw.event;
    expect(circle._attributes).toMatchObject({ uid: 'jointmap.annotation.op-1.deqing-yuyue.c1', type: 'u-d-c-c' });
    expect(circle.point?._attributes).toMatchObject({ lat: '30.5', lon: '120.3' });
    expect(circle.detail).toMatchObject({ shape: { ellipse: { _attributes: { major: 500, minor: 500 } } } });
    const outer: [number, number][] = [
      [120, 30],
      [120.1, 30],
      [120.1, 30.1],
      [120, 30],
    ];
    const hole: [number, number][] = [
      [120.02, 30.02],
      [120.03, 30.02],
      [120.03, 30.03],
      [120.02, 30.02],
    ];
    const polygon = annotationEvent(
      lib,
      'op-1',
      'command',
      annotation({
        id: 'p1',
        kind: 'polygon',
        radiusM: undefined,
        geometry: { type: 'Polygon', coordinates: [outer, hole] },
      }),
      0,
    );
    expect(polygon.raw.event._attributes.type).toBe('u-d-f');
    expect((polygon.to_geojson() as { geometry: unknown }).geometry).toEqual({ type: 'Polygon', coordinates: [outer] });
  });

  it('a unit heading due north at a standstill is sent with <track course="0" speed="0">, and read back so', () => {
    const xml = cotXml(unitEvent(lib, { ...position, bearing: 0, speedMps: 0 }, unit, 'x', 1, position.time));
    const track = new DOMParser().parseFromString(xml, 'text/xml').getElementsByTagName('track');
    expect(track.length).toBe(1);
    expect([track[0]!.getAttribute('course'), track[0]!.getAttribute('speed')]).toEqual(['0', '0']);
    const got = inbound(new lib.CoT(xml));
    expect(got.kind === 'position' && [got.query.bearing, got.query.speed]).toEqual(['0', '0']);
    // Neither known: no track at all.
    const unknown = unitEvent(lib, { ...position, bearing: null, speedMps: null }, unit, 'x', 1, position.time);
    expect(unknown.raw.event.detail).not.toHaveProperty('track');
  });

  it('a circle carries its stroke and fill colours (and stroke weight) as a polygon of the same colour does', () => {
    const xml = cotXml(annotationEvent(lib, 'op-1', 'deqing-yuyue', annotation({ color: '#dc2626' }), 0));
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const value = (tag: string) => doc.getElementsByTagName(tag)[0]?.getAttribute('value');
    expect(doc.documentElement!.getAttribute('type')).toBe('u-d-c-c');
    // #dc2626 opaque, and at the quarter opacity of polygon fills: ARGB as a signed 32-bit integer.
    expect([value('strokeColor'), value('fillColor'), value('strokeWeight')]).toEqual(['-2349530', '1071392294', '3']);
    const polygon = annotationEvent(
      lib,
      'op-1',
      'deqing-yuyue',
      annotation({
        id: 'p1',
        kind: 'polygon',
        radiusM: undefined,
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [120, 30],
              [120.1, 30],
              [120.1, 30.1],
              [120, 30],
            ],
          ],
        },
      }),
      0,
    ).raw.event.detail;
    const circle = new lib.CoT(xml).raw.event.detail;
    for (const key of ['strokeColor', 'fillColor', 'strokeWeight', 'strokeStyle'])
      expect(circle?.[key], key).toEqual(polygon?.[key]);
    expect(circle).toMatchObject({ shape: { ellipse: { _attributes: { major: 500, minor: 500 } } } });
  });

  it('labels and callsigns with XML specials or control characters still make well-formed XML', () => {
    const label = '集合点 <A&B> "东门"\u0007\u0000';
    const errors: string[] = [];
    const parse = (xml: string) =>
      new DOMParser({
        onError: (level, message) => void (level !== 'warning' && errors.push(message)),
      }).parseFromString(xml, 'text/xml');
    const shape = parse(cotXml(annotationEvent(lib, 'op-1', 'deqing-yuyue', annotation({ label }), 0)));
    const member = parse(
      cotXml(
        unitEvent(lib, position, { ...unit, callsign: 'A&B<1>', members: ['张三&李四\u0001'] }, 'x', 1, position.time),
      ),
    );
    expect(errors).toEqual([]);
    expect(shape.getElementsByTagName('contact')[0]?.getAttribute('callsign')).toBe('集合点 <A&B> "东门"');
    expect(shape.getElementsByTagName('remarks')[0]?.textContent).toBe('集合点 <A&B> "东门"');
    expect(member.getElementsByTagName('contact')[0]?.getAttribute('callsign')).toBe('A&B<1>');
    expect(member.getElementsByTagName('remarks')[0]?.textContent).toBe(
      'status: en_route; station: x; members: 张三&李四',
    );
    // And the library reads it back.
    expect(
      new lib.CoT(cotXml(annotationEvent(lib, 'op-1', 'c', annotation({ label }), 0))).raw.event.detail,
    ).toMatchObject({
      contact: { _attributes: { callsign: '集合点 <A&B> "东门"' } },
    });
  });

  it("a TAK client's position becomes OsmAnd parameters; CoT's unknown values are left out", () => {
    const sent = lib.CoT.from_geojson({
      id: 'ANDROID-1',
      type: 'Feature',
      properties: { type: 'a-f-G-U-C', how: 'm-g', time: '2026-11-30T08:00:00.000Z', course: 90, speed: 1852 / 3600 },
      geometry: { type: 'Point', coordinates: [120.3, 30.5] },
    });
    const got = inbound(new lib.CoT(sent.to_xml()));
    expect(got).toEqual({
      kind: 'position',
      uid: 'ANDROID-1',
      query: {
        id: 'ANDROID-1',
        lat: '30.5',
        lon: '120.3',
        timestamp: '2026-11-30T08:00:00.000Z',
        altitude: '0.0',
        bearing: '90',
        speed: '1',
      },
    });
    expect(inbound(lib.CoT.ping())).toEqual({ kind: 'ping' });
    const marker = lib.CoT.from_geojson({
      id: 'm1',
      type: 'Feature',
      properties: { type: 'b-m-p-s-m' },
      geometry: { type: 'Point', coordinates: [120.3, 30.5] },
    });
    expect(inbound(marker)).toEqual({ kind: 'other', type: 'b-m-p-s-m' });
  });
});
