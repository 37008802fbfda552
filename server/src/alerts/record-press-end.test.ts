import { describe, expect, test } from 'vitest';
import type { Alert } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { SqliteAlertStore } from '../storage/sqlite-alerts.ts';
import { migratedMemoryDb } from '../storage/sqlite-memory.test-support.ts';
import type { AlertFilter } from '../storage/types.ts';
import { deviceOf, ofDevice, recordPressEnd } from './positionless-alarm.ts';
import { ANY_DEVICE } from './sos-press.ts';

const T0 = 1_764_500_000_000;

/** The SQLite alert store on a database in memory; `rows` counts the alerts its lists returned, `reads` the lists, `ends` the ends written. */
function store() {
  const db = migratedMemoryDb();
  const alerts = new SqliteAlertStore(db);
  const counted = { rows: 0, reads: 0, ends: 0 };
  const listAlerts = async (op: string, f: AlertFilter) => {
    const list = await alerts.listAlerts(op, f);
    counted.rows += list.length;
    counted.reads++;
    return list;
  };
  return {
    counted,
    insert: async (...list: Alert[]) => {
      for (const a of list) await alerts.insertAlert(a);
    },
    get: (id: string) => alerts.getAlert('op-1', id),
    storage: {
      listAlerts,
      endSosPress: (op: string, id: string, endedAt: number) => {
        counted.ends++;
        return alerts.endSosPress(op, id, endedAt);
      },
    },
  };
}

/** An SOS alert of st-1's `unit` (`device`: the one it names, none when undefined). */
const sos = (id: string, time: number, device: string | undefined, unit = 'car-1', ended?: number): Alert =>
  fixtures.sosAlert(id, 'op-1', time, {
    stationId: 'st-1',
    unitId: unit,
    evidence: {
      alarm: 'sos',
      ...(device === undefined ? {} : { deviceId: device }),
      ...(ended === undefined ? {} : { pressEndedAt: ended }),
    },
  });

/** A seeded generator of numbers in [0, 1). */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
}

describe('recordPressEnd', () => {
  test("reads a page of the unit's SOS alerts, not all of them, to write a press's end on its alert", async () => {
    const s = store();
    // Three hundred earlier presses of the device, each ended; the press just ended; a later one.
    for (let i = 0; i < 300; i++)
      await s.insert(sos(`old-${i}`, T0 + i * 60_000, 'dev-1', 'car-1', T0 + i * 60_000 + 1));
    const end = T0 + 400 * 60_000;
    await s.insert(sos('press', end - 5_000, 'dev-1'), sos('later', end + 5_000, 'dev-2'));
    await recordPressEnd(s.storage, 'op-1', 'st-1', 'car-1', end, ['dev-1']);
    expect((await s.get('press'))?.evidence.pressEndedAt).toBe(end);
    expect((await s.get('later'))?.evidence.pressEndedAt).toBeUndefined();
    expect(s.counted.rows).toBeLessThanOrEqual(10);
  });

  test('an alert that is the press of both devices ended (it names none) is written once', async () => {
    const s = store();
    const end = T0 + 60_000;
    await s.insert(sos('press', end - 5_000, undefined));
    await recordPressEnd(s.storage, 'op-1', 'st-1', 'car-1', end, ['dev-1', ANY_DEVICE]);
    expect((await s.get('press'))?.evidence.pressEndedAt).toBe(end);
    expect(s.counted.ends).toBe(1);
  });

  test('a search that finds no alert of the device reads its 1,000 alerts in a few growing pages, not a hundred', async () => {
    const s = store();
    for (let i = 0; i < 1_200; i++) await s.insert(sos(`other-${i}`, T0 + i * 1_000, 'dev-2'));
    await recordPressEnd(s.storage, 'op-1', 'st-1', 'car-1', T0 + 2_000_000, ['dev-1']);
    expect(s.counted.rows).toBe(1_000);
    expect(s.counted.reads).toBeLessThanOrEqual(5);
  });

  test('writes each end on the alert the whole newest-first list gives it, however far back it lies', async () => {
    const next = random(7);
    // Mostly another tracker's alerts: the ones looked for lie a few pages back.
    const device = () => {
      const r = next();
      return r < 0.8 ? 'dev-2' : r < 0.92 ? 'dev-1' : undefined;
    };
    for (let round = 0; round < 40; round++) {
      const s = store();
      const unit = `car-${round}`;
      const alerts: Alert[] = [];
      const count = Math.floor(next() * 60);
      for (let i = 0; i < count; i++) {
        const time = T0 + Math.floor(next() * 200) * 1_000;
        const ended = next() < 0.2 ? time + 500 : undefined;
        alerts.push(sos(`a-${round}-${i}`, time, device(), unit, ended));
      }
      await s.insert(...alerts, sos(`other-${round}`, T0 + 100_000, 'dev-1', 'car-x'));
      const end = T0 + Math.floor(next() * 220) * 1_000;
      const ending = next() < 0.5 ? ['dev-1', ANY_DEVICE] : [next() < 0.5 ? 'dev-1' : ANY_DEVICE];
      // The rule as it was: the unit's newest alert before the end, of the device (or of none named).
      const newestFirst = alerts.toSorted((x, y) => y.time - x.time || (x.id < y.id ? -1 : 1));
      const expected = new Set<string>();
      for (const device of ending) {
        const of = (a: Alert) => (device === ANY_DEVICE ? deviceOf(a) === ANY_DEVICE : ofDevice(a, device));
        const press = newestFirst.find((a) => a.time < end && of(a));
        if (press && press.evidence.pressEndedAt === undefined) expected.add(press.id);
      }
      await recordPressEnd(s.storage, 'op-1', 'st-1', unit, end, ending);
      const written = [];
      for (const a of alerts) if ((await s.get(a.id))?.evidence.pressEndedAt === end) written.push(a.id);
      expect(written.sort(), `round ${round}`).toEqual([...expected].sort());
    }
  });
});
