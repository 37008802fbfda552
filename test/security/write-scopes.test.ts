import { describe, expect, test } from 'vitest';
import type { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';

const codes = (rejections: string[]) => rejections.map((r) => (JSON.parse(r) as { code: string }).code);

describe('write scopes on the wire', () => {
  test('dispatchers write only their own station document, viewers none, commanders all; nothing forbidden is stored', async (t) => {
    const server = await startServer(t);
    const [deqing, linping, wall, commander] = await Promise.all([
      server.login('deqing'),
      server.login('linping'),
      server.login('wall'),
      server.login('commander'),
    ]);
    const deqingDoc = `${DEMO_OP}/deqing-yuyue`;
    const linpingDoc = `${DEMO_OP}/linping-yunhe`;
    const commandDoc = `${DEMO_OP}/command`;

    // An observer with write access everywhere sees what the server accepted.
    const observeDeqing = await connectClient(t, server.wsUrl, deqingDoc, commander.token);
    const observeLinping = await connectClient(t, server.wsUrl, linpingDoc, commander.token);
    const observeCommand = await connectClient(t, server.wsUrl, commandDoc, commander.token);

    const own = await connectClient(t, server.wsUrl, deqingDoc, deqing.token);
    own.doc.getMap('annotations').set('own', pointAnnotation('own', '禹越自己的标注'));
    await eventually(() => observeDeqing.doc.getMap('annotations').has('own'), 5000, 'own write relayed');

    const foreign = await connectClient(t, server.wsUrl, linpingDoc, deqing.token);
    foreign.doc.getMap('annotations').set('intrusion', pointAnnotation('intrusion', '越权'));
    await eventually(() => foreign.rejections.length > 0, 5000, 'FORBIDDEN for dispatcher on foreign doc');
    expect(codes(foreign.rejections)).toContain('FORBIDDEN');

    const commandByDispatcher = await connectClient(t, server.wsUrl, commandDoc, linping.token);
    commandByDispatcher.doc.getMap('annotations').set('cmd-intrusion', pointAnnotation('cmd-intrusion', '越权'));
    await eventually(() => commandByDispatcher.rejections.length > 0, 5000, 'FORBIDDEN on command doc');

    const wallClient = await connectClient(t, server.wsUrl, deqingDoc, wall.token);
    wallClient.doc.getMap('annotations').set('wall-write', pointAnnotation('wall-write', '大屏不能写'));
    await eventually(() => wallClient.rejections.length > 0, 5000, 'FORBIDDEN for viewer');
    expect(codes(wallClient.rejections)).toEqual(['FORBIDDEN']);
    // Reading still works for the viewer.
    expect(wallClient.doc.getMap('annotations').has('own')).toBe(true);

    const cmd = await connectClient(t, server.wsUrl, linpingDoc, commander.token);
    cmd.doc.getMap('annotations').set('by-commander', pointAnnotation('by-commander', '指挥长标注'));
    await eventually(
      () => observeLinping.doc.getMap('annotations').has('by-commander'),
      5000,
      'commander write relayed',
    );
    observeCommand.doc.getMap('annotations').set('cmd-note', pointAnnotation('cmd-note', '指挥部'));

    // Forbidden writes were never relayed …
    await new Promise((r) => setTimeout(r, 200));
    expect(observeLinping.doc.getMap('annotations').has('intrusion')).toBe(false);
    expect(observeCommand.doc.getMap('annotations').has('cmd-intrusion')).toBe(false);
    expect(observeDeqing.doc.getMap('annotations').has('wall-write')).toBe(false);

    // … nor stored: after a restart on the same data dir, only accepted writes exist.
    const dataDir = server.dataDir;
    for (const c of [observeDeqing, observeLinping, observeCommand, own, foreign, commandByDispatcher, wallClient, cmd])
      c.destroy();
    await server.close();
    const again = await startServer(t, { dataDir });
    const token = (await again.login('commander')).token;
    const d1 = await connectClient(t, again.wsUrl, deqingDoc, token);
    const d2 = await connectClient(t, again.wsUrl, linpingDoc, token);
    const d3 = await connectClient(t, again.wsUrl, commandDoc, token);
    expect([...d1.doc.getMap('annotations').keys()].sort()).toEqual(['own']);
    expect([...d2.doc.getMap('annotations').keys()].sort()).toEqual(['by-commander']);
    expect([...d3.doc.getMap('annotations').keys()].sort()).toEqual(['cmd-note']);
    // The update log holds only accepted updates, each attributed to its session.
    const rows = (again.ctx.storage as SqliteStorage).db
      .prepare('SELECT user_id FROM doc_updates WHERE doc = ? AND user_id IS NOT NULL')
      .all(deqingDoc) as { user_id: string }[];
    const writers = new Set(rows.map((r) => r.user_id));
    expect(writers.has('u-deqing')).toBe(true);
    expect(writers.has('u-wall')).toBe(false);
    expect(writers.has('u-linping')).toBe(false);
  });

  test('invalid records are refused like forbidden ones and never become visible', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    const doc = `${DEMO_OP}/deqing-yuyue`;
    const writer = await connectClient(t, server.wsUrl, doc, token);
    const observer = await connectClient(t, server.wsUrl, doc, token);
    writer.doc
      .getMap('annotations')
      .set('bad', { ...pointAnnotation('bad', 'x'), geometry: { type: 'Point', coordinates: [500, 95] } });
    writer.doc.getMap('evil').set('x', 'not part of the schema');
    // A station cannot speak for another: a unit of 临平 in 德清's document is refused.
    writer.doc.getMap('units').set('forged', {
      id: 'forged',
      callsign: '运河巡99',
      kind: 'car',
      stationId: 'linping-yunhe',
      members: [],
      status: 'available',
      assignedTaskId: null,
      deviceIds: [],
      updatedAt: 1,
    });
    await eventually(() => writer.rejections.length >= 3, 5000, 'INVALID_PAYLOAD three times');
    expect(codes(writer.rejections)).toEqual(['INVALID_PAYLOAD', 'INVALID_PAYLOAD', 'INVALID_PAYLOAD']);
    expect(observer.doc.getMap('units').has('forged')).toBe(false);
    writer.doc.getMap('annotations').set('good', pointAnnotation('good', '有效'));
    await eventually(() => observer.doc.getMap('annotations').has('good'), 5000, 'valid write still relayed');
    expect(observer.doc.getMap('annotations').has('bad')).toBe(false);
    expect(observer.doc.getMap('evil').size).toBe(0);
    // The sender receives the repair and converges with everyone else.
    await eventually(
      () => !writer.doc.getMap('annotations').has('bad') && writer.doc.getMap('evil').size === 0,
      5000,
      'sender repaired',
    );
    expect(writer.doc.getMap('annotations').toJSON()).toEqual(observer.doc.getMap('annotations').toJSON());
  });
});
