import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { docName, type TaskTimeline } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import type { BuiltApp } from '../app.ts';
import { OP, timelineApps, write } from './timeline-service.test-support.ts';

const apps = timelineApps();
afterEach(() => {
  vi.restoreAllMocks();
  return apps.close();
});

const STATION = 'deqing-yuyue';
/** Updates appended to the station's log: more than two pages of 2,000. */
const FILLER = 4_500;

/** A task raised by 临平, and `FILLER` annotation updates of 禹越 after it. */
async function longLogs(built: BuiltApp): Promise<string> {
  const task = fixtures.missingPersonTask({ id: 't-longlog01' });
  await write(built, 'linping-yunhe', { type: 'put', map: 'tasks', key: task.id, value: task }, 'u-linping');
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  for (let i = 0; i < FILLER; i++) doc.getMap('annotations').set(`a-${i % 50}`, { n: i });
  const name = docName(OP, STATION);
  const author = { sessionId: 's-deqing', userId: 'u-deqing' };
  const storage = built.ctx.storage;
  if (storage.appendUpdates) await storage.appendUpdates(updates.map((update) => ({ doc: name, update, author })));
  else for (const u of updates) await storage.appendUpdate(name, u, author);
  // The task's write makes search coverage walk the operation's stored logs for task ends: done
  // before the timeline's own page reads are counted.
  await built.coverage.whenIdle();
  return task.id;
}

/**
 * Page reads of the logs (a probe of one row is not a page), with the event loop's turns before
 * each. `held` holds the first page read of `hold` until `release()`, telling when it is reached.
 */
function pageReads(built: BuiltApp, hold?: string) {
  let turns = 0;
  let counting = true;
  const tick = () => {
    turns++;
    if (counting) setImmediate(tick);
  };
  setImmediate(tick);
  const reads: Array<{ doc: string; turns: number }> = [];
  const storage = built.ctx.storage;
  const page = storage.readUpdateLogPage.bind(storage);
  let reached: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (reached = resolve));
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let holding = hold !== undefined;
  vi.spyOn(storage, 'readUpdateLogPage').mockImplementation(async (doc, afterSeq, limit) => {
    if (limit > 1) reads.push({ doc, turns });
    if (holding && doc === hold && limit > 1) {
      holding = false;
      reached();
      await gate;
    }
    return page(doc, afterSeq, limit);
  });
  const whole = vi.spyOn(storage, 'readUpdateLog');
  return { reads, whole, held, release, stop: () => (counting = false) };
}

describe('the task timeline reads the logs a page at a time', { timeout: 60_000 }, () => {
  it('never reads a log whole, and gives the event loop a turn between any two pages', async () => {
    const built = await apps.start();
    const taskId = await longLogs(built);
    const token = await built.token('commander');
    const { reads, whole, stop } = pageReads(built);
    const res = await built.app.inject({
      url: `/api/operations/${OP}/tasks/${taskId}/timeline`,
      headers: { authorization: `Bearer ${token}` },
    });
    stop();
    expect(res.statusCode).toBe(200);
    expect((res.json() as TaskTimeline).events.map((e) => e.type)).toEqual(['task_raised']);
    expect(whole).not.toHaveBeenCalled();
    expect(reads.filter((r) => r.doc === docName(OP, STATION)).length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < reads.length; i++) expect(reads[i]!.turns).toBeGreaterThan(reads[i - 1]!.turns);
  });

  it('requests at once walk the logs once; one that came after an update counts it', async () => {
    const built = await apps.start();
    const taskId = await longLogs(built);
    const token = await built.token('commander');
    const url = `/api/operations/${OP}/tasks/${taskId}/timeline`;
    const get = () => built.app.inject({ url, headers: { authorization: `Bearer ${token}` } });

    const alone = pageReads(built);
    expect((await get()).statusCode).toBe(200);
    alone.stop();
    const walk = alone.reads.length;
    expect(walk).toBeGreaterThanOrEqual(3);
    vi.restoreAllMocks();

    const together = pageReads(built);
    const [a, b] = await Promise.all([get(), get()]);
    together.stop();
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(a.json()).toEqual(b.json());
    expect(together.reads.length).toBe(walk);
    vi.restoreAllMocks();

    // A walk under way, past 临平's log (where the task is: the logs are walked command, 禹越, 临平,
    // 洲泉); then the task is closed, and another request comes: it counts the close, though the
    // walk under way does not.
    const racing = pageReads(built, docName(OP, 'tongxiang-zhouquan'));
    const first = get();
    await racing.held;
    const task = fixtures.missingPersonTask({ id: taskId });
    const closed = { ...task, state: 'closed' as const };
    await write(built, 'linping-yunhe', { type: 'put', map: 'tasks', key: taskId, value: closed }, 'u-linping');
    const second = get();
    // The second request is waiting for the walk under way before it is let go on.
    await new Promise((r) => setTimeout(r, 50));
    racing.release();
    const [one, two] = [(await first).json() as TaskTimeline, (await second).json() as TaskTimeline];
    racing.stop();
    expect(one.events.map((e) => e.type)).toEqual(['task_raised']);
    expect(two.events.map((e) => e.type)).toEqual(['task_raised', 'task_closed']);
  });
});
