import { describe, expect, it } from 'vitest';
import { applyChange, docName, type Unit } from '@jointmap/shared';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { api } from './live-helpers.ts';

const YUYUE = 'deqing-yuyue';

async function unitOf(server: TestServer, unitId: string): Promise<Unit | undefined> {
  const room = await server.ctx.rooms.get(docName(DEMO_OP, YUYUE));
  await room.idle();
  return room.doc.getMap<Unit>('units').get(unitId);
}

const put = (server: TestServer, token: string, status?: string) =>
  api<Unit & { error?: { code: string } }>(server, token, 'POST', `/api/operations/${DEMO_OP}/units`, {
    id: 'car-09',
    callsign: '禹越巡09',
    kind: 'car',
    stationId: YUYUE,
    ...(status ? { status } : {}),
  });

describe('POST /api/operations/:id/units', () => {
  it('a status of available or off duty takes the unit off its task; another status, or none, keeps it there', async (t) => {
    const server = await startServer(t, { simulate: false });
    const { token } = await server.login('deqing');
    expect((await put(server, token)).status).toBe(201);
    // Sent to a task (as a dispatch writes it).
    const room = await server.ctx.rooms.get(docName(DEMO_OP, YUYUE));
    await room.serverChange((doc) => {
      const unit = doc.getMap<Unit>('units').get('car-09')!;
      const value = { ...unit, status: 'en_route', assignedTaskId: 't-abcdefghij' } as const;
      applyChange(doc, 'station', { type: 'put', map: 'units', key: unit.id, value }, { source: 'server' });
    });
    for (const status of [undefined, 'on_scene', 'busy']) {
      expect((await put(server, token, status)).body).toMatchObject({ assignedTaskId: 't-abcdefghij' });
    }
    expect(await unitOf(server, 'car-09')).toMatchObject({ status: 'busy', assignedTaskId: 't-abcdefghij' });
    expect((await put(server, token, 'off_duty')).body).toMatchObject({ status: 'off_duty', assignedTaskId: null });
    expect(await unitOf(server, 'car-09')).toMatchObject({ status: 'off_duty', assignedTaskId: null });
  });

  it('a unit written while the operation closes (after its check, before its room loaded) is refused with FORBIDDEN and not stored', async (t) => {
    const server = await startServer(t, { simulate: false });
    const { token } = await server.login('commander');
    const rooms = server.ctx.rooms;
    const get = rooms.get.bind(rooms);
    // The close lands while the write waits for its room: stored, and the rooms unloaded.
    rooms.get = async (name: string) => {
      rooms.get = get;
      expect(await server.ctx.storage.closeOperation(DEMO_OP, Date.now())).toBe(true);
      await rooms.evict(name);
      return get(name);
    };
    const refused = await put(server, token);
    expect([refused.status, refused.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    expect(rooms.get).toBe(get);
    expect(await unitOf(server, 'car-09')).toBeUndefined();
  });
});
