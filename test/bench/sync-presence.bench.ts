/**
 * In-process costs of one room with 100 connections (no network): what the server spends
 *
 * (a) on presence renewals (every client renews its awareness state every 15 s; here 100 renewals
 *     arriving in groups of 10, 5 rounds each spread over 500 ms or over 50 ms) with relays at once (tick
 *     0, as before) and coalesced per 15-ms tick: messages sent, bytes sent and CPU per renewal;
 * (b) on durable relay of a burst of edits from 5 writers: storage transactions per update, and
 *     CPU per update split into authorization + schema enforcement (`screenUpdate` +
 *     `applyClientUpdate`, measured alone) and the rest (append, relay to 99 sockets);
 * (c) on the SQLite append alone: one transaction per update against one for all.
 *
 * `pnpm bench sync-presence`.
 */
import { rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import type { ChangeOrigin } from '@jointmap/shared';
import { Room, type RoomSession, type RoomSocket } from '@jointmap/server/rooms/room';
import { applyClientUpdate, screenUpdate } from '@jointmap/server/rooms/update-guard';
import { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import { Rng } from './lib/rng.ts';
import { printTable } from './lib/stats.ts';
import { polygonAnnotation } from './lib/workload.ts';

const CLIENTS = 100;
/** Every client renews this many times. */
const ROUNDS = 5;
const DOC = 'op-bench/deqing-yuyue';
const session = (i: number): RoomSession => ({
  sessionId: `s${i}`,
  access: 'write',
  user: { id: `u${i}`, name: `值班${i}`, role: 'dispatcher', stationId: 'deqing-yuyue' },
});

function frame(type: number, payload: Uint8Array, sub?: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, type);
  if (sub !== undefined) encoding.writeVarUint(e, sub);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

function awarenessUpdate(clientId: number, clock: number, state: object): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint(e, clientId);
  encoding.writeVarUint(e, clock);
  encoding.writeVarString(e, JSON.stringify(state));
  return frame(1, encoding.toUint8Array(e));
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Setup {
  room: Room;
  store: SqliteStorage;
  conns: { receive(data: Uint8Array): void }[];
  sent: { messages: number; bytes: number };
  done(): Promise<void>;
}

async function setup(options: { awarenessTickMs: number }): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-bench-presence-'));
  const store = new SqliteStorage(dir);
  const room = await Room.load(DOC, 'station', store, { snapshotEvery: 100_000, ...options });
  const sent = { messages: 0, bytes: 0 };
  const conns = Array.from({ length: CLIENTS }, (_, i) => {
    const socket: RoomSocket = {
      isOpen: true,
      close: () => undefined,
      send: (d) => {
        sent.messages++;
        sent.bytes += d.byteLength;
      },
    };
    return room.connect(socket, session(i));
  });
  await room.idle();
  return {
    room,
    store,
    conns,
    sent,
    done: async () => {
      await room.destroy();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** (a) Every client joins, then renews its (unchanged) state once, spread over one second. */
async function presence(awarenessTickMs: number, spreadMs: number): Promise<string[]> {
  const s = await setup({ awarenessTickMs });
  const state = (i: number) => ({ pointer: [120 + i / 1000, 30.5], name: `终端${i}`, color: '#2563eb' });
  for (let i = 0; i < CLIENTS; i++) s.conns[i]!.receive(awarenessUpdate(1000 + i, 1, state(i)));
  await sleep(50);
  s.sent.messages = 0;
  s.sent.bytes = 0;
  const cpu0 = process.cpuUsage();
  for (let round = 0; round < ROUNDS; round++)
    for (let i = 0; i < CLIENTS; i++) {
      s.conns[i]!.receive(awarenessUpdate(1000 + i, 2 + round, state(i)));
      if (i % 10 === 9) await sleep(spreadMs / 10);
    }
  await sleep(50);
  const cpu = cpuMs(cpu0);
  const row = [
    `over ${spreadMs} ms`,
    awarenessTickMs === 0 ? 'at once (tick 0, as before)' : `coalesced, ${awarenessTickMs}-ms tick`,
    String(s.sent.messages),
    (s.sent.messages / (CLIENTS * ROUNDS)).toFixed(1),
    `${(s.sent.bytes / 1024).toFixed(0)} KiB`,
    `${((cpu * 1000) / (CLIENTS * ROUNDS)).toFixed(0)} µs`,
  ];
  await s.done();
  return row;
}

/** (b) 5 writers each send `perWriter` edits back to back; transactions counted, CPU split. */
async function burst(perWriter: number): Promise<string[]> {
  const s = await setup({ awarenessTickMs: 15 });
  let transactions = 0;
  let stored = 0;
  const one = s.store.appendUpdate.bind(s.store);
  const many = s.store.appendUpdates.bind(s.store);
  s.store.appendUpdate = (doc, u, a) => (transactions++, stored++, one(doc, u, a));
  s.store.appendUpdates = (batch) => (transactions++, (stored += batch.length), many(batch));
  const rng = new Rng(3);
  const updates: Uint8Array[][] = [];
  for (let w = 0; w < 5; w++) {
    const doc = new Y.Doc();
    const out: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => out.push(u));
    for (let k = 0; k < perWriter; k++) {
      const a = polygonAnnotation(rng, `w${w}-${k}`, Date.now());
      doc.getMap('annotations').set(a.id, a);
    }
    updates.push(out);
  }
  // Authorization + schema alone, on a copy of the room's document as the burst found it.
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(s.room.doc));
  const total = 5 * perWriter;
  const cpu0 = process.cpuUsage();
  for (let w = 0; w < 5; w++) for (const u of updates[w]!) s.conns[w]!.receive(frame(0, u, 2));
  await s.room.idle();
  const allMs = cpuMs(cpu0);
  const origin: ChangeOrigin = { source: 'session', sessionId: 'b', userId: 'u0' };
  const guard0 = process.cpuUsage();
  for (const list of updates)
    for (const u of list) {
      const screening = screenUpdate(copy, 'station', u, true);
      if (screening.type === 'apply') applyClientUpdate(copy, 'station', screening.update, origin, 'deqing-yuyue');
    }
  const guardMs = cpuMs(guard0);
  const row = [
    String(total),
    String(stored),
    String(transactions),
    `${((allMs * 1000) / total).toFixed(0)} µs`,
    `${((guardMs * 1000) / total).toFixed(0)} µs`,
    `${(((allMs - guardMs) * 1000) / total).toFixed(0)} µs`,
  ];
  await s.done();
  return row;
}

/** (c) The SQLite append alone: `n` updates one transaction each, then in one transaction. */
async function appendCost(n: number, synchronous: 'normal' | 'full'): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-bench-append-'));
  const store = new SqliteStorage(dir, { synchronous });
  const update = new Uint8Array(200).fill(7);
  const author = { sessionId: 's', userId: 'u' };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await store.appendUpdate('op-a/one', update, author);
  const single = (performance.now() - t0) / n;
  const t1 = performance.now();
  await store.appendUpdates(Array.from({ length: n }, () => ({ doc: 'op-a/many', update, author })));
  const grouped = (performance.now() - t1) / n;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return [synchronous, String(n), `${(single * 1000).toFixed(0)} µs`, `${(grouped * 1000).toFixed(1)} µs`];
}

export default async function run(): Promise<void> {
  console.log(`one room, ${CLIENTS} connections, in process (SQLite storage, no network)`);
  const presenceRows = [['100 renewals', 'relays', 'messages sent', 'per renewal', 'bytes sent', 'CPU per renewal']];
  await presence(0, 100); // warm-up, not shown
  for (const spread of [500, 50]) for (const tick of [0, 15]) presenceRows.push(await presence(tick, spread));
  printTable(`(a) ${CLIENTS} clients renewing their presence ${ROUNDS} times (in groups of 10)`, presenceRows);

  const burstRows = [
    ['updates', 'stored', 'transactions', 'CPU per update', 'of which auth + schema', 'append + relay to 99'],
  ];
  await burst(20); // warm-up, not shown
  for (const perWriter of [1, 20, 100]) {
    // Best of three (by CPU per update): the machine is shared, the rest is noise.
    const runs = [await burst(perWriter), await burst(perWriter), await burst(perWriter)];
    burstRows.push(runs.sort((x, y) => parseFloat(x[3]!) - parseFloat(y[3]!))[0]!);
  }
  printTable('(b) bursts from 5 writers, group commit (best of 3)', burstRows);

  const appendRows = [['SQLITE_SYNCHRONOUS', 'updates', 'one transaction each', 'all in one transaction']];
  for (const sync of ['normal', 'full'] as const) appendRows.push(await appendCost(200, sync));
  printTable('(c) SQLite append, wall time per update', appendRows);
}
