import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { COMMAND_SCOPE, docName } from '@jointmap/shared';
import { docJson } from '@jointmap/server/replay/doc-json';
import { storedDocAt } from '@jointmap/server/replay/stored-moment';
import { REPLAY_CHECKPOINT_EVERY as CHECKPOINT_EVERY } from '@jointmap/server/storage/log-checkpoints';
import type { LoggedUpdate, ReplayCheckpoint, Storage } from '@jointmap/server/storage/types';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { api } from '../live/live-helpers.ts';
import { buildHistory, storeHistory, type History } from './replay-history.ts';

const STATIONS = ['deqing-yuyue', 'linping-yunhe'];

/** The document the log builds when applied in seq order up to `count` updates. */
function logDoc(log: readonly LoggedUpdate[], count: number): Y.Doc {
  const doc = new Y.Doc();
  for (let i = 0; i < count; i++) Y.applyUpdate(doc, log[i]!.update);
  return doc;
}

/** The checkpoint's state is exactly the log applied in seq order up to its seq (content, versions, deletions). */
function expectExact(cp: ReplayCheckpoint, log: readonly LoggedUpdate[]): void {
  expect(log[cp.count - 1]!.seq).toBe(cp.seq);
  expect(cp.maxTime).toBe(Math.max(...log.slice(0, cp.count).map((u) => u.time)));
  const want = logDoc(log, cp.count);
  const got = new Y.Doc();
  Y.applyUpdate(got, cp.state);
  expect(Y.equalSnapshots(Y.snapshot(got), Y.snapshot(want))).toBe(true);
  expect(docJson(got)).toEqual(docJson(want));
  got.destroy();
  want.destroy();
}

async function allCheckpoints(storage: Storage, doc: string): Promise<ReplayCheckpoint[]> {
  return storage.readReplayCheckpoints(doc, 0, 1_000);
}

/** Ranged log reads a storage answers, with the rows handed out (the whole-log read is spied too). */
function spyReads(storage: Storage): Array<{ doc: string; kind: string; rows: number }> {
  const reads: Array<{ doc: string; kind: string; rows: number }> = [];
  const ranged = storage.readUpdateLogRange.bind(storage);
  const whole = storage.readUpdateLog.bind(storage);
  storage.readUpdateLogRange = async (doc, afterSeq, untilTime) => {
    const out = await ranged(doc, afterSeq, untilTime);
    reads.push({ doc, kind: 'ranged', rows: out.length });
    return out;
  };
  storage.readUpdateLog = async (doc) => {
    const out = await whole(doc);
    reads.push({ doc, kind: 'whole', rows: out.length });
    return out;
  };
  return reads;
}

