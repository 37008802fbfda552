import { describe, expect, test } from 'vitest';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import { SyncCloseCode } from '@jointmap/shared';
import { SqliteStorage } from '@jointmap/server/storage/sqlite-storage';
import type { Storage } from '@jointmap/server/storage/types';
import { DEMO_OP, startServer, type TestServer } from '../helpers/server.ts';
import { connectClient } from '../helpers/sync-client.ts';

const BROKEN = `${DEMO_OP}/deqing-yuyue`;
const HEALTHY = `${DEMO_OP}/linping-yunhe`;

/** What the test controls of the storage: loads of one document fail, the others work. */
interface LoadFaults {
  /** The next this-many loads of BROKEN fail, then they work again ("storage is back"). */
  failures: number;
  /** Loads of BROKEN so far. */
  attempts: number;
  /** This attempt (1-based) waits for `hold` before it fails, as a stuck storage call would. */
  holdAttempt: number | null;
  hold: Promise<void> | null;
}

/** The real SQLite storage whose loads of BROKEN fail `faults.failures` times, then work. */
function failingLoads(dataDir: string, faults: LoadFaults): Storage {
  const storage = new SqliteStorage(dataDir);
  const load = storage.loadDoc.bind(storage);
  storage.loadDoc = async (doc) => {
    if (doc !== BROKEN) return load(doc);
    faults.attempts++;
    if (faults.failures <= 0) return load(doc);
    faults.failures--;
    if (faults.attempts === faults.holdAttempt) await faults.hold;
    throw new Error('SQLITE_IOERR: disk I/O error');
  };
  return storage;
}

interface FirstReply {
  /** The server answered sync step 1 with the document (sync step 2). */
  synced: boolean;
  codes: string[];
  closeCode: number | null;
}

