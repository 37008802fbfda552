import { expect, it } from 'vitest';
import { COMMAND_SCOPE, computeCoverage, lngLat, type CoverageMessage } from '@jointmap/shared';
import type { PositionFix } from '@jointmap/server/storage/types';
import { fixAt } from '../api/archive-helpers.ts';
import { openConsoles } from '../helpers/op-console.ts';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { DEQING, squareSectorSearch } from '../helpers/tasks.ts';
import { api } from '../live/live-helpers.ts';

const CAR = 'sweep-car';
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A search of one square sector given to 德清 (every unit of the station sweeps it), a minute ago. */
async function searchOfDeqing(t: Parameters<typeof startServer>[0], server: TestServer) {
  const [boss] = await openConsoles(t, server, ['commander']);
  const { sector, change } = squareSectorSearch({
    taskId: `closed-${Date.now()}`,
    commanderId: boss!.user.id,
    sw: [120.3, 30.5],
    ne: [120.31, 30.509],
    stationId: DEQING,
    sweepWidthM: 100,
    now: Date.now() - 60_000,
  });
  boss!.write(COMMAND_SCOPE, change);
  const fraction = async (token: string, at: number) => {
    const res = await api<CoverageMessage>(server, token, 'GET', `/api/operations/${DEMO_OP}/replay/coverage?at=${at}`);
    expect(res.status).toBe(200);
    return res.body.sectors.find((s) => s.sectorId === sector.id)?.fraction;
  };
  const cover = (fixes: readonly PositionFix[]) =>
    computeCoverage(
      [{ id: sector.id, polygon: sector.polygon, sweepWidthM: sector.sweepWidthM, accepts: () => true }],
      fixes.map((f) => ({ unitId: f.unitId, stationId: f.stationId, lngLat: lngLat(f.lng, f.lat), time: f.time })),
    ).get(sector.id)!;
  return { boss: boss!, fraction, cover };
}

/** A drive of 德清's car across the sector at `lat`, a fix every 100 ms from `start`. */
const drive = (start: number, lat: number) =>
  Array.from({ length: 6 }, (_, i) => ({ ...fixAt(DEQING, CAR, start + i * 100, i), lng: 120.2995 + i * 0.001, lat }));

it("replayed coverage of a closed operation reads none of a station's fixes after the close, whatever later moment is asked for", async (t) => {
  const server = await startServer(t);
  const { boss, fraction, cover } = await searchOfDeqing(t, server);
  const during = drive(Date.now() - 30_000, 30.5045);
  await server.ctx.storage.appendPositions(during);
  // The search is stored once the replay shows the drive.
  for (let i = 0; i < 100 && !(await fraction(boss.token, Date.now())); i++) await pause(50);

  expect((await api(server, boss.token, 'POST', `/api/operations/${DEMO_OP}/close`)).status).toBe(200);
  const closedAt = (await server.ctx.storage.getOperation(DEMO_OP))!.closedAt!;
  // Closing ends no search: the sector's station drives on through it after the close.
  const after = drive(closedAt + 1_000, 30.507);
  await server.ctx.storage.appendPositions(after);
  expect(cover([...during, ...after])).toBeGreaterThan(cover(during));

  // 临平's dispatcher replays the joint operation: 德清's fixes only up to the close.
  const linping = (await server.login('linping')).token;
  const atClose = await fraction(linping, closedAt);
  expect(atClose).toBeCloseTo(cover(during), 9);
  expect(await fraction(linping, closedAt + 3_600_000)).toBe(atClose);
  expect(await fraction(boss.token, closedAt + 3_600_000)).toBe(atClose);
});

it('replayed coverage of an operation under way reads no fix stamped after the server’s now, whatever moment is asked for', async (t) => {
  const server = await startServer(t);
  const { boss, fraction } = await searchOfDeqing(t, server);
  const during = drive(Date.now() - 30_000, 30.5045);
  await server.ctx.storage.appendPositions(during);
  for (let i = 0; i < 100 && !(await fraction(boss.token, Date.now())); i++) await pause(50);
  const now = await fraction(boss.token, Date.now());
  expect(now).toBeGreaterThan(0);

  // A tracker with its clock half an hour ahead.
  await server.ctx.storage.appendPositions(drive(Date.now() + 1_800_000, 30.507));
  expect(await fraction(boss.token, Date.now() + 3_600_000)).toBe(now);
});
