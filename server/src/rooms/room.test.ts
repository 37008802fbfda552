import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as decoding from 'lib0/decoding';
import { expect, test } from 'vitest';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { Room, type RoomSession, type RoomSocket } from './room.ts';

const session: RoomSession = {
  sessionId: 's',
  access: 'read',
  user: { id: 'u-wall', name: '大屏', role: 'viewer', stationId: null },
};

test('a quiet room keeps its connections alive with no-op messages', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-room-'));
  const store = new SqliteStorage(dir);
  const room = await Room.load('op/deqing-yuyue', 'station', store, { snapshotEvery: 100, keepaliveMs: 30 });
  const received: number[][] = [];
  const socket: RoomSocket = { send: (d) => received.push([...d]), close: () => undefined, isOpen: true };
  room.connect(socket, session);
  await new Promise((r) => setTimeout(r, 150));
  const keepalives = received.filter((m) => {
    const d = decoding.createDecoder(new Uint8Array(m));
    return decoding.readVarUint(d) === 1 && decoding.readVarUint8Array(d).join() === '0';
  });
  expect(keepalives.length).toBeGreaterThanOrEqual(2);
  await room.destroy();
  const after = received.length;
  await new Promise((r) => setTimeout(r, 100));
  expect(received.length).toBe(after);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
