/**
 * The report and its map on a restored operation (replay checkpoints, no room snapshots) build each
 * document's final state from its newest checkpoint and the log after it, read in pages, never
 * from the whole log merged at once (docs/replay.md, "The report"). What they list is what the
 * document loaded whole gives, in the same order, with several Yjs clients writing each log.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  COMMAND_SCOPE,
  docName,
  readMap,
  type Annotation,
  type Principal,
  type Sector,
  type Task,
} from '@jointmap/shared';
import { OperationReplays } from '@jointmap/server/report/operation-replay';
import { buildReport } from '@jointmap/server/report/report-service';
import { buildReportMap } from '@jointmap/server/report/report-map';
import { docFromStored } from '@jointmap/server/storage/stored-doc';
import type { LoggedUpdate, Operation, Storage } from '@jointmap/server/storage/types';
import { seededRandom, type Random } from '../helpers/random.ts';
import { startServer } from '../helpers/server.ts';

const OP = 'report-final-docs';
const STATIONS = ['deqing-yuyue', 'linping-yunhe'];
const COMMANDER: Principal = { id: 'u-commander', role: 'commander', stationId: null };
/** Changes per document (a delete of a missing key writes nothing): checkpoints at 1,000 and 2,000, then the rest. */
const UPDATES = 2_700;
/** Yjs clients writing each document (not in id order, so load order and write order differ). */
const PEERS = [11, 4, 27];

const square = (x: number, y: number): Sector['polygon'] => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, y],
      [x + 0.01, y],
      [x + 0.01, y + 0.01],
      [x, y + 0.01],
      [x, y],
    ],
  ],
});

/** One document's log: each change made by one of the peers, the others kept in step, one update per change. */
function peerLog(scope: string, start: number, rnd: Random): LoggedUpdate[] {
  const peers = PEERS.map((id) => {
    const d = new Y.Doc();
    d.clientID = id;
    return d;
  });
  const log: LoggedUpdate[] = [];
  let time = start;
  for (const d of peers)
    d.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === 'relay') return;
      log.push({ seq: log.length + 1, update, sessionId: `s-${d.clientID}`, userId: `u-peer-${d.clientID}`, time });
      for (const other of peers) if (other !== d) Y.applyUpdate(other, update, 'relay');
    });
  const station = scope === COMMAND_SCOPE ? STATIONS[0]! : scope;
  for (let i = 0; i < UPDATES; i++) {
    time = start + i * 1_000;
    const peer = rnd.pick(peers);
    // Keys first written late in the log too, after the newest checkpoint.
    const key = (n: number) => (i > UPDATES - 400 && rnd.chance(0.3) ? `late${i}` : `k${rnd.int(n)}`);
    const r = rnd.next();
    peer.transact(() => {
      if (r < 0.3) {
        const id = key(60);
        peer.getMap('annotations').set(id, {
          id,
          kind: 'point',
          geometry: { type: 'Point', coordinates: [120.2 + rnd.next() * 0.2, 30.5 + rnd.next() * 0.1] },
          label: `标注${i}`,
          color: '#2563eb',
          author: `u-peer-${peer.clientID}`,
          createdAt: time,
          updatedAt: time,
        });
      } else if (r < 0.4) peer.getMap('annotations').delete(`k${rnd.int(60)}`);
      else if (r < 0.7) {
        const id = `car-${rnd.int(8)}`;
        peer.getMap('units').set(id, {
          id,
          callsign: `巡${id}`,
          kind: 'car',
          stationId: station,
          members: [],
          status: rnd.pick(['available', 'en_route', 'on_scene', 'busy']),
          assignedTaskId: null,
          deviceIds: [],
          updatedAt: time,
        });
      } else if (scope === COMMAND_SCOPE) {
        const id = key(20);
        peer.getMap('sectors').set(id, {
          id,
          name: id.toUpperCase(),
          taskId: null,
          searchId: null,
          polygon: square(120.2 + rnd.int(10) * 0.01, 30.5),
          assignedStationId: rnd.pick([null, ...STATIONS]),
          assignedUnitIds: [],
          status: rnd.pick(['unassigned', 'assigned', 'searching', 'cleared']),
          sweepWidthM: 50,
          assignedAt: null,
          updatedAt: time,
        });
      } else {
        const id = key(15);
        peer.getMap('tasks').set(id, {
          id,
          stationId: scope,
          title: `任务${i}`,
          description: '',
          location: { type: 'Point', coordinates: [120.3, 30.5 + rnd.int(10) * 0.001] },
          area: null,
          priority: 'normal',
          targetStations: [],
          state: rnd.pick(['open', 'open', 'closed']),
          nonPolice: false,
          createdBy: `u-peer-${peer.clientID}`,
          createdAt: time,
          updatedAt: time,
        });
      }
    });
  }
  for (const d of peers) d.destroy();
  return log;
}

