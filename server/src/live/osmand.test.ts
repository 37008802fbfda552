import { describe, expect, it } from 'vitest';
import { ArrivalTimes } from './arrival-times.ts';
import { decodeOsmAnd, formParams, isHeartbeat, KNOTS_TO_MPS, parseTimestamp, type DecodeResult } from './osmand.ts';

const NOW = Date.parse('2026-03-01T08:00:00Z');
const limits = { maxFutureMs: 5 * 60_000, maxAgeMs: 7 * 86_400_000, maxFixes: 100 };
const query = (q: Record<string, string>) =>
  decodeOsmAnd({ query: q, body: undefined, contentType: undefined }, NOW, limits);
const post = (contentType: string, body: string) => decodeOsmAnd({ query: {}, body, contentType }, NOW, limits);
const fixes = (r: DecodeResult) => {
  if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
  return r.fixes;
};
const refused = (r: DecodeResult) => (r.ok ? 'accepted' : r.code);

describe('decodeOsmAnd', () => {
  it('reads the Traccar Client query: seconds, knots, degrees, percent', () => {
    const [f] = fixes(
      query({
        id: '48241179',
        timestamp: String(NOW / 1000),
        lat: '30.5222',
        lon: '120.2954',
        speed: '10',
        bearing: '90.5',
        altitude: '8',
        accuracy: '12',
        batt: '87.0',
      }),
    );
    expect(f).toEqual({
      deviceId: '48241179',
      time: NOW,
      lat: 30.5222,
      lng: 120.2954,
      speedMps: 10 * KNOTS_TO_MPS,
      bearing: 90.5,
      altitude: 8,
      accuracy: 12,
      battery: 87,
      alarm: null,
      valid: true,
    });
  });

  it('accepts deviceid, heading and location=lat,lon, and no timestamp (= now)', () => {
    const [f] = fixes(query({ deviceid: 'abc', location: '30.1,120.2', heading: '45' }));
    expect(f).toMatchObject({ deviceId: 'abc', lat: 30.1, lng: 120.2, bearing: 45, time: NOW });
  });

  it('reads form bodies and JSON bodies; the query wins when both are present', () => {
    expect(
      fixes(post('application/x-www-form-urlencoded', 'id=a&lat=30&lon=120&timestamp=' + NOW / 1000))[0],
    ).toMatchObject({ deviceId: 'a', lat: 30 });
    expect(
      fixes(
        decodeOsmAnd(
          {
            query: { id: 'q', lat: '1', lon: '2' },
            body: 'id=b&lat=3&lon=4',
            contentType: 'application/x-www-form-urlencoded',
          },
          NOW,
          limits,
        ),
      )[0],
    ).toMatchObject({ deviceId: 'q', lat: 1 });
  });

  it('an alarm keeps its text without control characters (a NUL made PostgreSQL refuse the whole write batch)', () => {
    const at = { id: 'x', timestamp: String(NOW / 1000), lat: '30.5', lon: '120.3' };
    expect(fixes(query({ ...at, alarm: 'sos\u0000' }))[0]!.alarm).toBe('sos');
    expect(fixes(query({ ...at, alarm: '\u0000\u0007' }))[0]!.alarm).toBeNull();
    const body = JSON.stringify({
      location: {
        timestamp: '2026-03-01T07:59:00Z',
        coords: { latitude: 30.5, longitude: 120.3 },
        extras: { alarm: 'low\u0000power' },
      },
      device_id: 'x',
    });
    expect(fixes(post('application/json', body))[0]!.alarm).toBe('lowpower');
  });

  it('reads the background-geolocation JSON (speed m/s, -1 unknown, battery 0–1), single and batched', () => {
    const location = (ts: string, speed: number) => ({
      timestamp: ts,
      coords: { latitude: 30.5, longitude: 120.3, accuracy: 3.8, speed, heading: -1, altitude: 35.7 },
      is_moving: true,
      odometer: 0,
      event: 'motionchange',
      battery: { level: 0.79, is_charging: false },
      activity: { type: 'still' },
      extras: { alarm: 'sos' },
    });
    const [one] = fixes(
      post(
        'application/json; charset=utf-8',
        JSON.stringify({ location: location('2026-03-01T07:59:00.500Z', 18.67), device_id: '8737767034' }),
      ),
    );
    expect(one).toEqual({
      deviceId: '8737767034',
      time: NOW - 59_500,
      lat: 30.5,
      lng: 120.3,
      speedMps: 18.67,
      bearing: null,
      altitude: 35.7,
      accuracy: 3.8,
      battery: 79,
      alarm: 'sos',
      valid: true,
    });
    // A level above 1 (a percentage) leaves the battery unknown and keeps the fix.
    const percent = { ...location('2026-03-01T07:59:00Z', 2), battery: { level: 79, is_charging: false } };
    const [kept] = fixes(post('application/json', JSON.stringify({ location: percent, device_id: 'x' })));
    expect([kept!.battery, kept!.dropped, kept!.lat]).toEqual([null, undefined, 30.5]);
    const batch = fixes(
      post(
        'application/json',
        JSON.stringify({
          location: [location('2026-03-01T07:58:00Z', -1), location('2026-03-01T07:59:00Z', 2)],
          device_id: 'x',
        }),
      ),
    );
    expect(batch.map((f) => f.speedMps)).toEqual([null, 2]);
  });

  it('reads the SDK JSON array of flat fixes (speed in knots)', () => {
    const body = JSON.stringify([
      { id: 'd1', lat: 30, lon: 120, timestamp: NOW / 1000 - 10, speed: 1.94, bearing: 10, batt: 50, charge: true },
      { id: 'd1', lat: 30.1, lon: 120, timestamp: NOW / 1000 },
    ]);
    const out = fixes(post('application/json', body));
    expect(out).toHaveLength(2);
    expect(out[0]!.speedMps).toBeCloseTo(1.94 * KNOTS_TO_MPS, 9);
  });

  it('speed is in knots unless speedUnit says m/s or km/h (OsmAnd sends m/s)', () => {
    const speed = (params: Record<string, string>) =>
      fixes(query({ id: 'a', lat: '1', lon: '2', ...params }))[0]!.speedMps;
    expect(speed({ speed: '10' })).toBeCloseTo(10 * (1852 / 3600), 9);
    expect(speed({ speed: '10', speedUnit: 'kn' })).toBeCloseTo(10 * (1852 / 3600), 9);
    expect(speed({ speed: '27.5', speedUnit: 'mps' })).toBe(27.5);
    expect(speed({ speed: '99', speedUnit: 'kmh' })).toBeCloseTo(27.5, 9);
    // Another unit: the speed is unknown, the fix kept (it was refused, and resent for ever).
    expect(speed({ speed: '1', speedUnit: 'constructor' })).toBeNull();
    expect(speed({ speed: '1', speedUnit: 'mph' })).toBeNull();
  });

  it('normalises unknowns: accuracy 0, negative bearing or battery → null; bearing 360 → 0', () => {
    const [f] = fixes(query({ id: 'a', lat: '1', lon: '2', accuracy: '0', bearing: '360', batt: '-1' }));
    expect(f).toMatchObject({ accuracy: null, bearing: 0, battery: null });
  });

  it('marks a fix with a value out of range or a time outside the window as dropped, with its reason', () => {
    const dropped = (params: Record<string, string>) =>
      fixes(query({ id: 'a', lat: '1', lon: '2', ...params }))[0]!.dropped?.reason;
    expect(dropped({ lat: '91' })).toBe('coordinates');
    expect(dropped({ lon: '-180.5' })).toBe('coordinates');
    expect(dropped({ speed: '5000' })).toBe('speed');
    expect(dropped({ timestamp: String(NOW / 1000 + 3600) })).toBe('future');
    expect(dropped({ timestamp: String(NOW / 1000 - 30 * 86_400) })).toBe('too_old');
    expect(dropped({ speed: '100', batt: '100', timestamp: String(NOW / 1000 - 60) })).toBeUndefined();
  });

  it('drops a fix at lat 0, lon 0 (a device without a location yet), not one on the equator or the meridian', () => {
    const dropped = (lat: string, lon: string) => fixes(query({ id: 'a', lat, lon }))[0]!.dropped?.reason;
    expect([dropped('0', '0'), dropped('0.0', '-0'), dropped('0', '120.1'), dropped('30.5', '0')]).toEqual([
      'coordinates',
      'coordinates',
      undefined,
      undefined,
    ]);
  });

  it('reads a fix dated ahead within the tolerance as dated on arrival, and keeps one from the past as sent', () => {
    const arrived = (r: DecodeResult) => {
      const out = fixes(r);
      new ArrivalTimes().assign('x', out, NOW);
      return out;
    };
    const time = (seconds: number) => arrived(query({ id: 'a', lat: '1', lon: '2', timestamp: String(seconds) }))[0]!;
    const ahead = time(NOW / 1000 + 120);
    expect([ahead.time, ahead.dropped]).toEqual([NOW, undefined]);
    expect(time(NOW / 1000 - 60).time).toBe(NOW - 60_000);
    // A batch ahead keeps its order and a time of its own for each fix.
    const at = (s: number) => ({
      timestamp: new Date(s * 1000).toISOString(),
      coords: { latitude: 30.5, longitude: 120.3 },
    });
    const batch = arrived(
      post(
        'application/json',
        JSON.stringify({ location: [at(NOW / 1000 - 5), at(NOW / 1000 + 30), at(NOW / 1000 + 60)], device_id: 'x' }),
      ),
    );
    expect(batch.map((f) => f.time)).toEqual([NOW - 5_000, NOW - 1, NOW]);
    // One of the batch dated a millisecond before arrival keeps its time; those ahead come after it.
    const close = arrived(
      post(
        'application/json',
        JSON.stringify({
          location: [at(NOW / 1000 - 0.001), at(NOW / 1000 + 30), at(NOW / 1000 + 60)],
          device_id: 'x',
        }),
      ),
    );
    expect(close.map((f) => f.time)).toEqual([NOW - 1, NOW, NOW + 1]);
  });

  it('refuses what is malformed', () => {
    expect(refused(query({ lat: '1', lon: '2' }))).toBe('INVALID_PAYLOAD');
    expect(refused(query({ id: 'a b', lat: '1', lon: '2' }))).toBe('INVALID_PAYLOAD');
    expect(refused(query({ id: 'a', lat: '1' }))).toBe('INVALID_PAYLOAD');
    // Numerals that overflow to Infinity are not numbers either (optional fields: unknown, see below).
    for (const key of ['lat', 'lon'])
      expect([key, refused(query({ id: 'a', lat: '1', lon: '2', [key]: '1e999' }))]).toEqual([key, 'INVALID_PAYLOAD']);
    expect(refused(query({ id: 'a', location: '1e999,2' }))).toBe('INVALID_PAYLOAD');
    expect(refused(query({ id: 'a', lat: 'thirty', lon: '2' }))).toBe('INVALID_PAYLOAD');
    // Beyond what a Date can hold: a coded refusal, not a RangeError while formatting the message.
    expect(refused(query({ id: 'a', lat: '1', lon: '2', timestamp: '4611686018427388000' }))).toBe('INVALID_PAYLOAD');
    expect(refused(post('application/json', '{"id":"a","lat":1,"lon":2,"timestamp":1e300}'))).toBe('INVALID_PAYLOAD');
    expect(refused(post('application/json', '{"location":'))).toBe('INVALID_PAYLOAD');
    expect(refused(post('application/json', '[]'))).toBe('INVALID_PAYLOAD');
    expect(
      refused(
        post('application/json', JSON.stringify(Array.from({ length: 101 }, () => ({ id: 'a', lat: 1, lon: 2 })))),
      ),
    ).toBe('INVALID_PAYLOAD');
    expect(refused(post('text/plain', ''))).toBe('INVALID_PAYLOAD');
    expect(
      refused(
        decodeOsmAnd(
          { query: { id: ['a', 'b'], lat: '1', lon: '2' }, body: undefined, contentType: undefined },
          NOW,
          limits,
        ),
      ),
    ).toBe('INVALID_PAYLOAD');
  });

  it('a fix within the allowed clock skew is accepted', () => {
    expect(refused(query({ id: 'a', lat: '1', lon: '2', timestamp: String(NOW / 1000 + 60) }))).toBe('accepted');
  });
});

