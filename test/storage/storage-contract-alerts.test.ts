import { describe, expect, test } from 'vitest';
import type { Alert } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { backends } from './storage-backends.ts';

const sos = (id: string, stationId: string, unitId: string, time: number): Alert =>
  fixtures.sosAlert(id, 'op1', time, { stationId, unitId, raisedAt: time + 1 });

/** The alert list's filters and paging, on every backend. */
describe.each(backends)('storage contract (alerts): $name', (backend) => {
  test('a unit filter lists only that unit’s alerts, with the other filters and the limit, newest first', async (t) => {
    const { storage } = await backend.open(t);
    const alerts = [
      sos('a1', 's1', 'car-01', 1_000),
      sos('a2', 's1', 'car-02', 2_000),
      sos('a3', 's1', 'car-01', 3_000),
      // The same unit id at another station, and in another operation.
      sos('a4', 's2', 'car-01', 4_000),
      { ...sos('a5', 's1', 'car-01', 5_000), operationId: 'op2' },
      { ...sos('a6', 's1', 'car-01', 6_000), kind: 'overspeed' as const, ruleName: '超速' },
    ];
    for (const a of alerts) expect(await storage.insertAlert(a)).toBe(true);
    const ids = async (filter: Parameters<typeof storage.listAlerts>[1]) =>
      (await storage.listAlerts('op1', filter)).map((a) => a.id);
    expect(await ids({ kind: 'sos', stationId: 's1', unitId: 'car-01', limit: 10 })).toEqual(['a3', 'a1']);
    expect(await storage.listAlerts('op1', { kind: 'sos', stationId: 's1', unitId: 'car-01', limit: 10 })).toEqual([
      alerts[2],
      alerts[0],
    ]);
    expect(await ids({ unitId: 'car-01', limit: 10 })).toEqual(['a6', 'a4', 'a3', 'a1']);
    expect(await ids({ stationId: 's1', unitId: 'car-02', limit: 10 })).toEqual(['a2']);
    expect(await ids({ stationId: 's1', unitId: 'car-01', limit: 1 })).toEqual(['a6']);
    expect(await ids({ stationId: 's2', unitId: 'car-02', limit: 10 })).toEqual([]);
  });

  test('a list pages on from its last alert (equal times by id) and selects by when each alert was stored', async (t) => {
    const { storage } = await backend.open(t);
    const alerts = [
      // Stored long after its fix's time (a tracker that sent it late).
      { ...sos('b1', 's1', 'car-01', 1_000), raisedAt: 9_000 },
      sos('b3', 's1', 'car-01', 2_000),
      sos('b2', 's2', 'car-02', 2_000),
      sos('b5', 's1', 'car-02', 3_000),
      sos('b4', 's1', 'car-01', 3_000),
      sos('b6', 's1', 'car-01', 4_000),
      { ...sos('b7', 's1', 'car-01', 2_000), operationId: 'op2' },
    ];
    for (const a of alerts) expect(await storage.insertAlert(a)).toBe(true);
    const ids = async (filter: Parameters<typeof storage.listAlerts>[1]) =>
      (await storage.listAlerts('op1', filter)).map((a) => a.id);
    // Newest first, then by id; each page starts after the last alert of the one before.
    expect(await ids({ limit: 10 })).toEqual(['b6', 'b4', 'b5', 'b2', 'b3', 'b1']);
    expect(await ids({ limit: 2 })).toEqual(['b6', 'b4']);
    expect(await ids({ after: { time: 3_000, id: 'b4' }, limit: 2 })).toEqual(['b5', 'b2']);
    expect(await ids({ after: { time: 2_000, id: 'b2' }, limit: 2 })).toEqual(['b3', 'b1']);
    expect(await ids({ after: { time: 1_000, id: 'b1' }, limit: 2 })).toEqual([]);
    // Stored at or before a moment, whatever the alert's own time.
    expect(await ids({ raisedUntil: 3_001, limit: 10 })).toEqual(['b4', 'b5', 'b2', 'b3']);
    expect(await ids({ raisedUntil: 3_000, limit: 10 })).toEqual(['b2', 'b3']);
    expect(await ids({ raisedUntil: 9_000, limit: 10 })).toEqual(['b6', 'b4', 'b5', 'b2', 'b3', 'b1']);
    expect(await ids({ raisedUntil: 1_000, limit: 10 })).toEqual([]);
    // Both, with the other filters.
    expect(await ids({ raisedUntil: 3_001, after: { time: 3_000, id: 'b4' }, limit: 2 })).toEqual(['b5', 'b2']);
    expect(await ids({ stationId: 's1', raisedUntil: 3_001, after: { time: 3_000, id: 'b5' }, limit: 10 })).toEqual([
      'b3',
    ]);
  });
});
