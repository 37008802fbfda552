import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  answerTask,
  applyChange,
  dispatchChanges,
  docName,
  readMap,
  type Change,
  type ResponseStatus,
  type Task,
  type Unit,
} from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { buildApp, type BuiltApp } from '../app.ts';
import { defaultConfig } from '../config.ts';
import type { RoomManager } from '../rooms/room-manager.ts';
import { EndedTaskRelease } from './ended-release.ts';

const OP = 'demo-tricounty';
const DEQING = 'deqing-yuyue';
const LINPING = 'linping-yunhe';
const UNIT = 'yuyue-car-01';
const PASSWORD = 'release-pass-1';
const silent = { warn: () => undefined };
const apps: BuiltApp[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const b of apps.splice(0)) await b.app.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The whole server on a fresh data directory, its own release stopped: each test drives one. */
async function start(): Promise<BuiltApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jointmap-release-'));
  dirs.push(dataDir);
  const built = await buildApp(
    defaultConfig({ dataDir, demoPassword: PASSWORD, logLevel: 'silent', simulate: false }),
    { logger: false },
  );
  apps.push(built);
  await built.endedRelease.close();
  return built;
}

async function write(built: BuiltApp, scope: string, change: Change): Promise<void> {
  const room = await built.ctx.rooms.get(docName(OP, scope));
  await room.serverChange((doc) => applyChange(doc, 'station', change, { source: 'server' }, scope));
}

async function unit(built: BuiltApp, stationId = DEQING, unitId = UNIT): Promise<Unit> {
  return readMap<Unit>((await built.ctx.rooms.get(docName(OP, stationId))).doc, 'units').get(unitId)!;
}

/** 临平 raises a task; `stationId` sends `unitId` to it (en route). */
async function sentTo(built: BuiltApp, id: string, stationId = DEQING, unitId = UNIT): Promise<Task> {
  const task = fixtures.missingPersonTask({ id, updatedAt: Date.now() });
  await write(built, LINPING, { type: 'put', map: 'tasks', key: task.id, value: task });
  await write(
    built,
    stationId,
    dispatchChanges([await unit(built, stationId, unitId)], task.id, Date.now()).get(stationId)!,
  );
  return task;
}

/** `stationId`'s answer to `task`, in its own document. */
async function answer(built: BuiltApp, task: Task, stationId: string, status: ResponseStatus): Promise<void> {
  const { key, value } = answerTask(task, stationId, status, `u-${stationId}`, Date.now());
  await write(built, stationId, { type: 'put', map: 'responses', key, value });
}

/** 德清's car sent to 临平's task, which 临平 then closed: the car is left on an ended task. */
async function leftOnClosedTask(built: BuiltApp): Promise<string> {
  const task = fixtures.missingPersonTask({ id: 't-release01', updatedAt: Date.now() });
  await write(built, LINPING, { type: 'put', map: 'tasks', key: task.id, value: task });
  await write(built, DEQING, dispatchChanges([await unit(built)], task.id, Date.now()).get(DEQING)!);
  await write(built, LINPING, { type: 'put', map: 'tasks', key: task.id, value: { ...task, state: 'closed' } });
  expect((await unit(built)).assignedTaskId).toBe(task.id);
  return task.id;
}

