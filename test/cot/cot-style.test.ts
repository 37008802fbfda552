import { describe, expect, it } from 'vitest';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { connectClient } from '../helpers/sync-client.ts';
import { api, eventually, traccarQuery } from '../live/live-helpers.ts';
import { connectTak } from './tak-client.ts';

const TAK_UID = 'ANDROID-7c1d2e3f4a5b6c7d';
const YUNHE_CAR = 'jointmap.unit.linping-yunhe.yunhe-car-01';
const CIRCLE_UID = `jointmap.annotation.${DEMO_OP}.deqing-yuyue.c1`;

/** The `value` attribute of a detail element (`<strokeColor value="…"/>`) as a TAK client parses it. */
const detailValue = (detail: Record<string, unknown> | undefined, key: string) =>
  (detail?.[key] as { _attributes?: { value?: string } } | undefined)?._attributes?.value;

describe('what TAK clients see of our shapes and units', () => {
  it('a coloured circle arrives with its stroke and fill colours; a unit heading due north at a standstill with course and speed 0', async (t) => {
    const server = await startServer(t, { cotPort: 0 });
    const port = server.app.cotBridge!.address()!.port;
    const { token: commander } = await server.login('commander');
    const registered = await api(server, commander, 'POST', '/api/devices', {
      id: TAK_UID,
      stationId: 'deqing-yuyue',
      unitId: 'yuyue-car-01',
    });
    expect(registered.status).toBe(201);
    // Another station's unit, parked and facing north.
    const fix = await traccarQuery(server.url, {
      id: 'demo-yunhe-01',
      lat: 30.41,
      lon: 120.28,
      bearing: 0,
      speed: 0,
    });
    expect(fix.status).toBe(200);
    const { token: deqing } = await server.login('deqing');
    const editor = await connectClient(t, server.wsUrl, `${DEMO_OP}/deqing-yuyue`, deqing);
    editor.doc.getMap('annotations').set('c1', {
      id: 'c1',
      kind: 'circle',
      geometry: { type: 'Point', coordinates: [120.3, 30.52] },
      radiusM: 800,
      label: '警戒圈',
      color: '#dc2626',
      author: 'u-test',
      createdAt: 1_700_000_000_000,
      updatedAt: 1_700_000_000_000,
    });

    const tak = await connectTak(t, port);
    tak.sendPosition(TAK_UID, { lng: 120.301, lat: 30.521 });
    await eventually(() => Boolean(tak.latest(YUNHE_CAR) && tak.latest(CIRCLE_UID)), 5_000, 'picture');

    const circle = tak.latest(CIRCLE_UID)!.raw.event;
    expect(circle._attributes.type).toBe('u-d-c-c');
    // #dc2626 opaque for the outline, at a quarter opacity for the area: ARGB, signed 32-bit.
    expect(detailValue(circle.detail, 'strokeColor')).toBe('-2349530');
    expect(detailValue(circle.detail, 'fillColor')).toBe('1071392294');
    expect(detailValue(circle.detail, 'strokeWeight')).toBe('3');

    const track = (tak.latest(YUNHE_CAR)!.raw.event.detail?.track as { _attributes?: Record<string, string> })
      ?._attributes;
    expect(track).toEqual({ course: '0', speed: '0' });
  });
});
