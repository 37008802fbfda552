import { expect, test } from 'vitest';
import * as Y from 'yjs';
import type { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { docFromStored } from '@jointmap/server/storage/stored-doc';
import { openRaw, syncStep1Frame, updateFrame } from '../helpers/raw-connection.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/sync-client.ts';

const DOC = `${DEMO_OP}/deqing-yuyue`;
const DEVICE = 'demo-yuyue-01';

/** A Traccar SDK JSON upload of `count` fixes from `base` (1 s apart). */
function upload(server: TestServer, base: number, count: number) {
  const fixes = Array.from({ length: count }, (_, i) => ({
    id: DEVICE,
    lat: 30.5 + i / 100_000,
    lon: 120.3,
    timestamp: new Date(base + i * 1000).toISOString(),
    speed: 3,
  }));
  return fetch(`${server.url}/api/positions/osmand`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fixes),
  });
}

/**
 * The disk runs full (simulated: SQLite's `max_page_count` caps the database at its current size,
 * so a write that needs one more page fails with SQLITE_FULL, as on a full file system).
 */
test('with the disk full, ingest and edits are refused with STORAGE_FULL and everything acknowledged is kept', async (t) => {
  const server = await startServer(t, { ingestRatePerSecond: 10_000, ingestRateBurst: 100_000 });
  const storage = server.ctx.storage as SqliteStorage;
  const { token } = await server.login('deqing');
  const base = Date.now() - 3 * 3600_000;
  const pages = storage.db.pragma('page_count', { simple: true }) as number;
  storage.db.pragma(`max_page_count = ${pages}`);

  // Trackers keep reporting until the database cannot grow.
  const acknowledged: number[] = [];
  let refusal: { status: number; body: { error?: { code: string } } } | null = null;
  for (let batch = 0; batch < 200 && !refusal; batch++) {
    const start = base + batch * 100_000;
    const res = await upload(server, start, 100);
    if (res.status === 200) acknowledged.push(...Array.from({ length: 100 }, (_, i) => start + i * 1000));
    else refusal = { status: res.status, body: (await res.json()) as { error?: { code: string } } };
  }
  expect(refusal).toMatchObject({ status: 507, body: { error: { code: 'STORAGE_FULL' } } });

  // Edits: each is acknowledged (the answer to the following step 1) or refused.
  const raw = openRaw(t, server, DOC, token);
  await raw.opened;
  raw.send([syncStep1Frame(new Uint8Array([0]))]);
  await eventually(() => raw.syncStep2 >= 1, 10_000, 'the first sync');
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  const acknowledgedEdits: string[] = [];
  let refusedEdit: string | null = null;
  for (let i = 0; i < 500 && !refusedEdit; i++) {
    const id = `full-${i}`;
    doc.getMap('annotations').set(id, pointAnnotation(id, `磁盘满测试 ${i}`.padEnd(60, '填')));
    const answers = raw.syncStep2;
    raw.send([updateFrame(updates.at(-1)!), syncStep1Frame(Y.encodeStateVector(doc))]);
    await eventually(() => raw.syncStep2 > answers || raw.closed !== null, 10_000, `edit ${id} answered`);
    if (raw.syncStep2 > answers) acknowledgedEdits.push(id);
    else refusedEdit = id;
  }
  expect(refusedEdit).not.toBeNull();
  expect(raw.codes).toContain('STORAGE_FULL');
  expect(raw.closed?.reason).toBe('STORAGE_FULL');

  // Space is freed: nothing acknowledged was lost, nothing refused was half stored, and it all works again.
  storage.db.pragma('max_page_count = 1073741823');
  const track = await storage.track('deqing-yuyue', 'yuyue-car-01', base, Date.now(), 1_000_000);
  expect(track.map((f) => f.time)).toEqual(acknowledged);
  const stored = docFromStored(await storage.loadDoc(DOC)).getMap('annotations');
  for (const id of acknowledgedEdits) expect(stored.has(id)).toBe(true);
  expect(stored.has(refusedEdit!)).toBe(false);
  expect((await upload(server, Date.now() - 60_000, 10)).status).toBe(200);
});
