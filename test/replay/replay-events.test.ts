import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { COMMAND_SCOPE, docName, type ReplayTimeline } from '@jointmap/shared';
import { docJson } from '@jointmap/server/replay/doc-json';
import { REPLAY_CHECKPOINT_EVERY } from '@jointmap/server/storage/log-checkpoints';
import type { LoggedUpdate, Operation, Storage } from '@jointmap/server/storage/types';
import { seededRandom } from '../helpers/random.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { api } from '../live/live-helpers.ts';

const EVERY = REPLAY_CHECKPOINT_EVERY;
const DEQING = 'deqing-yuyue';
const LINPING = 'linping-yunhe';
const T0 = Date.now() - 6 * 3_600_000;

/**
 * One document's update log of `n` record writes a few ms apart by two users: its station's units
 * change status and task, tasks are raised and closed, answers given. Where `stepBack` says so the
 * server clock steps back (the log is then out of time order).
 */
function stationLog(
  seed: number,
  station: string,
  n: number,
  stepBack: (i: number) => number = () => 0,
): LoggedUpdate[] {
  const rnd = seededRandom(seed);
  const doc = new Y.Doc();
  const out: LoggedUpdate[] = [];
  let time = T0;
  let user: string | null = null;
  doc.on('update', (update: Uint8Array) =>
    out.push({ seq: out.length + 1, update, sessionId: null, userId: user, time }),
  );
  for (let i = 0; i < n; i++) {
    time += 1 + rnd.int(5) - stepBack(i);
    user = rnd.pick([`u-${station}`, 'u-commander', null]);
    const r = rnd.next();
    if (r < 0.5) {
      const id = `${station}-car-${rnd.int(12)}`;
      const status = rnd.pick(['available', 'en_route', 'on_scene', 'busy']);
      const assignedTaskId = rnd.chance(0.3) ? `t${rnd.int(6)}` : null;
      doc.getMap('units').set(id, { id, callsign: `车${id.slice(-2)}`, stationId: station, status, assignedTaskId });
    } else if (r < 0.7) {
      const id = `t${rnd.int(6)}`;
      const state = rnd.chance(0.3) ? rnd.pick(['closed', 'cancelled']) : 'open';
      doc.getMap('tasks').set(id, { id, stationId: station, title: `协查${id}（${i}）`, state });
    } else if (r < 0.85) {
      const taskId = `t${rnd.int(6)}`;
      const status = rnd.pick(['acknowledged', 'accepted', 'declined', 'resolved']);
      doc
        .getMap('responses')
        .set(`${station}:${taskId}`, { taskId, taskStationId: station, stationId: station, status });
    } else if (rnd.chance(0.2)) doc.getMap('annotations').delete(`a${rnd.int(20)}`);
    else doc.getMap('annotations').set(`a${rnd.int(20)}`, { id: 'a', label: `标注${i}` });
  }
  doc.destroy();
  return out;
}

/**
 * The events a naive reading of the logs gives: each update applied to a fresh copy in seq order,
 * each record compared as JSON with the one before, by the events' rules (docs/replay.md).
 */
function naiveEvents(logs: ReadonlyMap<string, readonly LoggedUpdate[]>): ReplayTimeline['events'] {
  const out: ReplayTimeline['events'] = [];
  const titles = new Map<string, string>();
  for (const [scope, log] of logs) {
    const doc = new Y.Doc();
    let before: Record<string, Record<string, Record<string, unknown>>> = {};
    for (const u of log) {
      Y.applyUpdate(doc, u.update);
      const now = docJson(doc) as typeof before;
      for (const map of ['tasks', 'responses', 'units']) {
        for (const [key, v] of Object.entries(now[map] ?? {})) {
          const old = before[map]?.[key];
          if (JSON.stringify(old) === JSON.stringify(v)) continue;
          const base = { time: u.time, userId: u.userId };
          if (map === 'tasks') {
            titles.set(`${v.stationId}:${v.id}`, v.title as string);
            const task = {
              ...base,
              stationId: v.stationId as string,
              title: v.title as string,
              status: v.state as string,
              taskId: v.id as string,
              taskStationId: v.stationId as string,
            };
            if (!old) out.push({ ...task, kind: 'task_raised' });
            else if (old.state !== v.state && v.state !== 'open') out.push({ ...task, kind: 'task_closed' });
          } else if (map === 'responses') {
            if (old?.status !== v.status)
              out.push({
                ...base,
                kind: 'task_answered',
                stationId: scope,
                title: `${v.taskStationId}:${v.taskId}`,
                status: v.status as string,
                taskId: v.taskId as string,
                taskStationId: v.taskStationId as string,
              });
          } else {
            const sent = v.status === 'en_route' && old?.status !== 'en_route';
            const assigned = v.assignedTaskId !== null && v.assignedTaskId !== (old?.assignedTaskId ?? null);
            if (sent || assigned)
              out.push({
                ...base,
                kind: 'unit_dispatched',
                stationId: scope,
                title: v.callsign as string,
                status: v.status as string,
                unitId: v.id as string,
                ...(v.assignedTaskId ? { taskId: v.assignedTaskId as string } : {}),
              });
          }
        }
      }
      before = now;
    }
    doc.destroy();
  }
  // Answers carry their task's title (the last one written), the list runs in time order.
  return out
    .map((e) => (e.kind === 'task_answered' ? { ...e, title: titles.get(e.title) ?? e.taskId! } : e))
    .sort((a, b) => a.time - b.time);
}

