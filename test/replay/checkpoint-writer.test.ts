import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { ReplayCheckpointWriter } from '@jointmap/server/replay/checkpoint-writer';
import type { LoggedUpdate, ReplayCheckpoint, Storage } from '@jointmap/server/storage/types';
import { backends } from '../storage/storage-backends.ts';

const AUTHOR = { sessionId: null, userId: null };
const DOC = 'op-cp/command';
/** A checkpoint every this many updates: small, so a test crosses many boundaries. */
const EVERY = 10;

/** A room's document and its log: each change is one update, appended, then applied to the document. */
function room(storage: Storage) {
  const doc = new Y.Doc();
  let last: Uint8Array | null = null;
  doc.on('update', (u: Uint8Array) => (last = u));
  let n = 0;
  let seq = 0;
  return {
    /** Sets, overwrites and deletions of a few keys. */
    async edit() {
      const m = doc.getMap('units');
      n++;
      if (n % 4 === 0) m.delete(`u${(n + 2) % 6}`);
      else m.set(`u${n % 6}`, { status: `s${n}`, n });
      seq = await storage.appendUpdate(DOC, last!, AUTHOR);
      return seq;
    },
    snapshot: () => ({ seq, state: Y.encodeStateAsUpdate(doc) }),
  };
}

/** Rows handed out by page reads of the log. */
function spyPages(storage: Storage): { rows: number } {
  const seen = { rows: 0 };
  const page = storage.readUpdateLogPage.bind(storage);
  storage.readUpdateLogPage = async (doc, afterSeq, limit, throughSeq) => {
    const out = await page(doc, afterSeq, limit, throughSeq);
    seen.rows += out.length;
    return out;
  };
  return seen;
}

/** The checkpoint is exactly the log applied in seq order up to its seq: content, versions, deletions, time. */
function expectExact(cp: ReplayCheckpoint, log: readonly LoggedUpdate[]): void {
  expect(log[cp.count - 1]!.seq).toBe(cp.seq);
  expect(cp.maxTime).toBe(Math.max(...log.slice(0, cp.count).map((u) => u.time)));
  const want = new Y.Doc();
  for (const u of log.slice(0, cp.count)) Y.applyUpdate(want, u.update);
  const got = new Y.Doc();
  Y.applyUpdate(got, cp.state);
  expect(Y.equalSnapshots(Y.snapshot(got), Y.snapshot(want))).toBe(true);
  expect(got.getMap('units').toJSON()).toEqual(want.getMap('units').toJSON());
}

/** Every stored checkpoint checked against the log; their counts. */
async function checkpointCounts(storage: Storage): Promise<number[]> {
  const log = await storage.readUpdateLog(DOC);
  const cps = await storage.readReplayCheckpoints(DOC, 0, 1_000);
  for (const cp of cps) expectExact(cp, log);
  return cps.map((c) => c.count);
}

describe.each(backends)('replay checkpoint writer: $name', (backend) => {
  test("alone on its log, a room's snapshot at least a checkpoint interval past the newest checkpoint is stored as the next one, exact, and the log is never read back", async (t) => {
    const { storage } = await backend.open(t);
    const writer = new ReplayCheckpointWriter(storage, { every: EVERY, fromSnapshots: true });
    t.onTestFinished(() => writer.close());
    const pages = spyPages(storage);
    const r = room(storage);
    // Snapshots every 4 updates (the room's snapshot interval): at 4, 8, 12, …, 48.
    for (let i = 1; i <= 48; i++) {
      await r.edit();
      if (i % 4 === 0) {
        const { seq, state } = r.snapshot();
        await writer.snapshotted(DOC, seq, state);
      }
    }
    // 12 is the first snapshot 10 past the start, 24 the first 10 past 12, and so on.
    expect(await checkpointCounts(storage)).toEqual([12, 24, 36, 48]);
    expect(pages.rows).toBe(0);
  });

  test('alone on its log, an older log without checkpoints is caught up from the log at the first snapshot, and the snapshots go on from there', async (t) => {
    const { storage } = await backend.open(t);
    const r = room(storage);
    for (let i = 0; i < 33; i++) await r.edit();
    const writer = new ReplayCheckpointWriter(storage, { every: EVERY, fromSnapshots: true });
    t.onTestFinished(() => writer.close());
    const pages = spyPages(storage);
    for (let i = 34; i <= 60; i++) {
      await r.edit();
      if (i % 5 === 0) {
        const { seq, state } = r.snapshot();
        await writer.snapshotted(DOC, seq, state);
      }
    }
    // From the log: 10, 20, 30 (three pages); then the snapshots at 40, 50 and 60.
    expect(await checkpointCounts(storage)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(pages.rows).toBe(30);
  });

  test('with other writers on the log, each checkpoint is made from the log every interval of appended updates', async (t) => {
    const { storage } = await backend.open(t);
    const writer = new ReplayCheckpointWriter(storage, { every: EVERY });
    t.onTestFinished(() => writer.close());
    const r = room(storage);
    for (let i = 1; i <= 35; i++) {
      await r.edit();
      // Every third update is another instance's: this one is not told of it.
      if (i % 3 !== 0) writer.appended(DOC);
    }
    for (let i = 0; i < 20; i++) writer.appended(DOC);
    await writer.idle();
    expect(await checkpointCounts(storage)).toEqual([10, 20, 30]);
  });
});
