import { describe, expect, it } from 'vitest';
import { isStored } from './fix-checks.ts';
import { decodeOsmAnd, isHeartbeat, type DecodeResult } from './osmand.ts';

const NOW = Date.parse('2026-03-01T08:00:00Z');
const limits = { maxFutureMs: 5 * 60_000, maxAgeMs: 7 * 86_400_000, maxFixes: 100 };
const fixes = (r: DecodeResult) => {
  if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
  return r.fixes;
};
const query = (q: Record<string, string>) =>
  fixes(decodeOsmAnd({ query: q, body: undefined, contentType: undefined }, NOW, limits));
const json = (body: unknown) =>
  fixes(decodeOsmAnd({ query: {}, body: JSON.stringify(body), contentType: 'application/json' }, NOW, limits));

describe('a fix without a usable position', () => {
  const at = { id: 'a', lat: '30.5', lon: '120.3', timestamp: String(NOW / 1000 - 60) };
  /** What becomes of the fix: stored, dropped's reason, positionless (dated on arrival?), alarm. */
  const fate = (params: Record<string, string>) => {
    const f = query({ ...at, ...params })[0]!;
    return [isStored(f), f.dropped?.reason ?? null, f.positionless?.onArrival ?? null, f.alarm];
  };

  it('is not stored but reported, with or without an alarm: lat 0, lon 0, out of range, valid=false', () => {
    expect(fate({ lat: '0', lon: '0', alarm: 'sos' })).toEqual([false, 'coordinates', false, 'sos']);
    expect(fate({ lat: '91', alarm: 'sos' })).toEqual([false, 'coordinates', false, 'sos']);
    expect(fate({ valid: 'false', alarm: 'sos' })).toEqual([false, null, false, 'sos']);
    expect(fate({ lat: '0', lon: '0' })).toEqual([false, 'coordinates', false, null]);
    expect(fate({ valid: 'false' })).toEqual([false, null, false, null]);
    // A good fix is stored, not reported as one without a position.
    expect(fate({ alarm: 'sos' })).toEqual([true, null, null, 'sos']);
  });

  it('an alarm dated outside the window is dated on arrival; a report without one only when dated ahead (it ends a press)', () => {
    const ahead = String(NOW / 1000 + 8 * 3600);
    const old = String(NOW / 1000 - 30 * 86_400);
    expect(fate({ lat: '0', lon: '0', timestamp: ahead, alarm: 'sos' })).toEqual([false, 'coordinates', true, 'sos']);
    expect(fate({ valid: 'false', timestamp: old, alarm: 'sos' })).toEqual([false, 'too_old', true, 'sos']);
    expect(fate({ valid: 'false', speed: '5000', alarm: 'sos' })).toEqual([false, 'speed', false, 'sos']);
    expect(fate({ lat: '0', lon: '0', timestamp: ahead })).toEqual([false, 'coordinates', true, null]);
    expect(fate({ valid: 'false', timestamp: ahead })).toEqual([false, 'future', true, null]);
    // A clock hours fast: not stored, not a fix, but heard (dated on arrival) as the end of a press.
    expect(fate({ timestamp: ahead })).toEqual([false, 'future', true, null]);
    expect(fate({ valid: 'false', timestamp: old })).toEqual([false, 'too_old', null, null]);
    expect(fate({ timestamp: old })).toEqual([false, 'too_old', null, null]);
    // So is a heartbeat dated ahead (one dated too old is not).
    const beats = (timestamp: string) => {
      const r = decodeOsmAnd(
        { query: { id: 'a', timestamp, batt: '40' }, body: undefined, contentType: undefined },
        NOW,
        limits,
      );
      return r.ok ? r.records.filter(isHeartbeat).map((f) => f.positionless ?? null) : r.message;
    };
    expect([beats(ahead), beats(old)]).toEqual([[{ onArrival: true }], [null]]);
  });

  it('a heartbeat (no location at all) that carries an alarm is a fix without a location; one without stays a heartbeat', () => {
    const [beat] = query({ id: 'a', timestamp: String(NOW / 1000 - 5), batt: '40', alarm: 'sos' });
    expect(beat).toMatchObject({ time: NOW - 5_000, alarm: 'sos', valid: false, positionless: { onArrival: false } });
    expect(
      json([
        { id: 'a', alarm: 'sos' },
        { id: 'a', batt: 50 },
      ]).map((f) => [f.time, f.alarm]),
    ).toEqual([[NOW, 'sos']]);
    expect(query({ id: 'a', timestamp: String(NOW / 1000), alarm: '' })).toEqual([]);
  });

  it('a heartbeat with an alarm is dropped for having no location (not for its coordinates), and keeps its battery', () => {
    const [beat] = query({ id: 'a', timestamp: String(NOW / 1000 - 5), batt: '40', alarm: 'sos' });
    expect(beat).toMatchObject({ battery: 40, dropped: { reason: 'no_location' } });
    expect(beat!.dropped!.message).not.toContain('lat 0');
    expect(json([{ id: 'a', batt: 55, alarm: 'sos' }])[0]).toMatchObject({
      battery: 55,
      dropped: { reason: 'no_location' },
    });
    // Sent ahead of the window: dated on arrival, as an alarm at lat 0, lon 0 is.
    const ahead = query({ id: 'a', timestamp: String(NOW / 1000 + 8 * 3600), alarm: 'sos' })[0]!;
    expect(ahead.positionless).toEqual({ onArrival: true });
  });
});
