import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { docFromStored } from '@jointmap/server/storage/stored-doc';
import { asyncAppendStorage } from '../helpers/async-storage.ts';
import { openRaw, syncStep1Frame, updateFrame } from '../helpers/raw-connection.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { eventually } from '../helpers/sync-client.ts';

/**
 * The contract the console's pending count rests on (client/src/lib/sync/edit-ledger.ts): the
 * server answers each sync step 1 with one step 2, and only after it has stored every update the
 * same connection sent before that step 1. Storage here is slow on purpose (each append waits
 * 300 ms), so an answer that did not wait for the write would arrive before it.
 */
const DOC = `${DEMO_OP}/deqing-yuyue`;

test('the answer to a step 1 sent after an update comes only once the update is stored', async (t) => {
  const server = await startServer(t, {}, { storage: (dir) => asyncAppendStorage(dir, 300) });
  const { token } = await server.login('deqing');
  const raw = openRaw(t, server, DOC, token);
  await raw.opened;

  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  doc.getMap('annotations').set('ack-1', pointAnnotation('ack-1', '待确认'));
  raw.send([updateFrame(updates[0]!), syncStep1Frame(Y.encodeStateVector(doc))]);

  await eventually(() => raw.syncStep2 >= 1, 10_000, 'the answer to the step 1');
  expect(raw.syncStep2).toBe(1);
  // Read straight from storage the moment the answer arrived: the update is already there.
  const check = docFromStored(await server.ctx.storage.loadDoc(DOC));
  expect(check.getMap('annotations').has('ack-1')).toBe(true);
  expect(raw.codes).toEqual([]);
});