describe('EndedTaskRelease', { timeout: 60_000 }, () => {
  it('writes the releases still waiting when it is closed (shutdown), not only those already running', async () => {
    const built = await start();
    await leftOnClosedTask(built);
    const release = new EndedTaskRelease({
      storage: built.ctx.storage,
      rooms: built.ctx.rooms,
      log: silent,
      delayMs: 60_000,
    });
    release.onCommitted((await built.ctx.rooms.get(docName(OP, LINPING))).id, new Set(['tasks']));
    await release.close();
    expect(await unit(built)).toMatchObject({ status: 'available', assignedTaskId: null });
  });

  it('writes nothing into an operation closed while the release was loading its documents', async () => {
    const built = await start();
    const taskId = await leftOnClosedTask(built);
    const login = await built.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'commander', password: PASSWORD },
    });
    const token = (login.json() as { token: string }).token;
    let closed = false;
    // The commander closes the operation between the release's first look and its loading the rooms.
    const rooms: Pick<RoomManager, 'get'> = {
      get: async (name) => {
        if (!closed) {
          closed = true;
          const res = await built.app.inject({
            method: 'POST',
            url: `/api/operations/${OP}/close`,
            headers: { authorization: `Bearer ${token}` },
          });
          expect(res.statusCode).toBe(200);
        }
        return built.ctx.rooms.get(name);
      },
    };
    const release = new EndedTaskRelease({ storage: built.ctx.storage, rooms, log: silent });
    expect(await release.release(OP)).toBe(0);
    expect(closed).toBe(true);
    expect((await unit(built)).assignedTaskId).toBe(taskId);
  });

  it('releases a unit left on an ended task and leaves the units of open tasks alone', async () => {
    const built = await start();
    await leftOnClosedTask(built);
    const open = fixtures.missingPersonTask({ id: 't-release02', updatedAt: Date.now() });
    await write(built, LINPING, { type: 'put', map: 'tasks', key: open.id, value: open });
    const drone = readMap<Unit>((await built.ctx.rooms.get(docName(OP, DEQING))).doc, 'units').get('drone-01')!;
    await write(built, DEQING, dispatchChanges([drone], open.id, Date.now()).get(DEQING)!);
    const release = new EndedTaskRelease({ storage: built.ctx.storage, rooms: built.ctx.rooms, log: silent });
    expect(await release.release(OP)).toBe(1);
    expect(await unit(built)).toMatchObject({ status: 'available', assignedTaskId: null });
    const after = readMap<Unit>((await built.ctx.rooms.get(docName(OP, DEQING))).doc, 'units').get('drone-01')!;
    expect(after).toMatchObject({ status: 'en_route', assignedTaskId: open.id });
    expect(await release.release(OP)).toBe(0); // nothing left to release
  });
  it('tries a release again when its write failed, and releases the other stations meanwhile', async () => {
    const built = await start();
    const taskId = await leftOnClosedTask(built);
    // 桐乡's car on the same task: its station's release must not wait for 德清's.
    const tongxiang = 'tongxiang-zhouquan';
    const car = readMap<Unit>((await built.ctx.rooms.get(docName(OP, tongxiang))).doc, 'units').get('zhouquan-car-01')!;
    await write(built, tongxiang, dispatchChanges([car], taskId, Date.now()).get(tongxiang)!);
    // The first append to 德清's document fails (a full disk, a lost database link).
    const storage = built.ctx.storage;
    const append = storage.appendUpdate.bind(storage);
    let failures = 0;
    storage.appendUpdate = async (doc, update, author) => {
      if (doc === docName(OP, DEQING) && failures === 0) {
        failures++;
        throw new Error('disk full');
      }
      return append(doc, update, author);
    };
    const warnings: unknown[] = [];
    const release = new EndedTaskRelease({
      storage,
      rooms: built.ctx.rooms,
      log: { warn: (o: unknown) => warnings.push(o) },
      delayMs: 0,
      retryMs: 300,
    });
    release.onCommitted((await built.ctx.rooms.get(docName(OP, LINPING))).id, new Set(['tasks']));
    const other = async () =>
      readMap<Unit>((await built.ctx.rooms.get(docName(OP, tongxiang))).doc, 'units').get('zhouquan-car-01')!;
    const until = async (what: () => Promise<boolean> | boolean) => {
      const deadline = Date.now() + 10_000;
      while (!(await what()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };
    await until(() => warnings.length > 0);
    // The first attempt failed for 德清 only: 桐乡's car is free already, 德清's waits for the retry.
    expect(await other()).toMatchObject({ status: 'available', assignedTaskId: null });
    expect((await unit(built)).assignedTaskId).toBe(taskId);
    await until(async () => (await unit(built)).assignedTaskId === null);
    expect(failures).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(await unit(built)).toMatchObject({ status: 'available', assignedTaskId: null });
    await release.close();
  });

  it('idle() resolves only once every due release is written, one retried after a failed write included', async () => {
    const built = await start();
    const taskId = await leftOnClosedTask(built);
    const storage = built.ctx.storage;
    const append = storage.appendUpdate.bind(storage);
    let failures = 0;
    storage.appendUpdate = async (doc, update, author) => {
      if (doc === docName(OP, DEQING) && failures++ === 0) throw new Error('disk full');
      return append(doc, update, author);
    };
    const release = new EndedTaskRelease({ storage, rooms: built.ctx.rooms, log: silent, delayMs: 50, retryMs: 200 });
    await release.idle(); // nothing due: at once
    expect((await unit(built)).assignedTaskId).toBe(taskId);
    release.onCommitted((await built.ctx.rooms.get(docName(OP, LINPING))).id, new Set(['tasks']));
    await release.idle();
    expect(failures).toBe(2); // the failed write and its retry
    expect(await unit(built)).toMatchObject({ status: 'available', assignedTaskId: null });
    await release.close();
  });

  it('releases the units a station had on a task it declined, not other stations’ units on it, nor after a re-accept, nor one sent there after the decline', async () => {
    const built = await start();
    const TONGXIANG = 'tongxiang-zhouquan';
    const declined = await sentTo(built, 't-declined01');
    await write(
      built,
      TONGXIANG,
      dispatchChanges([await unit(built, TONGXIANG, 'zhouquan-car-01')], declined.id, Date.now()).get(TONGXIANG)!,
    );
    await answer(built, declined, DEQING, 'declined');
    await answer(built, declined, TONGXIANG, 'accepted');
    // 德清 declined this one, then took it after all: the newest answer decides.
    const retaken = await sentTo(built, 't-retaken01', DEQING, 'drone-01');
    await answer(built, retaken, DEQING, 'declined');
    await answer(built, retaken, DEQING, 'accepted');

    const release = new EndedTaskRelease({ storage: built.ctx.storage, rooms: built.ctx.rooms, log: silent });
    expect(await release.release(OP)).toBe(1);
    expect(await unit(built)).toMatchObject({ status: 'available', assignedTaskId: null });
    expect(await unit(built, TONGXIANG, 'zhouquan-car-01')).toMatchObject({
      status: 'en_route',
      assignedTaskId: declined.id,
    });
    expect(await unit(built, DEQING, 'drone-01')).toMatchObject({ status: 'en_route', assignedTaskId: retaken.id });

    // A commander sends 德清's car back to the task 德清 declined, on purpose: it stays sent.
    await write(built, DEQING, dispatchChanges([await unit(built)], declined.id, Date.now() + 1000).get(DEQING)!);
    expect(await release.release(OP)).toBe(0);
    expect(await unit(built)).toMatchObject({ status: 'en_route', assignedTaskId: declined.id });
  });

  for (const order of ['the release first', 'the move first'] as const) {
    it(`a commander’s move of a declined task’s unit to another task, concurrent with the decline, survives (${order})`, async () => {
      const built = await start();
      const declined = await sentTo(built, 't-declined02');
      const next = fixtures.missingPersonTask({ id: 't-nexttask01', updatedAt: Date.now() });
      await write(built, LINPING, { type: 'put', map: 'tasks', key: next.id, value: next });
      const room = await built.ctx.rooms.get(docName(OP, DEQING));
      // The commander, not yet aware of the decline, moves the car on (a Yjs client id above the release's).
      const commander = new Y.Doc();
      commander.clientID = 70_000;
      Y.applyUpdate(commander, Y.encodeStateAsUpdate(room.doc));
      const before = Y.encodeStateVector(commander);
      const moved = dispatchChanges([await unit(built)], next.id, Date.now()).get(DEQING)!;
      applyChange(commander, 'station', moved, { source: 'server' }, DEQING);
      const move = Y.encodeStateAsUpdate(commander, before);
      await answer(built, declined, DEQING, 'declined');

      const release = new EndedTaskRelease({ storage: built.ctx.storage, rooms: built.ctx.rooms, log: silent });
      if (order === 'the release first') {
        expect(await release.release(OP)).toBe(1);
        await room.serverChange((doc) => Y.applyUpdate(doc, move));
      } else {
        await room.serverChange((doc) => Y.applyUpdate(doc, move));
        expect(await release.release(OP)).toBe(0);
      }
      expect(await unit(built)).toMatchObject({ status: 'en_route', assignedTaskId: next.id });
      // The commander's copy, given the room's, agrees.
      Y.applyUpdate(commander, Y.encodeStateAsUpdate(room.doc));
      expect(readMap<Unit>(commander, 'units').get(UNIT)).toMatchObject({
        status: 'en_route',
        assignedTaskId: next.id,
      });
      expect(await release.release(OP)).toBe(0);
      commander.destroy();
    });
  }
});