/**
 * The storage as the report sees it: a whole log read (`readUpdateLog`) or a document loaded
 * whole (`loadDoc`) is refused; each page read is recorded, and each read of the logs' heads.
 */
function pagedOnly(storage: Storage) {
  const pages: Array<{ doc: string; afterSeq: number; limit: number; rows: number }> = [];
  const heads: string[][] = [];
  const guarded = new Proxy(storage, {
    get(target, prop) {
      if (prop === 'readUpdateLog' || prop === 'loadDoc')
        return (doc: string) => Promise.reject(new Error(`the report read ${doc} whole (${String(prop)})`));
      if (prop === 'readUpdateLogHeads')
        return (docs: readonly string[]) => {
          heads.push([...docs]);
          return target.readUpdateLogHeads(docs);
        };
      if (prop === 'readUpdateLogPage')
        return async (doc: string, afterSeq: number, limit: number, throughSeq?: number) => {
          const page = await target.readUpdateLogPage(doc, afterSeq, limit, throughSeq);
          pages.push({ doc, afterSeq, limit, rows: page.length });
          return page;
        };
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { guarded, pages, heads };
}

describe('the report on a restored operation', () => {
  it('builds each document from its newest checkpoint and the log after it, in pages, and lists what the whole document holds, in its order', async (t) => {
    const server = await startServer(t);
    const storage = server.ctx.storage;
    const start = Date.now() - 2 * 3_600_000;
    const rnd = seededRandom(17);
    const scopes = [COMMAND_SCOPE, ...STATIONS];
    const logs = new Map(scopes.map((s, i) => [docName(OP, s), peerLog(s, start + i, rnd)]));
    const op: Operation = {
      id: OP,
      name: '恢复的行动',
      kind: 'search',
      status: 'closed',
      stations: STATIONS,
      createdBy: 'u-commander',
      createdAt: start,
      closedAt: start + UPDATES * 1_000,
      purgedAt: null,
      restoredAt: null,
    };
    await storage.restoreOperation(
      op,
      [...logs].map(([doc, updates]) => ({ doc, updates })),
      { keptBy: 'u-commander', keptAt: op.closedAt! },
    );
    const newest = new Map<string, number>();
    for (const doc of logs.keys()) {
      const cp = await storage.readReplayCheckpoint(doc, Number.MAX_SAFE_INTEGER);
      expect(cp?.seq, doc).toBe(2_000);
      newest.set(doc, cp!.seq);
    }

    // What the documents loaded whole hold (the report's former way), in their order.
    const whole = async (scope: string) => docFromStored(await storage.loadDoc(docName(OP, scope)));
    const command = await whole(COMMAND_SCOPE);
    const stationDocs = await Promise.all(STATIONS.map(whole));
    const all = [command, ...stationDocs];
    const expectedSectors = [...readMap<Sector>(command, 'sectors').values()];
    const expectedAnnotations = all.flatMap((d) =>
      [...readMap<Annotation>(d, 'annotations').values()].map((a) => ({
        id: a.id,
        kind: a.kind,
        label: a.label,
        color: a.color,
        geometry: a.geometry,
      })),
    );
    const expectedTasks = all.flatMap((d) =>
      [...readMap<Task>(d, 'tasks').values()].map((x) => ({
        id: x.id,
        stationId: x.stationId,
        title: x.title,
        state: x.state,
        point: x.location!.coordinates,
      })),
    );
    for (const d of all) d.destroy();
    expect(expectedAnnotations.some((a) => a.id.startsWith('late'))).toBe(true);
    expect(expectedTasks.some((x) => x.id.startsWith('late'))).toBe(true);

    const { guarded, pages, heads } = pagedOnly(storage);
    // Walks of its own, on the guarded storage (the app's read its own storage).
    const ctx = { ...server.ctx, storage: guarded, replays: new OperationReplays(guarded) };

    const map = await buildReportMap(ctx, COMMANDER, OP);
    expect(map.sectors).toEqual(
      expectedSectors.map((s) => ({ id: s.id, name: s.name, status: s.status, polygon: s.polygon })),
    );
    expect(map.annotations).toEqual(expectedAnnotations);
    expect(map.tasks).toEqual(expectedTasks);
    // The final documents first: only the updates after each one's newest checkpoint, in pages.
    const walkFrom = pages.findIndex((p) => p.afterSeq === 0);
    const finalReads = pages.slice(0, walkFrom);
    expect(new Set(finalReads.map((p) => p.doc))).toEqual(new Set(logs.keys()));
    for (const p of finalReads) {
      expect(p.afterSeq).toBeGreaterThanOrEqual(newest.get(p.doc)!);
      expect(p.limit).toBeLessThanOrEqual(2_000);
    }
    const total = [...logs.values()].reduce((n, l) => n + l.length, 0);
    expect(finalReads.reduce((n, p) => n + p.rows, 0)).toBe(total - scopes.length * 2_000);
    // Then, for the units the report's table lists (removed ones too), every log from its start, a page at a time.
    for (const [doc, log] of logs) {
      const read = pages.slice(walkFrom).filter((p) => p.doc === doc);
      expect(read[0]?.afterSeq, doc).toBe(0);
      expect(
        read.reduce((n, p) => n + p.rows, 0),
        doc,
      ).toBe(log.length);
      for (const p of read) expect(p.limit).toBeLessThanOrEqual(2_000);
    }

    pages.length = 0;
    heads.length = 0;
    const report = await buildReport(ctx, COMMANDER, OP);
    expect(report.sectors).toEqual(
      expectedSectors.map((s) => ({
        id: s.id,
        name: s.name,
        status: s.status,
        assignedStationId: s.assignedStationId,
        assignedUnitIds: s.assignedUnitIds,
      })),
    );
    // The walk is the map's, kept (`OperationReplays`): the logs are only asked where they end (one
    // read of their heads: none grew past the walk), and the sectors read the command document's
    // updates after its newest checkpoint once more.
    expect(heads.map((docs) => [...docs].sort())).toEqual([[...logs.keys()].sort()]);
    for (const [doc, log] of logs) {
      const read = pages.filter((p) => p.doc === doc);
      const again = doc === docName(OP, COMMAND_SCOPE) ? log.length - 2_000 : 0;
      expect(
        read.filter((p) => p.limit > 1).reduce((n, p) => n + p.rows, 0),
        doc,
      ).toBe(again);
      for (const p of read) expect(p.limit).toBeLessThanOrEqual(2_000);
    }
    expect(report.changes.reduce((n, c) => n + c.updates, 0)).toBe(total);
    expect(report.changes.map((c) => c.userId).sort()).toEqual(PEERS.map((id) => `u-peer-${id}`).sort());
    const finalTasks = new Map(expectedTasks.map((x) => [`${x.stationId}:${x.id}`, x.state]));
    expect(new Map(report.tasks.map((x) => [`${x.stationId}:${x.id}`, x.finalState]))).toEqual(finalTasks);
  });
});
