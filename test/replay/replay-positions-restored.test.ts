import { expect, it } from 'vitest';
import type { ReplayPositionsBody } from '@jointmap/shared';
import { archiveOp, closeOp, download, fixAt, restore, searchOp } from '../api/archive-helpers.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { DEQING } from '../helpers/tasks.ts';
import { api } from '../live/live-helpers.ts';

const DAY = 24 * 3600_000;
const OP = 'op-replay-window';

/** The units a replay shows at a moment, as `unit@time`, sorted. */
async function unitsAt(server: TestServer, token: string, at: number): Promise<string[]> {
  const res = await api<ReplayPositionsBody>(server, token, 'GET', `/api/operations/${OP}/replay/positions?at=${at}`);
  expect(res.status).toBe(200);
  return res.body.positions.map((p) => `${p.unitId}@${p.time}`).sort();
}

it('replay positions of an operation restored on another instance equal the original’s: only fixes from the operation’s own window', async (t) => {
  const a = await startServer(t, { retentionIntervalMs: 0 });
  const ca = (await a.login('commander')).token;
  await searchOp(a, ca, OP, '回放');
  const created = (await a.ctx.storage.getOperation(OP))!.createdAt;
  // car-02 parked 10 minutes before the operation began and moved 200 ms into it; car-01 began with it.
  await a.ctx.storage.appendPositions([
    fixAt(DEQING, 'car-02', created - 600_000),
    fixAt(DEQING, 'car-02', created + 200, 1),
    fixAt(DEQING, 'car-01', created + 100),
  ]);
  while (Date.now() <= created + 300) await new Promise((r) => setTimeout(r, 20));
  expect((await closeOp(a, ca, OP)).status).toBe(200);
  const early = created + 150;
  const later = created + 250;
  const original = [await unitsAt(a, ca, early), await unitsAt(a, ca, later)];
  // The fix from before the operation is none of its record: car-02 appears once it moved in it.
  expect(original).toEqual([[`car-01@${created + 100}`], [`car-01@${created + 100}`, `car-02@${created + 200}`]]);
  const file = await download(a, ca, (await archiveOp(a, ca, OP)).body);

  const b = await startServer(t, { retentionIntervalMs: 0 });
  const cb = (await b.login('commander')).token;
  // B's own history of the same station: a 德清 unit last heard of a year ago.
  await b.ctx.storage.appendPositions([fixAt(DEQING, 'car-99', created - 365 * DAY)]);
  expect((await restore(b, cb, file)).status).toBe(201);
  expect([await unitsAt(b, cb, early), await unitsAt(b, cb, later)]).toEqual(original);
});
