import { expect, it } from 'vitest';
import {
  COMMAND_SCOPE,
  COMMAND_STATION_ID,
  computeCoverage,
  lngLat,
  type CoverageMessage,
  type Task,
} from '@jointmap/shared';
import { newTaskId, openConsoles } from '../helpers/op-console.ts';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { DEQING, squareSectorSearch } from '../helpers/tasks.ts';
import { connected, connectViewer, eventually, traccarQuery } from '../live/live-helpers.ts';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** 禹越巡01's tracker (a 德清 patrol car). */
const DEVICE = 'demo-yuyue-01';

interface Fix {
  lng: number;
  lat: number;
  time: number;
}

/** `n` fixes eastwards along `lat` from `lng0`, 400 ms and about 19 m apart (one track). */
const drive = (lng0: number, lat: number, t0: number, n = 5): Fix[] =>
  Array.from({ length: n }, (_, i) => ({ lng: lng0 + i * 0.0002, lat, time: t0 + i * 400 }));

it('a sector given to a whole station stops counting its patrols when the search’s task is closed, and counts them again once it is reopened', async (t) => {
  const server = await startServer(t);
  const [boss, wall] = await openConsoles(t, server, ['commander', 'wall']);
  const assignedAt = Date.now() - 120_000;
  const square = (sw: [number, number]) => ({
    commanderId: boss!.user.id,
    sw,
    ne: [sw[0] + 0.003, sw[1] + 0.003] as const,
    stationId: DEQING,
    sweepWidthM: 60,
    now: assignedAt,
  });
  // Two searches of the commander, each with a sector given to 德清 as a whole: the first task
  // will be closed; the second stays open and shows when the patrol has been counted.
  const closing = squareSectorSearch({ taskId: newTaskId(), ...square([120.3, 30.5]) });
  const open = squareSectorSearch({ taskId: newTaskId(), ...square([120.304, 30.5]) });
  boss!.write(COMMAND_SCOPE, closing.change);
  boss!.write(COMMAND_SCOPE, open.change);

  const fractions = new Map<string, number>();
  const viewer = connectViewer(t, server.url, { token: boss!.token });
  viewer.socket.on('live:coverage', (m: CoverageMessage) => {
    for (const s of m.sectors) fractions.set(s.sectorId, s.fraction);
  });
  await connected(viewer.socket);
  expect(await viewer.join(DEMO_OP)).toMatchObject({ ok: true });
  const A = closing.sector.id;
  const B = open.sector.id;
  const sent: Fix[] = [];
  const report = async (fixes: Fix[]) => {
    for (const f of fixes) {
      const res = await traccarQuery(server.url, { id: DEVICE, lat: f.lat, lon: f.lng, timestamp: f.time });
      expect(res.status).toBe(200);
      sent.push(f);
    }
  };
  const setState = async (state: Task['state']) => {
    boss!.write(COMMAND_SCOPE, {
      type: 'put',
      map: 'tasks',
      key: closing.task.id,
      value: { ...closing.task, state, updatedAt: Date.now() },
    });
    // Committed on the server once another console has it.
    await eventually(() => wall!.task(COMMAND_STATION_ID, closing.task.id)?.state === state, 10_000, state);
  };

  /** A's coverage by the fixes sent so far that `counts` (the reference recomputation). */
  const coverA = (counts: (time: number) => boolean) => {
    const def = { id: A, polygon: closing.sector.polygon, sweepWidthM: closing.sector.sweepWidthM };
    const fixes = sent.map((f) => ({
      unitId: 'yuyue-car-01',
      stationId: DEQING,
      lngLat: lngLat(f.lng, f.lat),
      time: f.time,
    }));
    return computeCoverage([{ ...def, accepts: (_u, time) => time >= assignedAt && counts(time) }], fixes).get(A)!;
  };
  const isNear = (value: number | undefined, expected: number) =>
    value !== undefined && Math.abs(value - expected) < 1e-9;

  // 德清's patrol sweeps the first sector while its task is open.
  await report(drive(120.3005, 30.5008, Date.now() - 60_000));
  const beforeClose = coverA(() => true);
  expect(beforeClose).toBeGreaterThan(0);
  await eventually(() => isNear(fractions.get(A), beforeClose), 10_000, 'the patrol to sweep A');

  // The commander closes the task (the search itself is left active).
  const closeWrittenAt = Date.now();
  await setState('closed');
  const closedSeenAt = Date.now();
  // Later the same patrol drives through the first sector, then the second (times after the close).
  const during = [...drive(120.3005, 30.5015, closedSeenAt + 100), ...drive(120.3045, 30.5015, closedSeenAt + 2_100)];
  await pause(during.at(-1)!.time - Date.now() + 50);
  await report(during);
  await eventually(() => (fractions.get(B) ?? 0) > 0, 10_000, 'the patrol to sweep B');
  await pause(500);
  expect(fractions.get(A)).toBeCloseTo(beforeClose, 9);

  // Reopened: its sector counts the patrol's later drives again, not those made while it was closed.
  await setState('open');
  const reopenedSeenAt = Date.now();
  const after = drive(120.3005, 30.5022, reopenedSeenAt + 100);
  await pause(after.at(-1)!.time - Date.now() + 50);
  await report(after);
  const withoutClosed = coverA((time) => time < closeWrittenAt || time > reopenedSeenAt);
  expect(withoutClosed).toBeGreaterThan(beforeClose);
  expect(coverA(() => true)).toBeGreaterThan(withoutClosed);
  // Waited for (a failure shows the value it had instead).
  await eventually(() => isNear(fractions.get(A), withoutClosed), 10_000).catch(() => {});
  expect(fractions.get(A)).toBeCloseTo(withoutClosed, 9);
});