function closedOp(id: string, logs: ReadonlyMap<string, readonly LoggedUpdate[]>): Operation {
  const times = [...logs.values()].flat().map((u) => u.time);
  return {
    id,
    name: '回放事件',
    kind: 'search',
    status: 'closed',
    stations: [DEQING, LINPING],
    createdBy: 'u-commander',
    createdAt: T0 + 10,
    closedAt: Math.max(...times) + 1_000,
    purgedAt: null,
    restoredAt: null,
  };
}

async function restore(storage: Storage, op: Operation, logs: ReadonlyMap<string, LoggedUpdate[]>): Promise<void> {
  await storage.restoreOperation(
    op,
    [...logs].map(([scope, updates]) => ({ doc: docName(op.id, scope), updates })),
    { keptBy: 'u-commander', keptAt: op.closedAt! },
  );
}

const events = (server: TestServer, token: string, op: string) =>
  api<ReplayTimeline>(server, token, 'GET', `/api/operations/${op}/replay/events`);

describe('replay events from the stored logs', () => {
  it('lists exactly the events a naive reading of the logs gives, with the logs’ extent, also when the server clock stepped back; moments equal the naive rebuild', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('commander');
    const logs = new Map([
      [COMMAND_SCOPE, [] as LoggedUpdate[]],
      [DEQING, stationLog(1, DEQING, EVERY * 2 + 450)],
      // Twice the clock steps back by more than the updates since.
      [LINPING, stationLog(2, LINPING, EVERY + 700, (i) => (i === 600 || i === 1_300 ? 400 : 0))],
    ]);
    expect(logs.get(LINPING)!.some((u, i, l) => i > 0 && u.time < l[i - 1]!.time)).toBe(true);
    const op = closedOp('replay-events-naive', logs);
    await restore(server.ctx.storage, op, logs);

    const res = await events(server, token, op.id);
    expect(res.status).toBe(200);
    const all = [...logs.values()].flat();
    const want = naiveEvents(logs);
    expect(want.length).toBeGreaterThan(500);
    expect(new Set(want.map((e) => e.kind))).toEqual(
      new Set(['task_raised', 'task_closed', 'task_answered', 'unit_dispatched']),
    );
    expect(res.body.events).toEqual(want);
    expect(res.body.updates).toBe(all.length);
    expect(res.body.from).toBe(Math.min(op.createdAt, ...all.map((u) => u.time)));
    expect(res.body.to).toBe(op.closedAt);

    // Moments around the steps back and the checkpoint boundaries, through the API.
    const linping = logs.get(LINPING)!;
    const times = [...new Set(linping.map((u) => u.time))].sort((a, b) => a - b);
    const moments = [T0 - 1, ...times.filter((_, i) => i % 250 === 0), linping[EVERY - 1]!.time, times.at(-1)!];
    for (const at of moments) {
      const state = await api<{ docs: Array<{ scope: string; updates: number; json: unknown }> }>(
        server,
        token,
        'GET',
        `/api/operations/${op.id}/replay/state?at=${at}`,
      );
      const got = state.body.docs.find((d) => d.scope === LINPING)!;
      const doc = new Y.Doc();
      for (const u of linping) if (u.time <= at) Y.applyUpdate(doc, u.update);
      expect(got.json, `at ${at}`).toEqual(docJson(doc));
      expect(got.updates).toBe(linping.filter((u) => u.time <= at).length);
      doc.destroy();
    }
  });

  it('follows a log restored over the one listed before: the events are those of the new log', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('commander');
    const first = new Map([
      [DEQING, stationLog(5, DEQING, 400)],
      [LINPING, stationLog(6, LINPING, 300)],
    ]);
    const op = closedOp('replay-events-restored', first);
    await restore(server.ctx.storage, op, first);
    const before = await events(server, token, op.id);
    expect(before.body.events).toEqual(naiveEvents(first));

    // The same documents purged (the restore's hold lifted first) and restored from another
    // archive (fewer, other updates).
    await server.ctx.storage.setOperationHold(op.id, null, Date.now());
    await server.ctx.storage.purgeOperationDocs(
      op.id,
      [COMMAND_SCOPE, DEQING, LINPING].map((s) => docName(op.id, s)),
      Date.now(),
    );
    const second = new Map([
      [DEQING, stationLog(7, DEQING, 250)],
      [LINPING, stationLog(8, LINPING, 120)],
    ]);
    await restore(server.ctx.storage, { ...op, restoredAt: Date.now() }, second);
    const after = await events(server, token, op.id);
    expect(after.status).toBe(200);
    expect(after.body.updates).toBe([...second.values()].reduce((n, l) => n + l.length, 0));
    expect(after.body.events).toEqual(naiveEvents(second));
    expect(after.body.events).not.toEqual(before.body.events);
  });

  it('reads each log in pages, never whole, and stores the exact checkpoints of a log that has none', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('commander');
    const storage = server.ctx.storage;
    const OP = 'replay-events-paged';
    expect(
      (
        await api(server, token, 'POST', '/api/operations', {
          id: OP,
          name: '分页',
          kind: 'search',
          stations: [DEQING, LINPING],
        })
      ).status,
    ).toBe(201);
    // Written straight into the log (no room, so no live checkpoint writer): no checkpoint stored.
    const doc = docName(OP, DEQING);
    const log = stationLog(9, DEQING, EVERY * 2 + 2_300);
    for (const u of log) await storage.appendUpdate(doc, u.update, { sessionId: null, userId: u.userId });
    expect(await storage.readReplayCheckpoints(doc, 0, 10)).toEqual([]);
    const reads: Array<{ kind: string; rows: number }> = [];
    const page = storage.readUpdateLogPage.bind(storage);
    storage.readUpdateLogPage = async (d, afterSeq, limit, throughSeq) => {
      const out = await page(d, afterSeq, limit, throughSeq);
      reads.push({ kind: 'page', rows: out.length });
      return out;
    };
    const whole = storage.readUpdateLog.bind(storage);
    storage.readUpdateLog = async (d) => {
      const out = await whole(d);
      reads.push({ kind: 'whole', rows: out.length });
      return out;
    };

    const res = await events(server, token, OP);
    expect(res.status).toBe(200);
    expect(res.body.updates).toBeGreaterThanOrEqual(log.length);
    expect(reads.filter((r) => r.kind === 'whole')).toEqual([]);
    expect(reads.filter((r) => r.rows > 1_000).length).toBeGreaterThan(1);
    for (const r of reads) expect(r.rows).toBeLessThanOrEqual(2_000);
    storage.readUpdateLog = whole;

    const stored = await whole(doc);
    const cps = await storage.readReplayCheckpoints(doc, 0, 10);
    expect(cps.map((c) => c.count)).toEqual(
      Array.from({ length: Math.floor(stored.length / EVERY) }, (_, i) => (i + 1) * EVERY),
    );
    expect(cps.length).toBe(4);
    for (const cp of cps) {
      expect(stored[cp.count - 1]!.seq).toBe(cp.seq);
      expect(cp.maxTime).toBe(Math.max(...stored.slice(0, cp.count).map((u) => u.time)));
      const want = new Y.Doc();
      for (const u of stored.slice(0, cp.count)) Y.applyUpdate(want, u.update);
      const got = new Y.Doc();
      Y.applyUpdate(got, cp.state);
      expect(Y.equalSnapshots(Y.snapshot(got), Y.snapshot(want))).toBe(true);
      expect(docJson(got)).toEqual(docJson(want));
      got.destroy();
      want.destroy();
    }
  });
});