describe('parseTimestamp', () => {
  it('follows Traccar: below 2^31-1 seconds, else milliseconds; ISO; "yyyy-MM-dd HH:mm:ss" as UTC', () => {
    expect(parseTimestamp('1377177267', 0)).toBe(1_377_177_267_000);
    expect(parseTimestamp('1442068686579', 0)).toBe(1_442_068_686_579);
    expect(parseTimestamp('2016-01-27T18:55:47Z', 0)).toBe(Date.parse('2016-01-27T18:55:47Z'));
    expect(parseTimestamp('2025-06-15T13:45:12.862Z', 0)).toBe(Date.parse('2025-06-15T13:45:12.862Z'));
    expect(parseTimestamp('2026-03-01T16:00:00+08:00', 0)).toBe(Date.parse('2026-03-01T08:00:00Z'));
    expect(parseTimestamp('2014-06-04 09:10:11', 0)).toBe(Date.parse('2014-06-04T09:10:11Z'));
    expect(parseTimestamp(undefined, 123)).toBe(123);
    expect(() => parseTimestamp('June 4', 0)).toThrow();
  });

  it('formParams keeps repeated keys as arrays', () => {
    expect(formParams('a=1&a=2&b=%E7%A6%B9')).toEqual({ a: ['1', '2'], b: '禹' });
  });
});

