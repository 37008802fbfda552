import { describe, expect, test } from 'vitest';
import { docName } from '@jointmap/shared';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { call, closeOp } from './archive-helpers.ts';

const STATION = 'deqing-yuyue';
const unit = (callsign: string) => ({ stationId: STATION, callsign, kind: 'boat' });

/**
 * `between` runs once, in a write's gap: after `roomForWrite` found the operation active and
 * before the write reaches the room (the room of the station's document was loaded, the
 * operation read).
 */
function inWriteGap(server: TestServer, between: () => Promise<void>) {
  const { rooms, storage } = server.ctx;
  const get = rooms.get.bind(rooms);
  const getOperation = storage.getOperation.bind(storage);
  let armed = true;
  rooms.get = async (name) => {
    const room = await get(name);
    if (armed && name === docName(DEMO_OP, STATION)) {
      armed = false;
      storage.getOperation = async (id) => {
        storage.getOperation = getOperation;
        const op = await getOperation(id);
        await between();
        return op;
      };
    }
    return room;
  };
  return () => {
    rooms.get = get;
    storage.getOperation = getOperation;
  };
}

async function putUnit(server: TestServer, token: string, callsign: string) {
  return call<{ error?: { code: string } }>(server, token, 'POST', `/api/operations/${DEMO_OP}/units`, unit(callsign));
}

describe('a REST write cut off before it reached its room', () => {
  test('by the close of its operation: FORBIDDEN (not STORAGE_UNAVAILABLE, which means try again)', async (t) => {
    const server = await startServer(t);
    const commander = (await server.login('commander')).token;
    const restore = inWriteGap(server, async () => {
      expect((await closeOp(server, commander)).status).toBe(200);
    });
    t.onTestFinished(restore);
    const res = await putUnit(server, commander, '关闭中');
    expect([res.status, res.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    restore();
    const roster = (await server.ctx.rooms.get(docName(DEMO_OP, STATION))).doc.getMap('units');
    expect([...roster.values()].map((u) => (u as { callsign: string }).callsign)).not.toContain('关闭中');
  });

  test('a tracker registered while its operation closes: registered, the closed operation’s roster left as it was', async (t) => {
    const server = await startServer(t);
    const commander = (await server.login('commander')).token;
    const restore = inWriteGap(server, async () => {
      expect((await closeOp(server, commander)).status).toBe(200);
    });
    t.onTestFinished(restore);
    const res = await call<{ id?: string; error?: { code: string } }>(server, commander, 'POST', '/api/devices', {
      id: 'spare-close-1',
      stationId: STATION,
      unitId: 'yuyue-car-01',
    });
    expect([res.status, res.body.error?.code]).toEqual([201, undefined]);
    restore();
    const car = (await server.ctx.rooms.get(docName(DEMO_OP, STATION))).doc.getMap('units').get('yuyue-car-01') as {
      deviceIds: string[];
    };
    expect(car.deviceIds).not.toContain('spare-close-1');
  });

  test('by an unload of its room while the operation stays active: STORAGE_UNAVAILABLE, and a retry works', async (t) => {
    const server = await startServer(t);
    const commander = (await server.login('commander')).token;
    const restore = inWriteGap(server, () => server.ctx.rooms.evict(docName(DEMO_OP, STATION)));
    t.onTestFinished(restore);
    const res = await putUnit(server, commander, '重试');
    expect([res.status, res.body.error?.code]).toEqual([503, 'STORAGE_UNAVAILABLE']);
    restore();
    expect((await putUnit(server, commander, '重试')).status).toBe(201);
  });

  test('by a storage failure: STORAGE_UNAVAILABLE', async (t) => {
    const server = await startServer(t);
    const commander = (await server.login('commander')).token;
    const storage = server.ctx.storage;
    const { appendUpdate, appendUpdates } = storage;
    const broken = () => Promise.reject(new Error('disk gone'));
    storage.appendUpdate = broken;
    if (appendUpdates) storage.appendUpdates = broken;
    t.onTestFinished(() => {
      storage.appendUpdate = appendUpdate;
      storage.appendUpdates = appendUpdates;
    });
    const res = await putUnit(server, commander, '坏盘');
    expect([res.status, res.body.error?.code]).toEqual([503, 'STORAGE_UNAVAILABLE']);
  });
});