/** A raw y-websocket client: sends sync step 1 and resolves on the document or on the close. */
function firstReply(server: TestServer, doc: string, token: string): Promise<FirstReply> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.wsUrl}/sync/${doc}?token=${token}`);
    const codes: string[] = [];
    ws.on('open', () => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0); // messageSync
      encoding.writeVarUint(e, 0); // sync step 1
      encoding.writeVarUint8Array(e, new Uint8Array([0])); // empty state vector
      ws.send(encoding.toUint8Array(e));
    });
    ws.on('message', (data: Buffer) => {
      const d = decoding.createDecoder(new Uint8Array(data));
      const type = decoding.readVarUint(d);
      const sub = decoding.readVarUint(d);
      if (type === 2 && sub === 0) codes.push((JSON.parse(decoding.readVarString(d)) as { code: string }).code);
      if (type === 0 && sub === 1) {
        ws.close();
        resolve({ synced: true, codes, closeCode: null });
      }
    });
    ws.on('close', (code) => resolve({ synced: false, codes, closeCode: code }));
    ws.on('error', reject);
  });
}

async function loadFailures(server: TestServer): Promise<Record<string, number>> {
  const { values } = await server.ctx.metrics.roomLoadFailures.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
}

describe('storage failure while loading a document', () => {
  test('the client is refused with STORAGE_UNAVAILABLE, other documents are served meanwhile, and the document loads once storage is back', async (t) => {
    const faults: LoadFaults = { failures: 0, attempts: 0, holdAttempt: null, hold: null };
    const server = await startServer(
      t,
      { roomLoadRetries: 2, roomLoadBackoffMs: 10 },
      { storage: (dir) => failingLoads(dir, faults) },
    );
    const { token } = await server.login('commander');
    const units = (await server.ctx.rooms.get(BROKEN)).doc.getMap('units').size;
    expect(units).toBeGreaterThan(0);
    // The services that read every document at start (alerts, the release of units on ended tasks)
    // are done first: one of them loading the document during the fault would be a second load.
    await server.alerts.whenIdle();
    await server.endedRelease.idle();
    // Nothing in memory, as after the idle unload: the next join must load from storage.
    await server.ctx.rooms.closeAll();

    // The first attempt and both retries fail; the first retry hangs until released.
    faults.failures = 3;
    faults.attempts = 0;
    faults.holdAttempt = 2;
    let release!: () => void;
    faults.hold = new Promise((resolve) => (release = resolve));
    let settled = false;
    const refused = firstReply(server, BROKEN, token).finally(() => (settled = true));
    try {
      await expect.poll(() => faults.attempts).toBe(2);
      // Meanwhile (one load failed, its retry under way) another document is served.
      const other = await connectClient(t, server.wsUrl, HEALTHY, token);
      expect(other.doc.getMap('units').size).toBeGreaterThan(0);
      expect(settled).toBe(false);
    } finally {
      release();
    }

    expect(await refused).toEqual({
      synced: false,
      codes: ['STORAGE_UNAVAILABLE'],
      closeCode: SyncCloseCode.unavailable,
    });
    expect(await loadFailures(server)).toEqual({ retried: 2, gave_up: 1 });
    expect(server.ctx.rooms.has(BROKEN)).toBe(false);

    // Storage is back: the same document loads, whole.
    expect([faults.failures, faults.attempts]).toEqual([0, 3]);
    const again = await connectClient(t, server.wsUrl, BROKEN, token);
    expect(again.doc.getMap('units').size).toBe(units);
    expect(await loadFailures(server)).toEqual({ retried: 2, gave_up: 1 });
  });

  test('a load that fails briefly is retried while the client waits: its first connection syncs', async (t) => {
    const faults: LoadFaults = { failures: 0, attempts: 0, holdAttempt: null, hold: null };
    const server = await startServer(
      t,
      { roomLoadRetries: 2, roomLoadBackoffMs: 10 },
      { storage: (dir) => failingLoads(dir, faults) },
    );
    const { token } = await server.login('commander');
    await server.ctx.rooms.closeAll();
    faults.failures = 2;
    expect(await firstReply(server, BROKEN, token)).toEqual({ synced: true, codes: [], closeCode: null });
    expect(faults.failures).toBe(0);
    expect(await loadFailures(server)).toEqual({ retried: 2 });
  });

  test('frames sent before the document is ready are held within the message limit, empty ones too', async (t) => {
    const faults: LoadFaults = { failures: 0, attempts: 0, holdAttempt: null, hold: null };
    // 64 KiB held at most: about 500 empty frames.
    const server = await startServer(
      t,
      { roomLoadRetries: 2, roomLoadBackoffMs: 10, maxMessageBytes: 64 * 1024 },
      { storage: (dir) => failingLoads(dir, faults) },
    );
    const { token } = await server.login('commander');
    await server.ctx.rooms.closeAll();
    // The load hangs (then fails once and is retried): the document is not ready meanwhile.
    faults.failures = 1;
    faults.attempts = 0;
    faults.holdAttempt = 1;
    let release!: () => void;
    faults.hold = new Promise((resolve) => (release = resolve));
    try {
      const ws = new WebSocket(`${server.wsUrl}/sync/${BROKEN}?token=${token}`);
      const codes: string[] = [];
      ws.on('message', (data: Buffer) => {
        const d = decoding.createDecoder(new Uint8Array(data));
        if (decoding.readVarUint(d) === 2 && decoding.readVarUint(d) === 0)
          codes.push((JSON.parse(decoding.readVarString(d)) as { code: string }).code);
      });
      const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
      await new Promise((resolve) => ws.on('open', resolve));
      await expect.poll(() => faults.attempts).toBe(1);
      for (let i = 0; i < 2000 && ws.readyState === ws.OPEN; i++) ws.send(new Uint8Array(0));
      expect(await closed).toBe(SyncCloseCode.tooLarge);
      expect(codes).toEqual(['PAYLOAD_TOO_LARGE']);
    } finally {
      release();
    }
  });
});
