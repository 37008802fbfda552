import { describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.ts';
import { api, epochSeconds, rawPost, stored, traccarForm, traccarQuery } from './live-helpers.ts';

const STATION = 'deqing-yuyue';
const UNIT = 'yuyue-car-01';
const DEVICE = 'demo-yuyue-01';

async function expectRefused(server: TestServer, res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(await stored(server, STATION, UNIT)).toEqual({ track: [], latest: null });
}

describe('bad fixes are refused with a coded 4xx and never stored', () => {
  const now = () => epochSeconds();

  it('unregistered device', async (t) => {
    const server = await startServer(t);
    const res = await traccarQuery(server.url, { id: 'not-registered-42', lat: 30.5, lon: 120.3, timestamp: now() });
    await expectRefused(server, res, 404, 'NOT_FOUND');
    expect(await server.ctx.storage.latestPositions()).toEqual([]);
  });

  it('device registered but not assigned to a unit', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('commander');
    expect(
      (await api(server, token, 'POST', '/api/devices', { id: 'spare-1', stationId: 'deqing-yuyue', unitId: null }))
        .status,
    ).toBe(201);
    const res = await traccarQuery(server.url, { id: 'spare-1', lat: 30.5, lon: 120.3, timestamp: now() });
    await expectRefused(server, res, 403, 'FORBIDDEN');
  });

  it('timestamp that is not a time', async (t) => {
    const server = await startServer(t);
    await expectRefused(
      server,
      await traccarQuery(server.url, { id: DEVICE, lat: 30.5, lon: 120.3, timestamp: 'yesterday' }),
      400,
      'INVALID_PAYLOAD',
    );
  });

  it('malformed and incomplete bodies', async (t) => {
    const server = await startServer(t);
    const bad: Array<[string, string]> = [
      ['application/json', '{"location": {"timestamp": "2026-01-01T00:00:00Z", "coords": '],
      ['application/json', ''],
      ['application/json', '"just a string"'],
      ['application/json', JSON.stringify({ device_id: DEVICE, location: { timestamp: new Date().toISOString() } })],
      [
        'application/json',
        JSON.stringify({
          device_id: DEVICE,
          location: { timestamp: new Date().toISOString(), coords: { latitude: '30.5', longitude: 120.3 } },
        }),
      ],
      [
        'application/json',
        JSON.stringify({
          device_id: DEVICE,
          location: { timestamp: 12, coords: { latitude: 30.5, longitude: 120.3 } },
        }),
      ],
      [
        'application/json',
        JSON.stringify({
          device_id: { nested: true },
          location: { timestamp: new Date().toISOString(), coords: { latitude: 30.5, longitude: 120.3 } },
        }),
      ],
      [
        'application/json',
        JSON.stringify([
          { id: DEVICE, lat: 30.5, lon: 120.3 },
          { id: 'other-device', lat: 30.5, lon: 120.3 },
        ]),
      ],
      ['application/x-www-form-urlencoded', `id=${DEVICE}&lat=thirty&lon=120.3`],
      ['application/x-www-form-urlencoded', `id=${DEVICE}&lat=30.5`],
      ['application/x-www-form-urlencoded', `lat=30.5&lon=120.3`],
      ['application/x-www-form-urlencoded', `id=${DEVICE}&lat=30.5&lat=31.5&lon=120.3`],
      // Numerals that overflow to ±Infinity. (In an optional field they are unknown: see osmand.test.ts.)
      ['application/x-www-form-urlencoded', `id=${DEVICE}&lat=1e999&lon=120.3`],
      ['application/x-www-form-urlencoded', ''],
      ['text/plain', 'hello'],
    ];
    for (const [type, body] of bad) {
      const res = await rawPost(server.url, type, body);
      expect({ type, body, status: res.status }).toMatchObject({ status: 400 });
      await expectRefused(server, res, 400, 'INVALID_PAYLOAD');
    }
  });

  it('a body over the size limit', async (t) => {
    const server = await startServer(t);
    const res = await rawPost(
      server.url,
      'application/x-www-form-urlencoded',
      `id=${DEVICE}&lat=30.5&lon=120.3&pad=${'x'.repeat(300_000)}`,
    );
    await expectRefused(server, res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('a fix the device marks invalid (valid=false) is accepted but not stored', async (t) => {
    const server = await startServer(t);
    const res = await traccarForm(server.url, { id: DEVICE, lat: 30.5, lon: 120.3, timestamp: now(), valid: 'false' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: 1, stored: 0 });
    expect(await stored(server, STATION, UNIT)).toEqual({ track: [], latest: null });
  });
});

describe('a fix with a value out of range is acknowledged and dropped, so a buffering app moves past it', () => {
  const now = () => epochSeconds();

  it.for([
    ['latitude above 90', { lat: 90.5, lon: 120.3 }],
    ['latitude below -90', { lat: -91, lon: 120.3 }],
    ['longitude above 180', { lat: 30.5, lon: 180.01 }],
    ['longitude below -180', { lat: 30.5, lon: -200 }],
  ] as const)('coordinates out of range: %s', async ([, coords], t) => {
    const server = await startServer(t);
    const res = await traccarQuery(server.url, { id: DEVICE, ...coords, timestamp: now() });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: 1, stored: 0, dropped: [{ index: 0 }] });
    expect(await stored(server, STATION, UNIT)).toEqual({ track: [], latest: null });
  });

  it('timestamp far in the future (an hour ahead), in seconds, ms and ISO', async (t) => {
    const server = await startServer(t);
    const ahead = Date.now() + 3600_000;
    for (const timestamp of [epochSeconds(ahead), String(ahead), new Date(ahead).toISOString()]) {
      const res = await traccarQuery(server.url, { id: DEVICE, lat: 30.5, lon: 120.3, timestamp });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { stored: number; dropped: { message: string }[] };
      expect(body.stored).toBe(0);
      expect(body.dropped[0]!.message).toContain('in the future');
    }
    expect(await stored(server, STATION, UNIT)).toEqual({ track: [], latest: null });
  });

  it('a phone flushing a week-old buffer with a GPS spike in it: the bad fixes are dropped, the rest stored (a bad battery unknown), and it is counted', async (t) => {
    const server = await startServer(t);
    const base = Date.now() - 60_000;
    const batch = [
      { id: DEVICE, lat: 30.5, lon: 120.3, timestamp: new Date(Date.now() - 8 * 86_400_000).toISOString() },
      { id: DEVICE, lat: 30.5, lon: 120.3, timestamp: new Date(base).toISOString(), speed: 1000 },
      { id: DEVICE, lat: 30.501, lon: 120.3, timestamp: new Date(base + 10_000).toISOString(), speed: 10 },
      { id: DEVICE, lat: 30.502, lon: 120.3, timestamp: new Date(base + 20_000).toISOString(), batt: 250 },
    ];
    const res = await rawPost(server.url, 'application/json', JSON.stringify(batch));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { received: number; stored: number; dropped: { index: number }[] };
    expect(body).toMatchObject({ received: 4, stored: 2 });
    expect(body.dropped.map((d) => d.index)).toEqual([0, 1]);
    const { track } = await stored(server, STATION, UNIT);
    expect(track.map((f) => [f.time, f.battery])).toEqual([
      [base + 10_000, null],
      [base + 20_000, null],
    ]);
    const metrics = await server.ctx.metrics.registry.metrics();
    for (const reason of ['too_old', 'speed'])
      expect(metrics).toContain(`jointmap_positions_dropped_total{reason="${reason}"} 1`);
  });
});
