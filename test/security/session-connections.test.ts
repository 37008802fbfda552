import { describe, expect, test } from 'vitest';
import { SyncCloseCode } from '@jointmap/shared';
import { openRaw } from '../helpers/raw-connection.ts';
import { openSync } from '../helpers/session-sockets.ts';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { api, connected, connectViewer } from '../live/live-helpers.ts';

const DOC = `${DEMO_OP}/deqing-yuyue`;

/** Tries `attempt` until it succeeds: a place is given back when the server has seen the close. */
async function admittedWithin(ms: number, attempt: () => Promise<boolean>): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await attempt()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe('connections one session may hold', () => {
  test('a session opens sync connections up to SYNC_MAX_PER_SESSION; one more is refused with RATE_LIMITED until one closes; another session is not counted', async (t) => {
    const server = await startServer(t, { syncMaxPerSession: 3 });
    const { token } = await server.login('deqing');
    const open = [
      await openSync(t, server, DOC, token),
      await openSync(t, server, `${DEMO_OP}/command`, token),
      await openSync(t, server, DOC, token),
    ];
    const extra = openRaw(t, server, DOC, token);
    await extra.opened;
    expect(await extra.closedWithin(10_000)).toBe(SyncCloseCode.rateLimited);
    expect(extra.codes).toEqual(['RATE_LIMITED']);
    for (const c of open) expect(c.isOpen).toBe(true);

    // The same account signed in elsewhere is a session of its own.
    const other = await server.login('deqing');
    const elsewhere = await openSync(t, server, DOC, other.token);
    expect(elsewhere.isOpen).toBe(true);

    // A closed connection gives its place back.
    open[0]!.ws.close();
    const admitted = await admittedWithin(10_000, () =>
      openSync(t, server, DOC, token).then(
        (c) => c.closedWithin(300).then((code) => code === 0 && c.codes.length === 0),
        () => false,
      ),
    );
    expect(admitted).toBe(true);
  });

  test('a session opens live connections up to LIVE_MAX_PER_SESSION; one more is refused with RATE_LIMITED until one disconnects', async (t) => {
    const server = await startServer(t, { liveMaxPerSession: 2 });
    const { token } = await server.login('deqing');
    const a = connectViewer(t, server.url, { token }, { reconnection: false });
    const b = connectViewer(t, server.url, { token }, { reconnection: false });
    await connected(a.socket);
    await connected(b.socket);
    const c = connectViewer(t, server.url, { token }, { reconnection: false });
    const refused = await connected(c.socket).then(
      () => null,
      (err: { data?: { code: string } }) => err.data?.code,
    );
    expect(refused).toBe('RATE_LIMITED');

    a.close();
    const admitted = await admittedWithin(10_000, () =>
      connected(connectViewer(t, server.url, { token }, { reconnection: false }).socket).then(
        () => true,
        () => false,
      ),
    );
    expect(admitted).toBe(true);
  });

  test('one live connection joins at most LIVE_MAX_OPERATIONS operations; leaving one makes room', async (t) => {
    const server = await startServer(t, { liveMaxOperations: 1 });
    const commander = (await server.login('commander')).token;
    const second = await api<{ id: string }>(server, commander, 'POST', '/api/operations', {
      name: '大桥联合管控',
      kind: 'monitoring',
      stations: ['deqing-yuyue', 'linping-yunhe'],
    });
    expect(second.status).toBe(201);
    const viewer = connectViewer(t, server.url, { token: commander }, { reconnection: false });
    await connected(viewer.socket);
    expect(await viewer.join(DEMO_OP)).toMatchObject({ ok: true });
    // Joining the same operation again takes no further place.
    expect(await viewer.join(DEMO_OP)).toMatchObject({ ok: true });
    expect(await viewer.join(second.body.id)).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect(await viewer.socket.timeout(5_000).emitWithAck('live:leave', { operationId: DEMO_OP })).toMatchObject({
      ok: true,
    });
    expect(await viewer.join(second.body.id)).toMatchObject({ ok: true });
    expect(viewer.socket.connected).toBe(true);
  });
});
