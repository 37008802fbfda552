import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { docName, META_OPERATION_KEY, META_SCHEMA_VERSION_KEY, type OperationMeta } from '@jointmap/shared';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { connectClient, eventually, type SyncClient } from '../helpers/sync-client.ts';

const COMMAND = docName(DEMO_OP, 'command');

/** A commander's stock client on the command document, and a second one watching it. */
async function setUp(t: Parameters<typeof startServer>[0]) {
  const server = await startServer(t);
  const token = (await server.login('commander')).token;
  const writer = await connectClient(t, server.wsUrl, COMMAND, token);
  const observer = await connectClient(t, server.wsUrl, COMMAND, token);
  return { server, token, writer, observer };
}

const metaOf = (doc: Y.Doc) => doc.getMap<OperationMeta>('meta').get(META_OPERATION_KEY);

async function serverMeta(server: TestServer) {
  return metaOf((await server.ctx.rooms.get(COMMAND)).doc);
}

/** An edit the server surely handled after the ones before it (a note both clients see). */
async function settled(writer: SyncClient, observer: SyncClient, key: string) {
  const meta = metaOf(writer.doc)!;
  writer.doc.getMap('meta').set(META_OPERATION_KEY, { ...meta, name: key });
  await eventually(() => metaOf(observer.doc)?.name === key, 10_000, `the edit ${key}`);
}

describe("a client cannot rewrite the server's fields of the operation meta", () => {
  const changes: Array<[string, (m: OperationMeta) => OperationMeta]> = [
    ['status: an active operation made to look closed', (m) => ({ ...m, status: 'closed' })],
    ['stations', (m) => ({ ...m, stations: [...m.stations, 'wuxing-zhili'] })],
    ['id', (m) => ({ ...m, id: 'another-op' })],
  ];
  for (const [what, change] of changes) {
    test(what, async (t) => {
      const { server, writer, observer } = await setUp(t);
      const before = (await serverMeta(server))!;
      writer.doc.getMap('meta').set(META_OPERATION_KEY, change(metaOf(writer.doc)!));
      await eventually(() => writer.rejections.length > 0, 10_000, 'the refusal');
      expect(JSON.parse(writer.rejections[0]!)).toMatchObject({
        code: 'INVALID_PAYLOAD',
        message: expect.stringMatching(/set by the server only/),
      });
      // Undone on the server and for the sender; the other client never saw it.
      await eventually(() => JSON.stringify(metaOf(writer.doc)) === JSON.stringify(before), 10_000, 'the repair');
      expect(await serverMeta(server)).toEqual(before);
      expect(metaOf(observer.doc)).toEqual(before);
      const log = await server.ctx.storage.readUpdateLog(COMMAND);
      const stored = new Y.Doc();
      for (const u of log) Y.applyUpdate(stored, u.update);
      expect(metaOf(stored)).toEqual(before);
    });
  }

  test('nor remove it, nor change the schema version; other fields it may change', async (t) => {
    const { server, writer, observer } = await setUp(t);
    const before = (await serverMeta(server))!;
    writer.doc.getMap('meta').delete(META_OPERATION_KEY);
    writer.doc.getMap('meta').set(META_SCHEMA_VERSION_KEY, 999);
    await eventually(() => metaOf(writer.doc) !== undefined, 10_000, 'the meta restored');
    await eventually(() => writer.doc.getMap('meta').get(META_SCHEMA_VERSION_KEY) !== 999, 10_000, 'the version');
    await settled(writer, observer, '改名');
    expect(writer.rejections.join('\n')).toMatch(/only the server removes it/);
    expect(writer.rejections.join('\n')).toMatch(/schemaVersion: set by the server only/);
    const room = (await server.ctx.rooms.get(COMMAND)).doc;
    expect(room.getMap('meta').get(META_SCHEMA_VERSION_KEY)).not.toBe(999);
    expect(await serverMeta(server)).toEqual({ ...before, name: '改名' });
  });

  test("the server's own writes still pass: a close marks the meta closed", async (t) => {
    const { server, token, observer } = await setUp(t);
    const res = await fetch(`${server.url}/api/operations/${DEMO_OP}/close`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect((await serverMeta(server))?.status).toBe('closed');
    await eventually(() => metaOf(observer.doc)?.status === 'closed', 10_000, 'the closed meta');
  });
});