async function until(done: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; !(await done()); i++) {
    if (i > 400) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function history(operationId: string, updates: number, seed: number): History {
  const start = Date.now() - 4 * 3_600_000;
  return buildHistory({
    operationId,
    stations: STATIONS,
    start,
    hours: 3,
    updates,
    unitsPerStation: 5,
    fixEveryMs: 0,
    seed,
  });
}

describe('replay checkpoints stored before anyone replays', () => {
  it("a live room stores an exact checkpoint with its first snapshot at least a checkpoint interval past the one before, and the first moment ever reads it and at most an interval and a snapshot's worth of updates", async (t) => {
    const server = await startServer(t);
    const doc = docName(DEMO_OP, COMMAND_SCOPE);
    const room = await server.ctx.rooms.get(doc);
    const before = (await server.ctx.storage.readUpdateLog(doc)).length;
    // The room's snapshots are the checkpoints: the log is never read back in pages for them.
    let pageRows = 0;
    const page = server.ctx.storage.readUpdateLogPage.bind(server.ctx.storage);
    server.ctx.storage.readUpdateLogPage = async (d, afterSeq, limit, throughSeq) => {
      const out = await page(d, afterSeq, limit, throughSeq);
      pageRows += out.length;
      return out;
    };
    const target = CHECKPOINT_EVERY * 3 + 150;
    // Sets and deletions (the delete set must match too), appended by the room as live edits are.
    for (let i = before; i < target; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          room.serverChange((d) => {
            const m = d.getMap('replayProbe');
            m.set(`k${(i + j) % 300}`, i + j);
            if ((i + j) % 7 === 0) m.delete(`k${(i + j + 150) % 300}`);
          }),
        ),
      );
    }
    const log = await server.ctx.storage.readUpdateLog(doc);
    expect(log.length).toBeGreaterThanOrEqual(target);
    const { snapshotEvery } = server.ctx.config;
    await until(async () => (await allCheckpoints(server.ctx.storage, doc)).length >= 3, 'the live checkpoints');
    const cps = await allCheckpoints(server.ctx.storage, doc);
    for (const [i, cp] of cps.entries()) {
      const gap = cp.count - (cps[i - 1]?.count ?? 0);
      expect(gap).toBeGreaterThanOrEqual(CHECKPOINT_EVERY);
      expect(gap).toBeLessThanOrEqual(CHECKPOINT_EVERY + snapshotEvery);
      expectExact(cp, log);
    }
    expect(log.length - cps.at(-1)!.count).toBeLessThan(CHECKPOINT_EVERY + snapshotEvery);
    expect(pageRows).toBe(0);

    // The operation was never replayed: its first moment reads the stored checkpoint and the rest.
    const reads = spyReads(server.ctx.storage);
    const { token } = await server.login('commander');
    const at = Date.now() + 1;
    const res = await api<{ docs: Array<{ scope: string; updates: number; json: unknown }> }>(
      server,
      token,
      'GET',
      `/api/operations/${DEMO_OP}/replay/state?at=${at}`,
    );
    expect(res.status).toBe(200);
    const command = reads.filter((r) => r.doc === doc);
    expect(command[0]).toMatchObject({ kind: 'ranged' });
    expect(command[0]!.rows).toBeLessThan(CHECKPOINT_EVERY + snapshotEvery);
    const answered = res.body.docs.find((d) => d.scope === COMMAND_SCOPE)!;
    const now = await server.ctx.storage.readUpdateLog(doc);
    const naive = logDoc(now, now.length);
    expect(answered.json).toEqual(docJson(naive));
    expect(answered.updates).toBe(now.length);
    naive.destroy();
  });

  it('a restored archive comes with exact checkpoints: the first moment ever reads one per document and at most a checkpoint interval of updates', async (t) => {
    const op = 'replay-restored-cp';
    const server = await startServer(t);
    const h = history(op, CHECKPOINT_EVERY * 5 + 77, 4);
    await storeHistory(server.ctx.storage, h);
    for (const [scope, log] of h.logs) {
      const cps = await allCheckpoints(server.ctx.storage, docName(op, scope));
      expect(cps.length).toBe(Math.floor(log.length / CHECKPOINT_EVERY));
      for (const cp of cps) expectExact(cp, log);
    }
    const reads = spyReads(server.ctx.storage);
    const at = h.op.createdAt + Math.floor((h.end - h.op.createdAt) * 0.7);
    for (const [scope, log] of h.logs) {
      const d = docName(op, scope);
      const { doc, updates } = await storedDocAt(server.ctx.storage, d, at);
      const naive = logDoc(
        log.filter((u) => u.time <= at),
        log.filter((u) => u.time <= at).length,
      );
      expect(docJson(doc)).toEqual(docJson(naive));
      expect(updates).toBe(log.filter((u) => u.time <= at).length);
      doc.destroy();
      naive.destroy();
    }
    expect(reads.length).toBe(h.logs.size);
    for (const r of reads) {
      expect(r.kind).toBe('ranged');
      expect(r.rows).toBeLessThanOrEqual(CHECKPOINT_EVERY);
    }
  });

  it('a purge leaves no checkpoint, and restoring another log under the same documents leaves only its own', async (t) => {
    const op = 'replay-purged-cp';
    const server = await startServer(t);
    const storage = server.ctx.storage;
    const first = history(op, CHECKPOINT_EVERY * 4 + 10, 1);
    await storeHistory(storage, first);
    const docs = [...first.logs.keys()].map((s) => docName(op, s));
    expect((await allCheckpoints(storage, docs[1]!)).length).toBeGreaterThan(0);
    // Restored, so held as evidence: purged once the hold is lifted.
    await storage.setOperationHold(op, null, Date.now());
    expect(await storage.purgeOperationDocs(op, docs, Date.now())).toBe(true);
    for (const d of docs) expect(await allCheckpoints(storage, d)).toEqual([]);

    // Another log (other content at the same seqs, shorter): only its checkpoints remain.
    const second = history(op, CHECKPOINT_EVERY * 3 - 40, 2);
    await storeHistory(storage, second);
    for (const [scope, log] of second.logs) {
      const cps = await allCheckpoints(storage, docName(op, scope));
      expect(cps.length).toBe(Math.floor(log.length / CHECKPOINT_EVERY));
      for (const cp of cps) expectExact(cp, log);
    }
  });
});
