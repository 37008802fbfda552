import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { operationDocNames } from '@jointmap/shared';
import { CAR, FOOT, send } from '../alerts/alert-helpers.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';
import { newTaskId, openConsoles } from '../helpers/op-console.ts';
import { pointAnnotation } from '../helpers/records.ts';
import type { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { answer, DEQING, LINPING, missingPersonTask, raise, TONGXIANG } from '../helpers/tasks.ts';
import { answers, archiveOp, call, closeOp, download, fixAt, restore } from './archive-helpers.ts';

const OP = 'op-drill';
const STATIONS = [LINPING, DEQING, TONGXIANG];
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('operation archives', () => {
  it('a closed operation archived, purged (late fixes kept) and restored on another instance gives the same update logs, states at every moment, task timeline, tracks and alerts; it comes back on its own instance too', async (t) => {
    const a = await startServer(t);
    const commander = (await a.login('commander')).token;
    expect(
      (
        await call(a, commander, 'POST', '/api/operations', {
          id: OP,
          name: '三地联合搜寻演练',
          kind: 'search',
          stations: STATIONS,
        })
      ).status,
    ).toBe(201);
    // The drill began an hour before the demo operation (which is active, has the same stations and
    // so keeps its part of their tracks when the drill is purged).
    const demoCreated = (await a.ctx.storage.getOperation(DEMO_OP))!.createdAt;
    const created = demoCreated - 3600_000;
    (a.ctx.storage as SqliteStorage).db.prepare('UPDATE operations SET created_at = ? WHERE id = ?').run(created, OP);
    const step = 6 * 60_000;

    // A day's work in miniature: a task raised and answered, a drawing, positions with an SOS.
    const [linping, deqing, boss] = await openConsoles(t, a, ['linping', 'deqing', 'commander'], OP);
    const task = raise(linping!, missingPersonTask(newTaskId()));
    await eventually(() => deqing!.task(LINPING, task.id) !== undefined, 10_000, 'the task at 德清');
    answer(deqing!, task, 'accepted', { note: '禹越巡01前往' });
    boss!.write('command', {
      type: 'put',
      map: 'annotations',
      key: 'rally',
      value: pointAnnotation('rally', '集结点：禹越镇政府'),
    });
    await send(
      a,
      CAR.deviceId,
      Array.from({ length: 10 }, (_, i) => ({
        time: created + 1 + i * step,
        at: [120.3 + i * 0.001, 30.5] as [number, number],
        speedKmh: 30,
        ...(i === 9 ? { alarm: 'sos' } : {}),
      })),
    );
    // A 桐乡 unit without a tracker registered here, and fixes outside the operation.
    await a.ctx.storage.appendPositions([
      fixAt(TONGXIANG, 'zq-boat', created - 60_000),
      ...Array.from({ length: 8 }, (_, i) => fixAt(TONGXIANG, 'zq-boat', created + 1 + i * step, i)),
    ]);
    const alert = (await a.ctx.storage.listAlerts(OP, { limit: 10 }))[0]!;
    expect(alert.kind).toBe('sos');
    const deqingToken = (await a.login('deqing')).token;
    expect((await call(a, deqingToken, 'POST', `/api/operations/${OP}/alerts/${alert.id}/acknowledge`)).status).toBe(
      200,
    );
    await eventually(() => linping!.doc(DEQING).getMap('responses').size === 1, 10_000, 'the answer at 临平');

    // Closing: the documents turn read-only for the stock clients, who reconnect by themselves.
    const closed = await closeOp(a, commander, OP);
    expect(closed.status).toBe(200);
    expect(closed.body.operation).toMatchObject({ status: 'closed', closedAt: expect.any(Number) });
    const closedAt = closed.body.operation.closedAt!;
    await eventually(
      () => boss!.doc('command').getMap<{ status: string }>('meta').get('operation')?.status === 'closed',
    );
    const late = await connectClient(t, a.wsUrl, `${OP}/${DEQING}`, deqingToken);
    late.doc.getMap('annotations').set('after', pointAnnotation('after', '结束后的标注'));
    await eventually(() => late.rejections.length > 0, 10_000, 'the refusal of a write after closing');
    expect(late.rejections[0]).toContain('FORBIDDEN');
    // A closed operation raises no more alerts (the active demo operation still does).
    await send(a, FOOT.deviceId, [{ time: closedAt + 1_000, at: [120.31, 30.5], alarm: 'sos' }]);
    expect((await a.ctx.storage.listAlerts(OP, { limit: 10 })).map((x) => x.unitId)).toEqual([CAR.unitId]);
    expect((await a.ctx.storage.listAlerts(DEMO_OP, { limit: 10 })).map((x) => x.unitId)).toContain(FOOT.unitId);

    // Fixes after the close, and a later operation of 桐乡 whose window overlaps the end of this one.
    const mid = created + 4 * step;
    await a.ctx.storage.appendPositions([fixAt(DEQING, 'yuyue-car-01', closedAt + 5_000)]);
    await a.ctx.storage.createOperation({
      id: 'op-next',
      name: '后续巡逻',
      kind: 'monitoring',
      status: 'active',
      stations: [TONGXIANG],
      createdBy: 'u-commander',
      createdAt: mid,
    });

    const docs = operationDocNames(OP, STATIONS);
    const view = {
      id: OP,
      documents: docs,
      units: [
        [DEQING, 'yuyue-car-01'],
        [TONGXIANG, 'zq-boat'],
      ] as Array<[string, string]>,
      window: [created, closedAt] as [number, number],
      taskId: task.id,
    };
    // Moments inside the edits (the first, the middle and the last update of the station logs) and the close.
    const times = (await Promise.all(docs.map((d) => a.ctx.storage.readUpdateLog(d))))
      .flat()
      .map((u) => u.time)
      .sort((x, y) => x - y);
    const moments = [times[0]!, times[Math.floor(times.length / 2)]!, closedAt];
    const before = await answers(a, commander, view, moments);
    expect(Object.values(before.logs).every((l) => l.length > 0)).toBe(true);
    const counts = (x: typeof before) =>
      Object.values(x.tracks).map((r) => {
        const { status, body } = r as { status: number; body: { features: Array<{ properties: { count: number } }> } };
        return [status, body.features[0]?.properties.count];
      });
    expect(counts(before)).toEqual([
      [200, 10],
      [200, 8],
    ]);
    expect(before.timeline).toMatchObject({
      status: 200,
      body: { events: expect.arrayContaining([expect.anything()]) },
    });
    expect(before.alerts.map((x) => [x.kind, x.state, x.acknowledgedBy?.id])).toEqual([
      ['sos', 'acknowledged', 'u-deqing'],
    ]);

    const record = await archiveOp(a, commander, OP);
    expect(record.status, JSON.stringify(record.body)).toBe(201);
    expect(record.body.counts).toEqual({
      updates: Object.values(before.logs).reduce((n, l) => n + l.length, 0),
      fixes: 18,
      alerts: 1,
    });
    const file = await download(a, commander, record.body);
    expect([file.byteLength, sha256(file)]).toEqual([record.body.bytes, record.body.sha256]);
    // A tracker that buffered sends a fix of the window now: it is in no archive, so no purge takes it.
    const buffered = { ...fixAt(DEQING, 'yuyue-car-01', created + 2), receivedAt: Date.now() + 1 };
    await a.ctx.storage.appendPositions([buffered]);

    const purged = await call<{ operation: { purgedAt: number } }>(
      a,
      commander,
      'POST',
      `/api/operations/${OP}/purge`,
      {
        archiveId: record.body.id,
        sha256: record.body.sha256,
      },
    );
    expect(purged.status).toBe(200);
    expect(purged.body.operation.purgedAt).toEqual(expect.any(Number));
    for (const d of docs) expect(await a.ctx.storage.readUpdateLog(d)).toEqual([]);
    const left = async (stationId: string, unitId: string) =>
      (await a.ctx.storage.track(stationId, unitId, 0, Number.MAX_SAFE_INTEGER, 1000)).map((f) => f.time);
    // Within the window only what another operation (the demo, the later 桐乡 one) still shows is kept; outside it, all.
    expect(await left(DEQING, 'yuyue-car-01')).toEqual([buffered.time, closedAt + 5_000]);
    expect(await left(TONGXIANG, 'zq-boat')).toEqual([
      created - 60_000,
      ...Array.from({ length: 8 }, (_, i) => created + 1 + i * step).filter((x) => x >= mid),
    ]);
    const gone = await connectClient(t, a.wsUrl, `${OP}/command`, commander, { waitSynced: false });
    await eventually(() => gone.rejections.length > 0, 10_000, 'the refusal of a purged document');
    expect(gone.rejections[0]).toContain('OPERATION_PURGED');

    // Another instance restores the file: read-only, held as evidence, and every answer the same.
    const b = await startServer(t);
    const commanderB = (await b.login('commander')).token;
    const restored = await restore(b, commanderB, file);
    expect(restored.status).toBe(201);
    expect(restored.body.operation).toMatchObject({
      id: OP,
      status: 'closed',
      closedAt,
      restoredAt: expect.any(Number),
    });
    expect(await b.ctx.storage.operationHold(OP)).toMatchObject({ keptBy: 'u-commander' });
    const after = await answers(b, commanderB, view, moments);
    expect(after).toEqual(before);
    const reader = await connectClient(t, b.wsUrl, `${OP}/command`, commanderB);
    expect(reader.doc.getMap('annotations').get('rally')).toMatchObject({ label: '集结点：禹越镇政府' });
    reader.doc.getMap('annotations').set('new', pointAnnotation('new', '恢复后的标注'));
    await eventually(() => reader.rejections.length > 0, 10_000, 'the refusal of a write to a restored operation');
    expect(reader.rejections[0]).toContain('FORBIDDEN');

    // The same file again: the operation exists, nothing is written twice.
    const stored = async () =>
      [
        ...(await Promise.all(docs.map((d) => b.ctx.storage.readUpdateLog(d)))).map((l) => l.length),
        (await b.ctx.storage.track(TONGXIANG, 'zq-boat', 0, Number.MAX_SAFE_INTEGER, 1000)).length,
        (await b.ctx.storage.listAlerts(OP, { limit: 100 })).length,
      ].join(',');
    const was = await stored();
    const again = await restore(b, commanderB, file);
    expect([again.status, again.body.error?.code]).toEqual([409, 'CONFLICT']);
    expect(await stored()).toBe(was);

    // The purged operation comes back on its own instance from the same file.
    const home = await restore(a, commander, file);
    expect(home.status).toBe(201);
    expect(home.body.operation).toMatchObject({ id: OP, purgedAt: null, restoredAt: expect.any(Number) });
    const back = await connectClient(t, a.wsUrl, `${OP}/command`, commander);
    expect(back.doc.getMap('annotations').get('rally')).toMatchObject({ label: '集结点：禹越镇政府' });
  });
});