describe('decodeOsmAnd: only id, lat, lon and time refuse a request', () => {
  const at = { id: 'a', lat: '30.5', lon: '120.3', timestamp: String(NOW / 1000 - 60) };

  it("acknowledges Traccar Client's stationary heartbeat (id, time, battery, no location) with no fix", () => {
    const beat = query({ id: 'a', timestamp: String(NOW / 1000), batt: '87', charge: 'false' });
    // No fix; a heartbeat, which may end its device's SOS press (heard without a position).
    expect(beat).toMatchObject({ ok: true, deviceId: 'a', fixes: [] });
    const beats = (beat as Extract<DecodeResult, { ok: true }>).records.filter(isHeartbeat);
    expect(beats.map((h) => [h.time, h.alarm, h.valid, h.positionless])).toEqual([
      [NOW, null, false, { onArrival: false }],
    ]);
    // Dated outside the window: nothing to end (as a report without a position and without an alarm).
    const old = query({ id: 'a', timestamp: String(NOW / 1000 - 30 * 86_400) });
    expect((old as Extract<DecodeResult, { ok: true }>).records.filter(isHeartbeat).map((h) => h.positionless)).toEqual(
      [undefined],
    );
    expect(refused(post('application/x-www-form-urlencoded', 'id=a&timestamp=1772352000&batt=87&lat=&lon='))).toBe(
      'accepted',
    );
    // In a JSON batch, the heartbeat is skipped and the fixes around it are kept.
    const batch = fixes(
      post(
        'application/json',
        JSON.stringify([
          { id: 'a', batt: 50 },
          { id: 'a', lat: 30, lon: 120 },
        ]),
      ),
    );
    expect(batch.map((f) => f.lat)).toEqual([30]);
    // One of lat/lon, a bad one, no id or a bad time is still refused.
    expect(refused(query({ id: 'a', lat: '30.5' }))).toBe('INVALID_PAYLOAD');
    expect(refused(query({ id: 'a', lon: '120.3' }))).toBe('INVALID_PAYLOAD');
    expect(refused(query({ id: 'a', lat: 'x', lon: '' }))).toBe('INVALID_PAYLOAD');
    expect(refused(query({ batt: '87', timestamp: String(NOW / 1000) }))).toBe('INVALID_PAYLOAD');
    expect(refused(query({ id: 'a', timestamp: 'yesterday' }))).toBe('INVALID_PAYLOAD');
  });

  it('keeps an alarm of a fix dropped for its time or speed (stored on arrival), not one without a location', () => {
    const one = (params: Record<string, string>) => fixes(query({ ...at, alarm: 'sos', ...params }))[0]!;
    const future = one({ timestamp: String(NOW / 1000 + 8 * 3600) });
    expect([future.dropped?.reason, future.alarmKept, future.lat]).toEqual(['future', true, 30.5]);
    expect(one({ timestamp: String(NOW / 1000 - 30 * 86_400) }).alarmKept).toBe(true);
    const fast = one({ speed: '5000' });
    expect([fast.dropped?.reason, fast.alarmKept, fast.speedMps]).toEqual(['speed', true, null]);
    expect(one({ lat: '0', lon: '0' }).alarmKept).toBeUndefined();
    expect(one({ valid: 'false', timestamp: String(NOW / 1000 + 8 * 3600) }).alarmKept).toBeUndefined();
    // Without an alarm the fix is dropped as before.
    expect(fixes(query({ ...at, timestamp: String(NOW / 1000 + 8 * 3600) }))[0]!.alarmKept).toBeUndefined();
  });

  it('a battery out of range (above 100 %, millivolts) is unknown and the fix kept, in every format', () => {
    for (const batt of ['101', '4100']) {
      const [f] = fixes(query({ ...at, batt }));
      expect([f!.battery, f!.dropped]).toEqual([null, undefined]);
      const [g] = fixes(post('application/x-www-form-urlencoded', new URLSearchParams({ ...at, batt }).toString()));
      expect([g!.battery, g!.dropped]).toEqual([null, undefined]);
    }
    const [j] = fixes(post('application/json', JSON.stringify({ id: 'a', lat: 30, lon: 120, batt: 250 })));
    expect([j!.battery, j!.dropped]).toEqual([null, undefined]);
  });

  it('reads valid in any case: TRUE, Yes and 1 store the fix; FALSE, no and 0 do not', () => {
    const valid = (v: string) => fixes(query({ ...at, valid: v }))[0]!.valid;
    expect(['TRUE', 'True', 'yes', 'Yes', '1', 'true'].map(valid)).toEqual(Array(6).fill(true));
    expect(['FALSE', 'false', 'No', '0'].map(valid)).toEqual(Array(4).fill(false));
    expect(
      fixes(post('application/json', JSON.stringify({ id: 'a', lat: 30, lon: 120, valid: 'TRUE' })))[0]!.valid,
    ).toBe(true);
  });

  it('an empty, unreadable or repeated optional field is unknown and the fix kept', () => {
    const [f] = fixes(
      query({ ...at, altitude: '', speed: '12', speedUnit: 'mph', bearing: 'north', accuracy: '1e999', batt: 'full' }),
    );
    expect(f).toMatchObject({ altitude: null, speedMps: null, bearing: null, accuracy: null, battery: null });
    expect(f!.dropped).toBeUndefined();
    const form = 'id=a&lat=30.5&lon=120.3&altitude=&speed=fast&speed=slow&bearing=-1e999&alarm=' + 's'.repeat(60);
    const [g] = fixes(post('application/x-www-form-urlencoded', form));
    expect(g).toMatchObject({ altitude: null, speedMps: null, bearing: null, alarm: 's'.repeat(40) });
    const json = { id: 'a', lat: 30, lon: 120, altitude: '', speed: { knots: 3 }, accuracy: 'x', alarm: 7 };
    expect(fixes(post('application/json', JSON.stringify(json)))[0]).toMatchObject({
      altitude: null,
      speedMps: null,
      accuracy: null,
      alarm: null,
    });
    const location = {
      timestamp: '2026-03-01T07:59:00Z',
      coords: { latitude: 30.5, longitude: 120.3, speed: 'fast', altitude: null },
      battery: 'low',
    };
    expect(fixes(post('application/json', JSON.stringify({ location, device_id: 'a' })))[0]).toMatchObject({
      speedMps: null,
      battery: null,
    });
  });
});
