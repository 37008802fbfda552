import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { SqliteStorage } from '../storage/sqlite-storage.ts';
import { LiveService } from './live-service.ts';
import type { PositionRelay } from './relay.ts';

export const STATION = 'deqing-yuyue';
export const NOW = Date.parse('2026-03-01T08:00:00Z');

/**
 * A live service on SQLite in a temporary directory, with trackers `devices` on unit `car-1` of
 * {@link STATION}, its clock at `clock.now` (from {@link NOW}), publishing on `relay` (default: in
 * process). `send` is one query-string request of a device; `close` removes it all.
 */
export async function liveOnSqlite(
  opts: { devices?: string[]; relay?: PositionRelay; warn?: (o: object) => void } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'jointmap-ingest-'));
  const storage = new SqliteStorage(dir);
  await storage.upsertStation({
    id: STATION,
    name: '禹越',
    shortName: '禹越',
    adcode: null,
    color: '#123',
    jurisdiction: null,
  });
  for (const id of opts.devices ?? ['dev-a'])
    await storage.upsertDevice({ id, unitId: 'car-1', stationId: STATION, label: id, createdAt: 0 });
  const clock = { now: NOW };
  const live = new LiveService(
    storage,
    {
      limits: { maxFutureMs: 5 * 60_000, maxAgeMs: 7 * 86_400_000, maxFixes: 100 },
      ratePerSecond: 100,
      rateBurst: 100,
      thresholds: { staleAfterMs: 60_000, lostAfterMs: 300_000 },
      ...(opts.warn ? { log: { warn: opts.warn } } : {}),
    },
    new Registry(),
    opts.relay,
    () => clock.now,
  );
  await live.start();
  const send = (deviceId: string, query: Record<string, string>) =>
    live.ingest({ query: { id: deviceId, ...query }, body: undefined, contentType: undefined, address: '10.0.0.1' });
  /** One JSON request of several records (the Traccar Client SDK's batch, a phone flushing its buffer). */
  const batch = (records: object[]) =>
    live.ingest({ query: {}, body: JSON.stringify(records), contentType: 'application/json', address: '10.0.0.1' });
  const close = async () => {
    await live.close();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { live, storage, clock, send, batch, close };
}
