import { describe, expect, test } from 'vitest';
import { compareFixes, newestFix, unitKeyOf, type Alert } from '@jointmap/shared';
import type { PositionFix } from '@jointmap/server/storage/types';
import { backends, fix, mapUpdate, operation } from './storage-backends.ts';

/** A seeded shuffle (deterministic). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const alert = (id: string, over: Partial<Alert> = {}): Alert => ({
  id,
  operationId: 'op1',
  stationId: 's1',
  unitId: 'car-01',
  ruleId: 'r1',
  ruleScope: 'command',
  ruleName: '禁区',
  kind: 'zone_enter',
  time: 1_000,
  raisedAt: 1_001,
  lngLat: [120.123456789, 30.987654321],
  evidence: { distanceM: 17.25, speedKmh: 0.1 },
  state: 'open',
  acknowledgedBy: null,
  acknowledgedAt: null,
  resolvedBy: null,
  resolvedAt: null,
  ...over,
});

const keys = (fixes: readonly PositionFix[]) => fixes.map((f) => `${f.time}:${f.deviceId}`);

/** Positions, alerts, retention and archives on every backend (see storage-contract.test.ts). */
describe.each(backends)('storage contract (tracks, alerts, retention, archives): $name', (backend) => {
  test('the latest position per unit follows compareFixes whatever the arrival order and batching', async (t) => {
    const { storage } = await backend.open(t);
    const fixes: PositionFix[] = [];
    for (const [s, u] of [
      ['s1', 'car-01'],
      ['s2', 'car-01'],
      ['s1', 'foot-2'],
    ] as const)
      for (let i = 0; i < 12; i++)
        // Two devices per unit, times colliding on purpose (equal time: the greater device id wins).
        fixes.push(fix(s, u, 1_000 + Math.floor(i / 2) * 10, i % 2 ? 'dev-b' : 'dev-a', { lat: 30 + i / 100 }));
    const order = shuffled(fixes, 7);
    for (let i = 0; i < order.length; i += 5) await storage.appendPositions(order.slice(i, i + 5));
    // A tracker re-sending its buffer: stored once, never replaces the one held.
    await storage.appendPositions(fixes.slice(0, 6).map((f) => ({ ...f, lat: 0 })));
    const expected = new Map<string, PositionFix>();
    for (const f of fixes) {
      const held = expected.get(unitKeyOf(f));
      expected.set(unitKeyOf(f), held ? newestFix([held, f])! : f);
    }
    const latest = await storage.latestPositions();
    expect(latest).toHaveLength(3);
    for (const l of latest) expect(l).toEqual(expected.get(unitKeyOf(l)));
    expect(await storage.latestPosition('s2', 'car-01')).toEqual(expected.get('s2/car-01'));
    expect(await storage.latestPosition('s3', 'car-01')).toBeNull();
    const track = await storage.track('s1', 'car-01', 0, 10_000, 100);
    const own = fixes.filter((f) => f.stationId === 's1' && f.unitId === 'car-01');
    expect(keys(track)).toEqual(keys([...own].sort(compareFixes)));
    expect(track.every((f) => f.lat !== 0)).toBe(true);
    expect(keys(await storage.track('s1', 'car-01', 1_010, 1_020, 3))).toEqual([
      '1010:dev-a',
      '1010:dev-b',
      '1020:dev-a',
    ]);
    expect(keys(await storage.track('s1', 'car-01', 1_010, 1_020, 10))).toHaveLength(4);
  });

  test('of two fixes with one key in a batch the first is kept, in the track and as the latest', async (t) => {
    const { storage } = await backend.open(t);
    await storage.appendPositions([
      fix('s1', 'u1', 5, 'd', { lat: 31.1 }),
      fix('s1', 'u1', 5, 'd', { lat: 31.2 }),
      fix('s1', 'u1', 4, 'd', { lat: 31.3 }),
    ]);
    expect((await storage.track('s1', 'u1', 0, 10, 10)).map((f) => [f.time, f.lat])).toEqual([
      [4, 31.3],
      [5, 31.1],
    ]);
    expect((await storage.latestPosition('s1', 'u1'))?.lat).toBe(31.1);
  });

  test('a batch with a bad fix stores none of it', async (t) => {
    const { storage } = await backend.open(t);
    const bad = { ...fix('s1', 'car-01', 2, 'd'), lng: null as unknown as number };
    await expect(storage.appendPositions([fix('s1', 'car-01', 1, 'd'), bad])).rejects.toThrow();
    expect(await storage.latestPositions()).toEqual([]);
    expect(await storage.track('s1', 'car-01', 0, 10, 10)).toEqual([]);
  });

  test('alerts: one per id, compare-and-set of its state, filtered lists newest first', async (t) => {
    const { storage } = await backend.open(t);
    expect(await storage.insertAlert(alert('a1'))).toBe(true);
    expect(await storage.insertAlert(alert('a1', { ruleName: 'again' }))).toBe(false);
    expect(await storage.getAlert('op1', 'a1')).toEqual(alert('a1'));
    expect(await storage.getAlert('op2', 'a1')).toBeNull();
    const ack = alert('a1', { state: 'acknowledged', acknowledgedBy: { id: 'u', name: '张三' }, acknowledgedAt: 5 });
    expect(await storage.updateAlertIf(ack, 'open')).toBe(true);
    expect(await storage.updateAlertIf({ ...ack, acknowledgedAt: 6 }, 'open')).toBe(false);
    expect(await storage.getAlert('op1', 'a1')).toEqual(ack);
    await storage.insertAlert(alert('a2', { time: 2_000, kind: 'sos', stationId: 's2', evidence: { alarm: 'SOS' } }));
    await storage.insertAlert(alert('a0', { time: 2_000 }));
    await storage.insertAlert(alert('b1', { operationId: 'op2' }));
    const all = await storage.listAlerts('op1', { limit: 10 });
    expect(all.map((a) => a.id)).toEqual(['a0', 'a2', 'a1']);
    expect((await storage.listAlerts('op1', { limit: 10, states: ['open'] })).map((a) => a.id)).toEqual(['a0', 'a2']);
    expect((await storage.listAlerts('op1', { limit: 10, kind: 'sos' })).map((a) => a.id)).toEqual(['a2']);
    expect((await storage.listAlerts('op1', { limit: 10, stationId: 's1' })).map((a) => a.id)).toEqual(['a0', 'a1']);
    expect((await storage.listAlerts('op1', { limit: 1 })).map((a) => a.id)).toEqual(['a0']);
  });

  test('retention: stations of the track, watermarks, pages, thinning, drops in batches within a span, evidence holds over the operation’s window, restore marks', async (t) => {
    const { storage } = await backend.open(t);
    const times = [10, 20, 30, 40, 50, 60];
    await storage.appendPositions(times.map((time) => fix('s1', 'u1', time, 'd1')));
    await storage.appendPositions([fix('s1', 'u1', 30, 'd0'), fix('s2', 'u9', 5, 'd9')]);
    // A station whose only fixes were restored (no latest position) is listed too.
    await storage.restoreFixes([fix('s3', 'u5', 7, 'd5')]);
    expect(await storage.trackStations()).toEqual(['s1', 's2', 's3']);
    expect(await storage.thinnedUntilOfStation('s1')).toEqual(new Map());
    expect(keys(await storage.trackPage('s1', 'u1', 20, 40, 10))).toEqual(['20:d1', '30:d0', '30:d1']);
    expect(keys(await storage.trackPage('s1', 'u1', 0, 100, 2))).toEqual(['10:d1', '20:d1']);
    expect(await storage.lastFixBefore('s1', 'u1', 40)).toMatchObject({ time: 30, deviceId: 'd1' });
    expect(await storage.lastFixBefore('s1', 'u1', 10)).toBeNull();
    await storage.thinFixes(
      's1',
      'u1',
      [
        { time: 20, deviceId: 'd1' },
        { time: 30, deviceId: 'd0' },
      ],
      35,
    );
    await storage.thinFixes('s1', 'u1', [], 25); // the watermark never moves back
    expect(await storage.thinnedUntilOfStation('s1')).toEqual(new Map([['u1', 35]]));
    expect(await storage.thinnedUntilOfStation('s2')).toEqual(new Map());
    expect(keys(await storage.track('s1', 'u1', 0, 100, 100))).toEqual(['10:d1', '30:d1', '40:d1', '50:d1', '60:d1']);
    expect(await storage.dropFixesIn('s1', 'u1', 35, 55, 1)).toBe(1);
    expect(keys(await storage.track('s1', 'u1', 0, 100, 100))).toEqual(['10:d1', '30:d1', '50:d1', '60:d1']);
    expect(await storage.dropFixesIn('s1', 'u1', Number.MIN_SAFE_INTEGER, 55, 10)).toBe(3);
    expect(keys(await storage.track('s1', 'u1', 0, 100, 100))).toEqual(['60:d1']);
    expect(await storage.dropFixesIn('s1', 'u1', Number.MIN_SAFE_INTEGER, 55, 10)).toBe(0);

    await storage.createOperation(operation('op1', { stations: ['s1'], createdAt: 40 }));
    expect(await storage.operationHold('op1')).toBeNull();
    expect(await storage.setOperationHold('op1', 'cmd', 99)).toBe(true);
    expect(await storage.setOperationHold('nope', 'cmd', 99)).toBe(false);
    // Active: held from its creation on; closed: up to its closing.
    const hold = { operationId: 'op1', stations: ['s1'], from: 40, to: null, keptBy: 'cmd', keptAt: 99 };
    expect(await storage.operationHold('op1')).toEqual(hold);
    expect(await storage.operationHolds()).toEqual([hold]);
    await storage.closeOperation('op1', 70);
    expect(await storage.operationHolds()).toEqual([{ ...hold, to: 70 }]);
    await storage.setOperationHold('op1', null, 100);
    expect(await storage.operationHolds()).toEqual([]);

    const mark = (operationId: string, from: number) => ({
      operationId,
      stations: ['s1'],
      from,
      to: from + 9,
      startedAt: 1,
    });
    expect(await storage.markRestore(mark('op-b', 20))).toBe(true);
    expect(await storage.markRestore(mark('op-a', 10))).toBe(true);
    // A restore run again replaces the mark it left (storage-contract-restore-marks.test.ts).
    expect(await storage.markRestore(mark('op-a', 30), mark('op-a', 10))).toBe(true);
    await storage.setSetting('restore-marks', 'not a mark');
    expect(await storage.restoreMarks()).toEqual([mark('op-a', 30), mark('op-b', 20)]);
    // A restore that ends removes its own mark only: one that replaced it goes on protected.
    await storage.unmarkRestore(mark('op-a', 10));
    expect(await storage.restoreMarks()).toEqual([mark('op-a', 30), mark('op-b', 20)]);
    const first = { ...mark('op-c', 40), id: 'r1' };
    await storage.markRestore(first);
    await storage.markRestore({ ...first, id: 'r2' }, first);
    await storage.unmarkRestore(first);
    expect(await storage.restoreMarks()).toEqual([mark('op-a', 30), mark('op-b', 20), { ...first, id: 'r2' }]);
    await storage.unmarkRestore({ ...first, id: 'r2' });
    await storage.unmarkRestore(mark('op-a', 30));
    expect(await storage.restoreMarks()).toEqual([mark('op-b', 20)]);
    expect(await storage.getSetting('restore-marks')).toBe('not a mark');
  });

  test('archives: close, records, units of a station, purge of documents, restore of fixes and of an operation', async (t) => {
    const { storage } = await backend.open(t);
    const author = { sessionId: 'x', userId: 'u' };
    await storage.createOperation(operation('op1'), { doc: 'op1/command', update: mapUpdate('a', '1'), author });
    await storage.appendUpdate('op1/s1', mapUpdate('b', '2'), author);
    expect(await storage.closeOperation('op1', 777)).toBe(true);
    expect(await storage.closeOperation('op1', 778)).toBe(false);
    expect(await storage.getOperation('op1')).toMatchObject({ status: 'closed', closedAt: 777 });
    const record = (id: string, createdAt: number, instance: string | null) => ({
      id,
      operationId: 'op1',
      file: `${id}.tar`,
      bytes: 1234,
      sha256: 'ab'.repeat(32),
      createdAt,
      createdBy: 'cmd',
      counts: { updates: 2, fixes: 0, alerts: 0 },
      instance,
    });
    // The instance that wrote it; none for a record from before it was kept.
    await storage.recordArchive(record('r1', 10, null));
    await storage.recordArchive(record('r2', 20, 'web1:/srv/archives'));
    expect(await storage.listArchives('op1')).toEqual([record('r2', 20, 'web1:/srv/archives'), record('r1', 10, null)]);

    await storage.appendPositions([fix('s1', 'u2', 1, 'd'), fix('s1', 'u1', 1, 'd'), fix('s2', 'u0', 1, 'd')]);
    await storage.restoreFixes([fix('s1', 'u3', 1, 'd'), fix('s1', 'u3', 1, 'd'), fix('s1', 'u1', 1, 'd', { lat: 1 })]);
    expect(await storage.trackUnitsOfStation('s1')).toEqual(['u1', 'u2', 'u3']);
    expect(await storage.latestPosition('s1', 'u3')).toBeNull(); // restored fixes are history
    expect((await storage.track('s1', 'u1', 0, 10, 10))[0]!.lat).toBe(30.5); // kept once

    const log = await storage.readUpdateLog('op1/command');
    await storage.purgeOperationDocs('op1', ['op1/command', 'op1/s1'], 900);
    expect(await storage.readUpdateLog('op1/command')).toEqual([]);
    expect(await storage.loadDoc('op1/s1')).toMatchObject({ snapshot: null, updates: [], lastSeq: 0 });
    expect((await storage.getOperation('op1'))?.purgedAt).toBe(900);

    const restored = operation('op9', { status: 'closed', closedAt: 5, restoredAt: 6 });
    const updates = [
      { ...log[0]!, seq: 3 },
      { ...log[0]!, seq: 7, update: mapUpdate('c', '3', 9) },
    ];
    // Leftovers of an earlier, failed restore are replaced.
    await storage.appendUpdate('op9/command', mapUpdate('junk', 'x', 4), author);
    await storage.restoreOperation(restored, [{ doc: 'op9/command', updates }], { keptBy: 'cmd', keptAt: 7 });
    expect(await storage.getOperation('op9')).toMatchObject(restored);
    expect(await storage.operationHold('op9')).toMatchObject({ keptBy: 'cmd', keptAt: 7 });
    const back = await storage.readUpdateLog('op9/command');
    expect(back.map((u) => [u.seq, u.sessionId, u.userId, u.time])).toEqual(
      updates.map((u) => [u.seq, u.sessionId, u.userId, u.time]),
    );
    expect(back.map((u) => u.update)).toEqual(updates.map((u) => u.update));
    // Appends continue after the restored log.
    expect(await storage.appendUpdate('op9/command', mapUpdate('d', '4', 10), author)).toBe(8);
    // A restore that fails (the operation exists) writes no log.
    const hold = { keptBy: 'cmd', keptAt: 8 };
    await expect(storage.restoreOperation(restored, [{ doc: 'op9/s1', updates }], hold)).rejects.toThrow();
    expect(await storage.readUpdateLog('op9/s1')).toEqual([]);
    // A purged operation's row is replaced by its restore.
    const again = operation('op1', { status: 'closed', closedAt: 5, restoredAt: 9 });
    await storage.restoreOperation(again, [{ doc: 'op1/command', updates }], hold);
    expect(await storage.getOperation('op1')).toMatchObject({ ...again, purgedAt: null });
    expect(await storage.readUpdateLog('op1/command')).toHaveLength(2);
  });
});
