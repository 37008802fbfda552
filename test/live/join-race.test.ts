import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { liveRoomName } from '@jointmap/shared';
import type { LiveService } from '@jointmap/server/live/live-service';
import { attachLiveSockets } from '@jointmap/server/live/live-sockets';
import { registerSocketIo } from '@jointmap/server/plugins/socket-io';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { connectViewer, eventually } from './live-helpers.ts';

type HostApp = Parameters<typeof registerSocketIo>[0];

describe('joining while the connection goes away', () => {
  it('a socket that disconnects while its room join is pending is not left in the fan-out', async (t) => {
    // A real app for tokens and the demo operation; the socket.io side runs on its own HTTP server
    // so that its adapter can be made asynchronous, as a cluster adapter (Redis) is.
    const server = await startServer(t);
    const http = createServer();
    const closeHooks: Array<() => Promise<void>> = [];
    const host = { server: http, addHook: (_name: string, fn: () => Promise<void>) => closeHooks.push(fn) };
    const io = registerSocketIo(host as unknown as HostApp, { maxMessageBytes: 64 * 1024 });
    const live = {
      attachFanout: () => {},
      snapshot: () => [],
      options: { thresholds: { staleAfterMs: 60_000, lostAfterMs: 300_000 } },
    } as unknown as LiveService;
    const fanout = attachLiveSockets(io, server.ctx, live, 50);
    t.onTestFinished(async () => {
      fanout.close();
      for (const hook of closeHooks) await hook();
      await new Promise((resolve) => http.close(resolve));
    });

    // Room joins wait until the test lets them through.
    const adapter = io.of('/').adapter;
    const addAll = adapter.addAll.bind(adapter);
    let joinPending = false;
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    adapter.addAll = async (id, rooms) => {
      joinPending = true;
      await released;
      return addAll(id, rooms);
    };

    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const addr = http.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    const { token } = await server.login('wall');
    const viewer = connectViewer(
      t,
      `http://127.0.0.1:${addr.port}`,
      { token, operationId: DEMO_OP },
      { reconnection: false },
    );
    await eventually(() => joinPending, 5_000, 'auto-join waiting on the adapter');
    viewer.close();
    await eventually(() => io.of('/').sockets.size === 0, 5_000, 'server saw the disconnect');
    release();
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(fanout.operationCount).toBe(0);
    expect(adapter.rooms.get(liveRoomName(DEMO_OP))).toBeUndefined();
    expect(viewer.snapshots).toEqual([]);
  });
});
