import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { ReplayCheckpointWriter } from '@jointmap/server/replay/checkpoint-writer';
import type { LoggedUpdate, ReplayCheckpoint, Storage } from '@jointmap/server/storage/types';
import { backends } from '../storage/storage-backends.ts';

const AUTHOR = { sessionId: null, userId: null };
const DOC = 'op-cp/command';
/** A checkpoint every this many updates: small, so a test crosses many boundaries. */
const EVERY = 10;

/** An editor whose every change is one update: sets, overwrites and deletions of a few keys. */
function editor() {
  const doc = new Y.Doc();
  let last: Uint8Array | null = null;
  doc.on('update', (u: Uint8Array) => (last = u));
  let n = 0;
  return () => {
    const m = doc.getMap('units');
    n++;
    if (n % 4 === 0) m.delete(`u${(n + 2) % 6}`);
    else m.set(`u${n % 6}`, { status: `s${n}`, n });
    return last!;
  };
}

/** Rows handed out by page reads of the log. */
function spyPages(storage: Storage): { rows: number } {
  const seen = { rows: 0 };
  const page = storage.readUpdateLogPage.bind(storage);
  storage.readUpdateLogPage = async (doc, afterSeq, limit) => {
    const out = await page(doc, afterSeq, limit);
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

async function expectAllExact(storage: Storage): Promise<number[]> {
  const log = await storage.readUpdateLog(DOC);
  const cps = await storage.readReplayCheckpoints(DOC, 0, 1_000);
  for (const cp of cps) expectExact(cp, log);
  return cps.map((c) => c.count);
}

describe.each(backends)('replay checkpoint writer: $name', (backend) => {
  test('warm, each checkpoint is made from the updates the rooms hand over: the log is read once, when the document warms up, never at a boundary', async (t) => {
    const { storage } = await backend.open(t);
    const edit = editor();
    // A document with history before this instance started.
    for (let i = 0; i < 13; i++) await storage.appendUpdate(DOC, edit(), AUTHOR);
    const pages = spyPages(storage);
    const writer = new ReplayCheckpointWriter(storage, { every: EVERY, warm: true });
    t.onTestFinished(() => writer.close());
    const append = async () => {
      const update = edit();
      writer.appended(DOC, { seq: await storage.appendUpdate(DOC, update, AUTHOR), update });
    };
    await append();
    await writer.idle();
    // Warmed up: the checkpoint at 10 from the log, the 4 updates after it applied.
    expect(pages.rows).toBe(14);
    expect(await expectAllExact(storage)).toEqual([10]);
    for (let i = 0; i < 47; i++) {
      await append();
      // Now and then the writer runs between appends, now and then it is handed several at once.
      if (i % 6 === 0) await new Promise((r) => setImmediate(r));
    }
    await writer.idle();
    expect(await expectAllExact(storage)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(pages.rows).toBe(14);
  });

  test("warm, another writer's update between two boundaries: that checkpoint is made from the log, and every checkpoint stays exact", async (t) => {
    const { storage } = await backend.open(t);
    const edit = editor();
    const writer = new ReplayCheckpointWriter(storage, { every: EVERY, warm: true });
    t.onTestFinished(() => writer.close());
    const pages = spyPages(storage);
    const append = async (handed: boolean) => {
      const update = edit();
      const seq = await storage.appendUpdate(DOC, update, AUTHOR);
      if (handed) writer.appended(DOC, { seq, update });
    };
    for (let i = 0; i < 12; i++) await append(true);
    await writer.idle();
    const warmedUp = pages.rows;
    // Not handed over (another instance's append): the warm log does not hold it.
    await append(false);
    for (let i = 0; i < 20; i++) await append(true);
    await writer.idle();
    expect(pages.rows).toBeGreaterThan(warmedUp);
    expect(await expectAllExact(storage)).toEqual([10, 20, 30]);
    // Warm again after the catch-up: the next boundary comes without a page read.
    const caughtUp = pages.rows;
    for (let i = 0; i < 10; i++) await append(true);
    await writer.idle();
    expect(await expectAllExact(storage)).toEqual([10, 20, 30, 40]);
    expect(pages.rows).toBe(caughtUp);
  });

  test('a document forgotten when its room unloads warms up again at its next update, and its checkpoints stay exact', async (t) => {
    const { storage } = await backend.open(t);
    const edit = editor();
    const writer = new ReplayCheckpointWriter(storage, { every: EVERY, warm: true });
    t.onTestFinished(() => writer.close());
    const append = async () => {
      const update = edit();
      writer.appended(DOC, { seq: await storage.appendUpdate(DOC, update, AUTHOR), update });
    };
    for (let i = 0; i < 15; i++) await append();
    writer.forget(DOC);
    for (let i = 0; i < 16; i++) await append();
    await writer.idle();
    expect(await expectAllExact(storage)).toEqual([10, 20, 30]);
  });
});
