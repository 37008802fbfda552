import { afterEach, describe, expect, it } from 'vitest';
import type { UnitPosition } from '@jointmap/shared';
import { liveOnSqlite, NOW, STATION } from './live-ingest.test-support.ts';
import type { PositionlessReport } from './relay.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A live service on SQLite with tracker `dev-a` on unit `car-1`, its clock at `clock.now`. */
async function setup() {
  const warnings: object[] = [];
  const {
    live,
    storage,
    clock,
    send: sendOf,
    batch,
    close,
  } = await liveOnSqlite({
    warn: (obj) => void warnings.push(obj),
  });
  cleanups.push(close);
  const heard: UnitPosition[] = [];
  live.onFix((p) => heard.push(p));
  const positionless: PositionlessReport[] = [];
  live.onPositionless((r) => positionless.push(r));
  const send = (query: Record<string, string>) => sendOf('dev-a', query);
  const track = () => storage.track(STATION, 'car-1', 0, NOW + 86_400_000, 100);
  return { live, clock, send, batch, track, heard, positionless, warnings };
}

describe('LiveService ingest', () => {
  it("answers Traccar Client's stationary heartbeat (no location) with 200, stored 0", async () => {
    const s = await setup();
    await expect(s.send({ timestamp: String(NOW / 1000), batt: '87', charge: 'true' })).resolves.toMatchObject({
      received: 0,
      stored: 0,
      dropped: [],
    });
    // The real fix queued behind it is stored.
    await expect(s.send({ timestamp: String(NOW / 1000), lat: '30.5', lon: '120.3' })).resolves.toMatchObject({
      stored: 1,
    });
    await expect(s.send({ lat: '30.5' })).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
  });

  it('an SOS on a fix dated 8 hours ahead raises the alarm at its place, dated on arrival; the drop is warned once', async () => {
    const s = await setup();
    const ahead = String(NOW / 1000 + 8 * 3600);
    const res = await s.send({ timestamp: ahead, lat: '30.51', lon: '120.31', alarm: 'sos' });
    expect(res).toMatchObject({ received: 1, stored: 1, dropped: [{ index: 0 }] });
    // What the alert engine listens to (LiveService.onFix): the alarm, where the phone was, on arrival.
    expect(s.heard.map((p) => [p.alarm, p.lngLat, p.time])).toEqual([['sos', [120.31, 30.51], NOW]]);
    expect((await s.track()).map((f) => [f.time, f.alarm])).toEqual([[NOW, 'sos']]);
    // The same wrong clock keeps dropping fixes: one warning per device for a few minutes.
    s.clock.now += 10_000;
    await s.send({ timestamp: String(NOW / 1000 + 8 * 3600 + 10), lat: '30.51', lon: '120.31' });
    expect(s.warnings).toEqual([expect.objectContaining({ device: 'dev-a', dropped: { future: 1 } })]);
    s.clock.now += 5 * 60_000;
    await s.send({ timestamp: String(NOW / 1000 + 8 * 3600 + 320), lat: '30.51', lon: '120.31' });
    expect(s.warnings).toHaveLength(2);
    expect(s.warnings[1]).toMatchObject({ dropped: { future: 2 } });
    // Fixes without an alarm are still not stored.
    expect(await s.track()).toHaveLength(1);
  });

  it('a fix dated slightly ahead, sent again after a lost answer, is stored once', async () => {
    const s = await setup();
    const fix = { timestamp: String(NOW / 1000 + 90), lat: '30.5', lon: '120.3' };
    await s.send(fix);
    s.clock.now += 30_000;
    await s.send(fix);
    expect((await s.track()).map((f) => f.time)).toEqual([NOW]);
  });

  it('an SOS without a usable position is stored nowhere but heard by the alert engine; dated on arrival when outside the window', async () => {
    const s = await setup();
    await s.send({ timestamp: String(NOW / 1000 - 60), lat: '30.5', lon: '120.3' });
    await expect(
      s.send({ timestamp: String(NOW / 1000 - 50), lat: '0', lon: '0', alarm: 'sos' }),
    ).resolves.toMatchObject({
      received: 1,
      stored: 0,
      dropped: [{ index: 0 }],
    });
    await s.send({ timestamp: String(NOW / 1000 - 40), lat: '30.6', lon: '120.4', valid: 'false', alarm: 'sos' });
    // Still no lock, no alarm: heard too (it ends a press). A heartbeat with an alarm is one without a place.
    await s.send({ timestamp: String(NOW / 1000 - 30), lat: '30.6', lon: '120.4', valid: 'false' });
    await s.send({ timestamp: String(NOW / 1000 - 20), alarm: 'sos' });
    // A phone clock 8 h ahead: dated on arrival, and its resend (answer lost) gets the same time.
    const ahead = { timestamp: String(NOW / 1000 + 8 * 3600), lat: '0', lon: '0', alarm: 'sos' };
    s.clock.now += 10_000;
    await s.send(ahead);
    s.clock.now += 30_000;
    await s.send(ahead);
    expect(s.positionless.map((r) => [r.unitId, r.time, r.alarm, r.receivedAt - NOW])).toEqual([
      ['car-1', NOW - 50_000, 'sos', 0],
      ['car-1', NOW - 40_000, 'sos', 0],
      ['car-1', NOW - 30_000, null, 0],
      ['car-1', NOW - 20_000, 'sos', 0],
      ['car-1', NOW + 10_000, 'sos', 10_000],
      ['car-1', NOW + 10_000, 'sos', 40_000],
    ]);
    expect(s.heard.map((p) => p.time)).toEqual([NOW - 60_000]);
    expect((await s.track()).map((f) => f.time)).toEqual([NOW - 60_000]);
    expect(s.warnings).toEqual([expect.objectContaining({ alarmWithoutPosition: true })]);
  });

  it('a heartbeat (no position, no alarm) is heard only when it may end a press: wanted, or after an alarm in its request', async () => {
    const s = await setup();
    await s.send({ timestamp: String(NOW / 1000 - 50), batt: '80' });
    expect(s.positionless).toEqual([]);
    // The alert engine wants those of a device holding a press (here: from NOW - 40 s on).
    const off = s.live.wantHeartbeats((r) => r.time >= NOW - 40_000);
    await s.send({ timestamp: String(NOW / 1000 - 45), batt: '80' });
    await s.send({ timestamp: String(NOW / 1000 - 40), batt: '80' });
    // A clock ahead: dated on arrival, as any report without a position.
    await s.send({ timestamp: String(NOW / 1000 + 60) });
    // A batch whose fix carries the alarm: its heartbeat after it is heard, wanted or not.
    const batch = [
      { id: 'dev-a', timestamp: NOW / 1000 - 30, lat: 30.5, lon: 120.3, alarm: 'sos' },
      { id: 'dev-a', timestamp: NOW / 1000 - 20 },
    ];
    off();
    await s.batch(batch);
    expect(s.positionless.map((r) => [r.time, r.alarm])).toEqual([
      [NOW - 40_000, null],
      [NOW, null],
      [NOW - 20_000, null],
    ]);
    expect((await s.track()).map((f) => [f.time, f.alarm])).toEqual([[NOW - 30_000, 'sos']]);
  });

  it("a batch's records are heard in the request's order, its heartbeats among its fixes", async () => {
    const s = await setup();
    const heard: Array<[string, number, string | null]> = [];
    s.live.onFix((p) => heard.push(['fix', p.time - NOW, p.alarm]));
    s.live.onPositionless((r) => heard.push(['heartbeat', r.time - NOW, r.alarm]));
    // A phone that buffered offline: SOS, the heartbeat that ended that press, SOS again.
    await s.batch([
      { id: 'dev-a', timestamp: NOW / 1000 - 60, lat: 30.5, lon: 120.3, alarm: 'sos' },
      { id: 'dev-a', timestamp: NOW / 1000 - 30 },
      { id: 'dev-a', timestamp: NOW / 1000, lat: 30.5, lon: 120.3, alarm: 'sos' },
    ]);
    expect(heard).toEqual([
      ['fix', -60_000, 'sos'],
      ['heartbeat', -30_000, null],
      ['fix', 0, 'sos'],
    ]);
  });
});
