import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docName } from '@jointmap/shared';
import { docJson } from '@jointmap/server/replay/doc-json';
import { storedDocAt } from '@jointmap/server/replay/stored-moment';
import { REPLAY_CHECKPOINT_EVERY as CHECKPOINT_EVERY } from '@jointmap/server/storage/log-checkpoints';
import type { LoggedUpdate, Storage } from '@jointmap/server/storage/types';
import { seededRandom } from '../helpers/random.ts';
import { startServer } from '../helpers/server.ts';
import { api } from '../live/live-helpers.ts';
import { buildHistory, storeHistory, type History } from './replay-history.ts';

const OP = 'replay-stored';
const STATIONS = ['deqing-yuyue', 'linping-yunhe'];

function naive(log: readonly LoggedUpdate[], at: number): unknown {
  const doc = new Y.Doc();
  for (const u of log) if (u.time <= at) Y.applyUpdate(doc, u.update);
  const json = docJson(doc);
  doc.destroy();
  return json;
}

const START = Date.now() - 4 * 3_600_000;

function history(): History {
  return buildHistory({
    operationId: OP,
    stations: STATIONS,
    start: START,
    hours: 3,
    updates: CHECKPOINT_EVERY * 6 + 321,
    unitsPerStation: 5,
    fixEveryMs: 0,
    seed: 3,
  });
}

/** The log reads a storage answers, in order: whole logs or ranged, with the rows handed out. */
function spyReads(storage: Storage): Array<{ kind: 'whole' | 'ranged'; rows: number }> {
  const reads: Array<{ kind: 'whole' | 'ranged'; rows: number }> = [];
  const whole = storage.readUpdateLog.bind(storage);
  const ranged = storage.readUpdateLogRange.bind(storage);
  storage.readUpdateLog = async (doc) => {
    const out = await whole(doc);
    reads.push({ kind: 'whole', rows: out.length });
    return out;
  };
  storage.readUpdateLogRange = async (doc, afterSeq, untilTime) => {
    const out = await ranged(doc, afterSeq, untilTime);
    reads.push({ kind: 'ranged', rows: out.length });
    return out;
  };
  return reads;
}

describe('replay moments from stored checkpoints', () => {
  it('a moment read from the stored checkpoints and a ranged read of the log equals the naive rebuild, before, at and after checkpoint boundaries', async (t) => {
    const server = await startServer(t);
    const h = history();
    await storeHistory(server.ctx.storage, h);
    const scope = STATIONS[0]!;
    const doc = docName(OP, scope);
    const log = h.logs.get(scope)!;
    expect(log.length).toBeGreaterThan(CHECKPOINT_EVERY * 2);
    const storage = server.ctx.storage;
    // The restore stored a checkpoint per CHECKPOINT_EVERY updates.
    expect((await storage.readReplayCheckpoints(doc, 0, 100)).map((c) => c.count)).toEqual(
      Array.from({ length: Math.floor(log.length / CHECKPOINT_EVERY) }, (_, i) => (i + 1) * CHECKPOINT_EVERY),
    );
    const edges = [CHECKPOINT_EVERY, CHECKPOINT_EVERY * 2].flatMap((n) => [-1, 0, 1].map((d) => log[n - 1]!.time + d));
    const rnd = seededRandom(9);
    const first = log[0]!.time;
    const last = log.at(-1)!.time;
    const moments = [
      first - 1,
      first,
      ...edges,
      ...Array.from({ length: 8 }, () => first + rnd.int(last - first)),
      last + 1,
    ];
    for (const at of moments) {
      const { doc: d, updates } = await storedDocAt(storage, doc, at);
      expect(docJson(d)).toEqual(naive(log, at));
      expect(updates).toBe(log.filter((u) => u.time <= at).length);
      d.destroy();
    }
  });

  it('after a restart a moment reads one checkpoint and at most a checkpoint interval of updates per document, never the whole log, and equals the naive rebuild', async (t) => {
    const first = await startServer(t);
    const h = history();
    await storeHistory(first.ctx.storage, h);
    const { token } = await first.login('commander');
    // The first replay of the operation walks its logs and stores their checkpoints.
    expect((await api(first, token, 'GET', `/api/operations/${OP}/replay/events`)).status).toBe(200);
    const docs = [...h.logs.keys()].map((s) => docName(OP, s));
    const stored = async () => {
      for (const [i, d] of docs.entries()) {
        const n = Math.floor([...h.logs.values()][i]!.length / CHECKPOINT_EVERY) * CHECKPOINT_EVERY;
        if (((await first.ctx.storage.readReplayCheckpoint(d, Number.MAX_SAFE_INTEGER))?.count ?? 0) !== n)
          return false;
      }
      return true;
    };
    for (let i = 0; !(await stored()); i++) {
      if (i > 200) throw new Error('checkpoints not stored');
      await new Promise((r) => setTimeout(r, 50));
    }
    await first.close();

    const second = await startServer(t, { dataDir: first.dataDir });
    const reads = spyReads(second.ctx.storage);
    const at = START + Math.floor((h.end - START) * 0.61);
    const { token: token2 } = await second.login('commander');
    const res = await api<{ docs: Array<{ scope: string; updates: number; json: unknown }> }>(
      second,
      token2,
      'GET',
      `/api/operations/${OP}/replay/state?at=${at}`,
    );
    expect(res.status).toBe(200);
    // The answer came from one ranged read per document, and no whole log was read.
    const answer = reads.slice(0, docs.length);
    expect(reads.map((r) => r.kind)).toEqual(docs.map(() => 'ranged'));
    const total = [...h.logs.values()].reduce((n, l) => n + l.length, 0);
    const rows = answer.reduce((n, r) => n + r.rows, 0);
    for (const r of answer) expect(r.rows).toBeLessThanOrEqual(CHECKPOINT_EVERY);
    expect(rows).toBeLessThan(total / 2);
    for (const d of res.body.docs) {
      const log = h.logs.get(d.scope)!;
      expect(d.json).toEqual(naive(log, at));
      expect(d.updates).toBe(log.filter((u) => u.time <= at).length);
    }
  });
});
