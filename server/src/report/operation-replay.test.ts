import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { docName, type Principal } from '@jointmap/shared';
import { buildApp } from '../app.ts';
import { defaultConfig } from '../config.ts';
import type { AppContext } from '../services/context.ts';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import type { Operation } from '../storage/types.ts';
import { OperationReplays } from './operation-replay.ts';
import { buildReportMap } from './report-map.ts';
import { buildReport } from './report-service.ts';

const OP = 'op-shared-walk';
const commander: Principal = { id: 'u-commander', role: 'commander', stationId: null };
const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

const unit = (id: string, status: string) => ({ id, stationId: 'deqing', callsign: `禹越${id}`, status });

/** Real SQLite storage with an operation whose station log holds `updates` roster changes. */
async function operation(updates: number) {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-report-'));
  const storage = new SqliteStorage(dir);
  closing.push(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const op: Operation = {
    id: OP,
    name: '共享回放',
    kind: 'search',
    status: 'active',
    stations: ['deqing'],
    createdBy: commander.id,
    createdAt: 1_000,
    closedAt: null,
  };
  await storage.createOperation(op);
  const doc = new Y.Doc();
  const write = async (f: (d: Y.Doc) => void) => {
    let update: Uint8Array | null = null;
    doc.once('update', (u: Uint8Array) => (update = u));
    doc.transact(() => f(doc));
    await storage.appendUpdate(docName(OP, 'deqing'), update!, { sessionId: null, userId: 'u-deqing' });
  };
  const statuses = ['available', 'en_route', 'on_scene'];
  for (let i = 0; i < updates; i++) await write((d) => d.getMap('units').set('car', unit('car', statuses[i % 3]!)));
  const ctx = { storage, replays: new OperationReplays(storage) } as unknown as AppContext;
  // Pages of the logs read (a walk; whether a log grew is a read of the heads, not of a page).
  const pages = vi.spyOn(storage, 'readUpdateLogPage');
  const walked = () => pages.mock.calls.filter(([, , limit]) => limit > 1).length;
  return { storage, ctx, op, write, walked };
}

describe('the report and its map share one walk of the logs', () => {
  /** Pages of the logs read by `requests` on an operation of its own (the final states read some too). */
  const pagesRead = async (requests: (ctx: AppContext) => Promise<unknown>) => {
    const { ctx, walked } = await operation(50);
    await requests(ctx);
    return walked();
  };
  // The walk of the two logs (command and station, 50 updates) is a page each.
  const WALK = 2;

  it('the map after the report, or both at once, read no page of a log again; the map draws the same units', async () => {
    const report = await pagesRead((ctx) => buildReport(ctx, commander, OP));
    const map = await pagesRead((ctx) => buildReportMap(ctx, commander, OP));
    expect(report).toBeGreaterThanOrEqual(WALK);
    const inTurn = await pagesRead(async (ctx) => {
      await buildReport(ctx, commander, OP);
      await buildReportMap(ctx, commander, OP);
    });
    expect(inTurn).toBe(report + map - WALK);
    const atOnce = await pagesRead((ctx) =>
      Promise.all([buildReport(ctx, commander, OP), buildReportMap(ctx, commander, OP)]),
    );
    expect(atOnce).toBe(report + map - WALK);

    const { ctx } = await operation(50);
    const shared = await buildReport(ctx, commander, OP);
    expect(shared.units.map((u) => [u.unitId, u.callsign])).toEqual([['car', '禹越car']]);
    expect(await buildReportMap(ctx, commander, OP)).toEqual(
      await buildReportMap((await operation(50)).ctx, commander, OP),
    );
  });

  it('an update appended after a walk is counted: the next request walks again', async () => {
    const { ctx, write, walked } = await operation(3);
    const before = await buildReport(ctx, commander, OP);
    expect(before.units.map((u) => u.unitId)).toEqual(['car']);
    const first = walked();
    await write((d) => d.getMap('units').set('van', unit('van', 'available')));
    const after = await buildReport(ctx, commander, OP);
    expect(after.units.map((u) => u.unitId)).toEqual(['car', 'van']);
    expect(walked()).toBeGreaterThan(first);
    expect(after.changes).toEqual([expect.objectContaining({ userId: 'u-deqing', updates: 4 })]);
  });

  it('a restore of the operation, or other stations, is another walk; a walk is kept for a while only', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const { storage, op, walked } = await operation(3);
      const replays = new OperationReplays(storage, 1_000);
      const first = await replays.get(op);
      expect(await replays.get(op)).toBe(first);
      expect(walked()).toBe(2);
      expect(await replays.get({ ...op, restoredAt: 5_000 })).not.toBe(first);
      expect(walked()).toBe(4);
      const restored = await replays.get({ ...op, restoredAt: 5_000 });
      expect(await replays.get({ ...op, restoredAt: 5_000, stations: ['deqing', 'linping'] })).not.toBe(restored);
      expect(walked()).toBe(7);
      vi.advanceTimersByTime(1_000);
      await replays.get({ ...op, restoredAt: 5_000, stations: ['deqing', 'linping'] });
      expect(walked()).toBe(10);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a walk replaced or evicted lets go of its result at once, not when its time is up', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { storage, op } = await operation(1);
      const replays = new OperationReplays(storage, 60_000);
      await replays.get(op);
      await replays.get({ ...op, restoredAt: 5_000 }); // replaces the first walk
      expect(vi.getTimerCount()).toBe(1);
      // Six operations asked for within the minute: four are kept, and only theirs wait.
      for (let i = 0; i < 6; i++) await replays.get({ ...op, id: `${OP}-${i}` });
      expect(vi.getTimerCount()).toBe(4);
    } finally {
      vi.useRealTimers();
    }
  });

  it('closed, it lets go of every walk and its timer; a request after walks again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { storage, op, walked } = await operation(1);
      const replays = new OperationReplays(storage, 60_000);
      for (let i = 0; i < 3; i++) await replays.get({ ...op, id: `${OP}-${i}` });
      expect(vi.getTimerCount()).toBe(3);
      replays.close();
      expect(vi.getTimerCount()).toBe(0);
      const before = walked();
      await replays.get({ ...op, id: `${OP}-0` });
      expect(walked()).toBe(before + 2);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("an app's shared walks", () => {
  it('are its own, and are let go of, timers and all, when it closes', { timeout: 60_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'jointmap-report-app-'));
    closing.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const config = defaultConfig({ dataDir, demoPassword: 'replays-pass-1', logLevel: 'silent', simulate: false });
    const { app, ctx } = await buildApp(config, { logger: false });
    closing.unshift(() => app.close());
    // The seeded demo operation's report keeps its walk (and the timer that forgets it).
    const walks = (ctx.replays as unknown as { walks: Map<string, unknown> }).walks;
    await buildReport(ctx, commander, 'demo-tricounty');
    expect([...walks.keys()]).toEqual(['demo-tricounty']);
    const close = vi.spyOn(ctx.replays, 'close');
    await app.close();
    expect(close).toHaveBeenCalledOnce();
    expect(walks.size).toBe(0);
  });
});
