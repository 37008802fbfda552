import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  COMMAND_SCOPE,
  operationDocNames,
  type Alert,
  type ReplayPositionsBody,
  type ReplayState,
  type ReplayTimeline,
  type Task,
  type Unit,
} from '@jointmap/shared';
import { fixAt } from '../api/archive-helpers.ts';
import { newTaskId, openConsoles, type ConsoleState } from '../helpers/op-console.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/sync-client.ts';
import {
  answer,
  DEQING,
  LINPING,
  missingPersonTask,
  raise,
  squareSectorSearch,
  TONGXIANG,
  tricounty,
} from '../helpers/tasks.ts';
import { api } from '../live/live-helpers.ts';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CAR = 'yuyue-car-01';

/** The replayed documents in the shape of `OperationConsole.state()` (non-empty maps only). */
function asConsoleState(body: ReplayState): ConsoleState {
  const out: ConsoleState = {};
  for (const d of body.docs) {
    out[d.scope] = Object.fromEntries(
      Object.entries(d.json ?? {})
        .filter(([, m]) => Object.keys(m).length > 0)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  }
  return out;
}

const stateAt = (server: TestServer, token: string, at: number, op = DEMO_OP) =>
  api<ReplayState>(server, token, 'GET', `/api/operations/${op}/replay/state?at=${at}`);

describe('operation replay', () => {
  it('gives, for several moments, exactly the documents the live consoles held at that moment, and the events to jump to', async (t) => {
    const { server, linping, deqing, tongxiang, wall } = await tricounty(t);
    // What the read-only wall holds once it has seen `done`: a change is stored before it is relayed.
    const recorded: Array<{ at: number; state: ConsoleState }> = [];
    const step = async (write: () => void, done: () => boolean) => {
      write();
      await eventually(done);
      await pause(3);
      recorded.push({ at: Date.now(), state: wall.state() });
      await pause(3);
    };
    await pause(3);
    recorded.push({ at: Date.now(), state: wall.state() });
    await pause(3);
    const task = missingPersonTask(newTaskId(), { title: '走失老人协查（回放）' });
    await step(
      () => raise(linping, task),
      () => wall.task(LINPING, task.id) !== undefined,
    );
    await step(
      () => answer(deqing, task, 'accepted'),
      () => wall.doc(DEQING).getMap('responses').size === 1,
    );
    const car = deqing.doc(DEQING).getMap<Unit>('units').get(CAR)!;
    await step(
      () =>
        deqing.write(DEQING, {
          type: 'put',
          map: 'units',
          key: CAR,
          value: { ...car, status: 'en_route', assignedTaskId: task.id },
        }),
      () => wall.unit(CAR)?.status === 'en_route',
    );
    await step(
      () =>
        tongxiang.write(TONGXIANG, {
          type: 'put',
          map: 'annotations',
          key: 'gate',
          value: pointAnnotation('gate', '卡口'),
        }),
      () => wall.doc(TONGXIANG).getMap('annotations').size === 1,
    );
    await step(
      () => raise(linping, { ...task, state: 'closed', updatedAt: Date.now() }),
      () => wall.task(LINPING, task.id)?.state === 'closed',
    );

    // Newest moment first (a cold cache walks the logs once), then the rest in either direction.
    const order = [...recorded].reverse().concat(recorded);
    for (const r of order) {
      const res = await stateAt(server, tongxiang.token, r.at);
      expect(res.status).toBe(200);
      expect(asConsoleState(res.body), `at ${r.at}`).toEqual(r.state);
    }
    // The encoded form is the same document.
    const last = recorded.at(-1)!;
    const yjs = await api<ReplayState>(
      server,
      wall.token,
      'GET',
      `/api/operations/${DEMO_OP}/replay/state?at=${last.at}&format=yjs`,
    );
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Buffer.from(yjs.body.docs.find((d) => d.scope === LINPING)!.state!, 'base64'));
    expect(doc.getMap<Task>('tasks').get(task.id)?.state).toBe('closed');

    const ev = await api<ReplayTimeline>(server, linping.token, 'GET', `/api/operations/${DEMO_OP}/replay/events`);
    expect(ev.status).toBe(200);
    const mine = ev.body.events.filter((e) => e.taskId === task.id);
    expect(mine.map((e) => [e.kind, e.stationId, e.status])).toEqual([
      ['task_raised', LINPING, 'open'],
      ['task_answered', DEQING, 'accepted'],
      ['unit_dispatched', DEQING, 'en_route'],
      ['task_closed', LINPING, 'closed'],
    ]);
    expect(mine[1]!.title).toBe('走失老人协查（回放）');
    // Each event falls between the moments recorded around its step.
    mine.forEach((e, i) => {
      const step = i === 3 ? 5 : i + 1;
      expect(e.time).toBeGreaterThan(recorded[step - 1]!.at);
      expect(e.time).toBeLessThanOrEqual(recorded[step]!.at);
    });
    expect(ev.body.from).toBeLessThanOrEqual(recorded[0]!.at);
  });

  it('gives each unit’s newest fix at or before a moment, by the newest-fix rule (equal times: the greater device id)', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    // Within the operation's window (a replay shows no fix from before its start).
    const t0 = (await server.ctx.storage.getOperation(DEMO_OP))!.createdAt + 1_000;
    const fix = (time: number, deviceId: string, i: number) => ({ ...fixAt(DEQING, 'replay-car', time, i), deviceId });
    await server.ctx.storage.appendPositions([
      fix(t0, 'dev-a', 0),
      fix(t0 + 100, 'dev-a', 1),
      fix(t0 + 200, 'dev-b', 2),
      fix(t0 + 200, 'dev-a', 3),
      fix(t0 + 300, 'dev-a', 4),
    ]);
    await pause(Math.max(0, t0 + 1_000 - Date.now())); // a moment after the server's now reads as now
    const at = async (ms: number) => {
      const res = await api<ReplayPositionsBody>(
        server,
        token,
        'GET',
        `/api/operations/${DEMO_OP}/replay/positions?at=${ms}`,
      );
      expect(res.status).toBe(200);
      return res.body.positions.find((p) => p.unitId === 'replay-car');
    };
    expect(await at(t0 - 1)).toBeUndefined();
    expect((await at(t0))!.time).toBe(t0);
    expect((await at(t0 + 199))!.time).toBe(t0 + 100);
    expect(await at(t0 + 200)).toMatchObject({ time: t0 + 200, deviceId: 'dev-b' });
    expect((await at(t0 + 250))!.lngLat[0]).toBeCloseTo(120.3 + 2 * 0.0001, 9);
    expect((await at(t0 + 900))!.time).toBe(t0 + 300);
  });

  it('a closed operation gives another station’s positions only within its own time: a later moment reads as the close', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const commander = (await server.login('commander')).token;
    const createdAt = (await server.ctx.storage.getOperation(DEMO_OP))!.createdAt;
    const t0 = Date.now();
    await server.ctx.storage.appendPositions([
      fixAt(LINPING, 'yunhe-car-02', createdAt - 60_000, 2),
      fixAt(LINPING, 'yunhe-car-01', t0, 0),
    ]);
    expect((await api(server, commander, 'POST', `/api/operations/${DEMO_OP}/close`)).status).toBe(200);
    const closedAt = (await server.ctx.storage.getOperation(DEMO_OP))!.closedAt!;
    await server.ctx.storage.appendPositions([fixAt(LINPING, 'yunhe-car-01', closedAt + 1_000, 1)]);
    const res = await api<ReplayPositionsBody>(
      server,
      token,
      'GET',
      `/api/operations/${DEMO_OP}/replay/positions?at=${closedAt + 60_000}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.at).toBe(closedAt);
    expect(res.body.positions.find((p) => p.unitId === 'yunhe-car-01')?.time).toBe(t0);
    // From before the operation, nothing of 临平: not its last fix then, not a moment then.
    expect(res.body.positions.find((p) => p.unitId === 'yunhe-car-02')).toBeUndefined();
    const before = await api<ReplayPositionsBody>(
      server,
      token,
      'GET',
      `/api/operations/${DEMO_OP}/replay/positions?at=${createdAt - 30_000}`,
    );
    expect(before.body.positions.filter((p) => p.stationId === LINPING)).toEqual([]);
  });

  it('gives the alerts raised by a moment, each in the state it had then, and lists them as events', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const t0 = Date.now() - 120_000;
    const alert: Alert = {
      id: 'replay-sos',
      operationId: DEMO_OP,
      stationId: DEQING,
      unitId: CAR,
      ruleId: null,
      ruleScope: null,
      ruleName: 'SOS',
      kind: 'sos',
      time: t0 - 500,
      raisedAt: t0,
      lngLat: [120.3, 30.5],
      evidence: { alarm: 'SOS' },
      state: 'resolved',
      acknowledgedBy: { id: 'u-deqing', name: '禹越值班民警' },
      acknowledgedAt: t0 + 10_000,
      resolvedBy: { id: 'u-deqing', name: '禹越值班民警' },
      resolvedAt: t0 + 20_000,
    };
    expect(await server.ctx.storage.insertAlert(alert)).toBe(true);
    const at = async (ms: number) => {
      const res = await api<{ full: boolean; alerts: Alert[] }>(
        server,
        token,
        'GET',
        `/api/operations/${DEMO_OP}/replay/alerts?at=${ms}`,
      );
      expect(res.status).toBe(200);
      return res.body.alerts.find((a) => a.id === alert.id);
    };
    expect(await at(t0 - 1)).toBeUndefined();
    expect(await at(t0 + 5_000)).toMatchObject({
      state: 'open',
      acknowledgedBy: null,
      acknowledgedAt: null,
      resolvedAt: null,
    });
    expect(await at(t0 + 15_000)).toMatchObject({
      state: 'acknowledged',
      acknowledgedAt: t0 + 10_000,
      resolvedAt: null,
    });
    expect(await at(t0 + 25_000)).toEqual(alert);
    const ev = await api<ReplayTimeline>(server, token, 'GET', `/api/operations/${DEMO_OP}/replay/events`);
    expect(ev.body.events.filter((e) => e.kind === 'alert')).toEqual([
      expect.objectContaining({ time: t0, stationId: DEQING, title: 'SOS', status: 'sos' }),
    ]);
  });

  it('gives search-sector coverage at a moment from the tracks up to it: none before the sweep, growing along it, frozen once the search ended', async (t) => {
    const server = await startServer(t);
    const [boss] = await openConsoles(t, server, ['commander']);
    const { search, sector, change } = squareSectorSearch({
      taskId: newTaskId(),
      commanderId: boss!.user.id,
      sw: [120.3, 30.5],
      ne: [120.31, 30.509],
      stationId: DEQING,
      sweepWidthM: 100,
      now: Date.now(),
    });
    boss!.write(COMMAND_SCOPE, change);
    const fraction = async (at: number) => {
      const res = await api<{ full: boolean; sectors: Array<{ sectorId: string; fraction: number }> }>(
        server,
        boss!.token,
        'GET',
        `/api/operations/${DEMO_OP}/replay/coverage?at=${at}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.full).toBe(true);
      return res.body.sectors.find((x) => x.sectorId === sector.id)?.fraction ?? null;
    };
    for (let i = 0; i < 250 && (await fraction(Date.now())) === null; i++) await pause(20); // stored
    // The search ends (its record says when: 0.65 s into the sweep below).
    const base = Date.now() + 100;
    boss!.write(COMMAND_SCOPE, {
      type: 'put',
      map: 'searches',
      key: search.id,
      value: { ...search, status: 'closed', updatedAt: base + 650 },
    });
    await eventually(
      () => boss!.doc(COMMAND_SCOPE).getMap<{ status: string }>('searches').get(search.id)?.status === 'closed',
    );
    // A 德清 car drives west to east through the middle of the square, a fix every 100 ms.
    await server.ctx.storage.appendPositions(
      Array.from({ length: 12 }, (_, i) => ({
        ...fixAt(DEQING, 'sweep-car', base + i * 100),
        lng: 120.2995 + i * 0.001,
        lat: 30.5045,
      })),
    );
    // Before the search was stored there is no sector at all.
    expect(await fraction(search.createdAt - 60_000)).toBeNull();
    await pause(Math.max(0, base + 1_400 - Date.now())); // a moment after the server's now reads as now
    const [before, early, atEnd, later] = [
      await fraction(base - 50),
      await fraction(base + 350),
      await fraction(base + 650),
      await fraction(base + 1_300),
    ];
    expect(before).toBe(0);
    expect(early).toBeGreaterThan(0.01);
    expect(atEnd).toBeGreaterThan(early!);
    expect(later).toBe(atEnd);
  });

  it('never changes the live documents and loads no room: update logs, stored state and open consoles stay as they were', async (t) => {
    const server = await startServer(t);
    const commander = (await server.login('commander')).token;
    const OP = 'op-replay-ro';
    await api(server, commander, 'POST', '/api/operations', {
      id: OP,
      name: '只读回放',
      kind: 'search',
      stations: [DEQING, LINPING],
    });
    const [boss] = await openConsoles(t, server, ['commander'], OP);
    for (let i = 0; i < 30; i++)
      boss!.write(DEQING, {
        type: 'put',
        map: 'annotations',
        key: `a${i % 7}`,
        value: pointAnnotation(`a${i % 7}`, `点${i}`),
      });
    const names = operationDocNames(OP, [DEQING, LINPING]);
    const logged = async () => Promise.all(names.map(async (n) => (await server.ctx.storage.readUpdateLog(n)).length));
    await eventually(() => boss!.client(DEQING).provider.synced);
    for (let i = 0; i < 50 && (await logged())[1]! < 31; i++) await pause(100);
    boss!.destroy();
    for (const n of names) await server.ctx.rooms.evict(n);
    expect(names.map((n) => server.ctx.rooms.has(n))).toEqual([false, false, false]);
    const before = {
      logs: await logged(),
      stored: await Promise.all(names.map((n) => server.ctx.storage.loadDoc(n))),
    };

    const now = Date.now();
    for (const at of [now - 60_000, now - 100, now + 1_000])
      expect((await stateAt(server, commander, at, OP)).status).toBe(200);
    expect((await api(server, commander, 'GET', `/api/operations/${OP}/replay/events`)).status).toBe(200);
    expect((await api(server, commander, 'GET', `/api/operations/${OP}/replay/positions?at=${now}`)).status).toBe(200);

    expect(names.map((n) => server.ctx.rooms.has(n))).toEqual([false, false, false]);
    expect(await logged()).toEqual(before.logs);
    expect(await Promise.all(names.map((n) => server.ctx.storage.loadDoc(n)))).toEqual(before.stored);

    // And with the documents open live: replaying them leaves a live console's state as it was.
    const [live] = await openConsoles(t, server, ['commander'], OP);
    const liveBefore = live!.state();
    await stateAt(server, commander, Date.now() + 5_000, OP);
    await pause(200);
    expect(live!.state()).toEqual(liveBefore);
    expect(await logged()).toEqual(before.logs);
  });

  it('refuses a user who does not see the operation with NOT_FOUND, and malformed moments with INVALID_PAYLOAD', async (t) => {
    const server = await startServer(t);
    const commander = (await server.login('commander')).token;
    const OP = 'op-replay-private';
    await api(server, commander, 'POST', '/api/operations', {
      id: OP,
      name: '两站联动',
      kind: 'search',
      stations: [DEQING, LINPING],
    });
    const tongxiang = (await server.login('tongxiang')).token;
    for (const path of [
      `state?at=${Date.now()}`,
      'events',
      `positions?at=${Date.now()}`,
      `coverage?at=${Date.now()}`,
    ]) {
      const res = await api<{ error: { code: string } }>(
        server,
        tongxiang,
        'GET',
        `/api/operations/${OP}/replay/${path}`,
      );
      expect([path, res.status, res.body.error.code]).toEqual([path, 404, 'NOT_FOUND']);
    }
    const deqing = (await server.login('deqing')).token;
    expect((await stateAt(server, deqing, Date.now(), OP)).status).toBe(200);
    for (const bad of ['abc', '-5', '1.5', '']) {
      const res = await api<{ error: { code: string } }>(
        server,
        deqing,
        'GET',
        `/api/operations/${OP}/replay/state?at=${bad}`,
      );
      expect([bad, res.status, res.body.error.code]).toEqual([bad, 400, 'INVALID_PAYLOAD']);
    }
  });
});
