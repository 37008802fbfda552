import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CHECKPOINT_EVERY, DocHistory, type RecordChange } from '@jointmap/server/replay/doc-history';
import { docJson } from '@jointmap/server/replay/doc-json';
import type { LoggedUpdate } from '@jointmap/server/storage/types';
import { seededRandom } from '../helpers/random.ts';

const T0 = 1_780_000_000_000;

/**
 * A document's update log of `n` random record writes (put, replace, delete across maps), one
 * update per write, stamped a few ms apart; where `stepBack` says so the clock steps back.
 */
function randomLog(seed: number, n: number, stepBack: (i: number) => number = () => 0): LoggedUpdate[] {
  const rnd = seededRandom(seed);
  const doc = new Y.Doc();
  const out: LoggedUpdate[] = [];
  let time = T0;
  doc.on('update', (update: Uint8Array) =>
    out.push({ seq: out.length + 1, update, sessionId: 's', userId: rnd.pick(['u-a', 'u-b', null]), time }),
  );
  for (let i = 0; i < n; i++) {
    time += 1 + rnd.int(5) - stepBack(i);
    const map = doc.getMap(rnd.pick(['annotations', 'units', 'tasks', 'sectors']));
    const key = `k${rnd.int(40)}`;
    if (rnd.chance(0.15)) {
      if (map.has(key)) map.delete(key);
      else map.set(key, { id: key, n: i });
    } else map.set(key, { id: key, n: i, label: `标注${i}`, at: [120 + i / 1e4, 30.5] });
  }
  return out;
}

/** The document rebuilt the naive way: every update stored at or before `at`, from the first. */
function naive(log: readonly LoggedUpdate[], at: number): unknown {
  const doc = new Y.Doc();
  for (const u of log) if (u.time <= at) Y.applyUpdate(doc, u.update);
  const json = docJson(doc);
  doc.destroy();
  return json;
}

async function replayed(h: DocHistory, at: number): Promise<unknown> {
  const doc = await h.docAt(at);
  const json = docJson(doc);
  doc.destroy();
  return json;
}

describe('a document at a moment, from checkpoints', () => {
  it('equals the naive rebuild from the log at every moment tried: before the first update, at and around checkpoint boundaries, after the last, forwards and backwards', async () => {
    const log = randomLog(7, CHECKPOINT_EVERY * 2 + 600);
    const h = new DocHistory('deqing', () => {});
    await h.replaceLog(log);
    const boundaries = [CHECKPOINT_EVERY, CHECKPOINT_EVERY * 2].flatMap((n) => {
      const t = log[n - 1]!.time;
      return [t - 1, t, t + 1];
    });
    const rnd = seededRandom(11);
    const random = Array.from({ length: 12 }, () => T0 + rnd.int(log.at(-1)!.time - T0));
    const moments = [T0 - 1, log[0]!.time, ...boundaries, ...random, log.at(-1)!.time, log.at(-1)!.time + 60_000];
    // Forwards, then the same moments backwards (the walker never goes back; checkpoints serve).
    for (const at of [...moments, ...moments.reverse()])
      expect(await replayed(h, at), `at ${at}`).toEqual(naive(log, at));
    // The comparison is of real content: records in several maps, fewer before a moment than after.
    const mid = naive(log, log[CHECKPOINT_EVERY + 300]!.time) as Record<string, object>;
    expect(Object.keys(mid).sort()).toEqual(['annotations', 'sectors', 'tasks', 'units']);
    expect(Object.keys(mid.units!).length).toBeGreaterThan(20);
    expect(naive(log, T0 - 1)).toEqual({});
    expect(naive(log, log[10]!.time)).not.toEqual(naive(log, log[11]!.time));
    expect(h.countAt(T0 - 1)).toBe(0);
    expect(h.countAt(log.at(-1)!.time)).toBe(log.length);
    h.destroy();
  });

  it('stays equal to the naive rebuild when the events walk took the checkpoints, before or after the builder began', async () => {
    const log = randomLog(9, CHECKPOINT_EVERY * 3 + 200);
    const at = (n: number) => log[n]!.time;
    // The events walk first: every moment is served from its checkpoints.
    const first = new DocHistory('deqing', () => {});
    await first.replaceLog(log);
    await first.walkAll();
    for (const n of [0, 999, 1_000, 2_500, 3_100]) expect(await replayed(first, at(n))).toEqual(naive(log, at(n)));
    // The builder has begun (one block), then the events walk passes it, then a later moment.
    const second = new DocHistory('linping', () => {});
    await second.replaceLog(log);
    expect(await replayed(second, at(1_200))).toEqual(naive(log, at(1_200)));
    await second.walkAll();
    for (const n of [3_150, 2_200, 1_999, 500]) expect(await replayed(second, at(n))).toEqual(naive(log, at(n)));
    first.destroy();
    second.destroy();
  });

  it('stays equal to the naive rebuild when the server clock stepped back (times not sorted by sequence)', async () => {
    // Twice the clock steps back by more than the updates since: the log is out of time order.
    const log = randomLog(21, CHECKPOINT_EVERY + 400, (i) => (i === 700 || i === 1_200 ? 2_500 : 0));
    expect(log.some((u, i) => i > 0 && u.time < log[i - 1]!.time)).toBe(true);
    const h = new DocHistory('command', () => {});
    await h.replaceLog(log);
    const times = [...new Set(log.map((u) => u.time))].sort((a, b) => a - b);
    for (let i = 0; i < times.length; i += 400) expect(await replayed(h, times[i]!)).toEqual(naive(log, times[i]!));
    h.destroy();
  });

  it('keeps its checkpoints when the log grows, reports each record change once, and follows a log replaced by another', async () => {
    const full = randomLog(3, CHECKPOINT_EVERY + 500);
    const changes: RecordChange[] = [];
    const h = new DocHistory('linping', (c) => changes.push(c));
    await h.replaceLog(full.slice(0, CHECKPOINT_EVERY + 10));
    const early = full[CHECKPOINT_EVERY + 5]!.time;
    expect(await replayed(h, early)).toEqual(naive(full, early));
    expect(await h.replaceLog(full)).toBe(false);
    const late = full.at(-1)!.time;
    expect(await replayed(h, late)).toEqual(naive(full, late));
    await h.walkAll();
    // Only watched maps report (`annotations` is not one); every update touches one key.
    const watched = changes.filter((c) => c.map !== 'annotations');
    expect(new Set(watched.map((c) => c.update.seq)).size).toBe(watched.length);
    expect(changes.some((c) => c.map === 'annotations')).toBe(false);

    const other = randomLog(4, 300);
    expect(await h.replaceLog(other)).toBe(true);
    expect(await replayed(h, other.at(-1)!.time)).toEqual(naive(other, other.at(-1)!.time));
    h.destroy();
  });
});
