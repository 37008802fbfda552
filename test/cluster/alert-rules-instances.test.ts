import { describe, expect, it } from 'vitest';
import { docName } from '@jointmap/shared';
import { CAR, line, putRules, rule, send, square, storedAlerts, track } from '../alerts/alert-helpers.ts';
import { api } from '../live/live-helpers.ts';
import { DEMO_OP } from '../helpers/server.ts';
import { startRedis } from '../helpers/cluster.ts';
import { rmSync } from 'node:fs';
import { PgStorage } from '@jointmap/server/storage/pg-storage';
import { createTestSchema } from '../helpers/pg-schema.ts';
import { startServer, tempDir, type TestServer } from '../helpers/server.ts';
import { SHARED_REDIS_URL, startPair, uniquePrefix, until } from './live-pair.ts';

const MIN = 60_000;
const STATION_DOC = docName(DEMO_OP, CAR.stationId);
const depot = (enabled: boolean) =>
  rule(CAR.stationId, { id: 'depot', name: '油库', type: 'zone', polygon: square(200), trigger: 'enter', enabled });

/**
 * B holds the station's document while A draws the zone, so B's engine follows it; then B lets the
 * document go (rooms idle 200 ms without a connection).
 */
async function zoneOnBUnloaded(a: TestServer, b: TestServer): Promise<void> {
  await b.ctx.rooms.get(STATION_DOC);
  await putRules(a, CAR.stationId, [depot(true)]);
  await until(
    async () => {
      await b.alerts.whenIdle();
      return (await b.ctx.rooms.get(STATION_DOC)).doc.getMap('rules').has('depot');
    },
    5_000,
    'the zone on B',
  );
  await until(() => !b.ctx.rooms.has(STATION_DOC), 5_000, 'B to unload the document');
}

describe('alert rules over two instances', () => {
  it('a zone disabled on instance A is not judged by instance B, which holds none of its documents', async (t) => {
    const { a, b } = await startPair(t, {
      ingestRatePerSecond: 1000,
      ingestRateBurst: 1000,
      alertCheckMs: 3600_000,
      roomIdleMs: 200,
    });
    // B follows the zone, then lets the document go (no one connected to it there)…
    await zoneOnBUnloaded(a, b);

    // …and a dispatcher on A switches the zone off.
    await putRules(a, CAR.stationId, [depot(false)]);
    await until(() => b.ctx.rooms.has(STATION_DOC), 5_000, 'B to read the document again');
    await b.alerts.whenIdle();

    // A car drives into it: neither instance may raise an alert (B used to, by the zone it last read).
    const t0 = Date.now() - 5 * MIN;
    await send(a, CAR.deviceId, track(t0, 2, line([-600, 0], [0, 0], 30)));
    await Promise.all([a.alerts.whenIdle(), b.alerts.whenIdle()]);
    expect((await storedAlerts(a)).map((x) => `${x.kind} ${x.ruleId}`)).toEqual([]);
  });

  it('a zone disabled on A while Redis was down is no longer judged by B once the link is back', async (t) => {
    const redis = await startRedis(t);
    const { a, b } = await startPair(t, {
      redisUrl: redis.url,
      ingestRatePerSecond: 1000,
      ingestRateBurst: 1000,
      alertCheckMs: 3600_000,
      roomIdleMs: 200,
    });
    await zoneOnBUnloaded(a, b);

    // Redis goes down: the hint of the change is lost.
    await redis.kill();
    await putRules(a, CAR.stationId, [depot(false)]);
    await redis.start();
    // Back: B reads again what it follows.
    await until(() => b.ctx.rooms.has(STATION_DOC), 20_000, 'B to read the document again');
    await b.alerts.whenIdle();

    const t0 = Date.now() - 5 * MIN;
    await send(a, CAR.deviceId, track(t0, 2, line([-600, 0], [0, 0], 30)));
    await Promise.all([a.alerts.whenIdle(), b.alerts.whenIdle()]);
    expect((await storedAlerts(a)).map((x) => `${x.kind} ${x.ruleId}`)).toEqual([]);
  });

  it('a zone disabled on A while B is loading its document (reading it after the change) is followed on B', async (t) => {
    const schema = await createTestSchema(t);
    const overrides = {
      databaseUrl: schema.url,
      redisUrl: SHARED_REDIS_URL,
      redisPrefix: uniquePrefix(),
      ingestRatePerSecond: 1000,
      ingestRateBurst: 1000,
      alertCheckMs: 3600_000,
      roomIdleMs: 200,
    };
    const a = await startServer(t, overrides);
    // B's storage holds a load of the station's document, before reading it, while the test says so.
    const storageB = await PgStorage.open(schema.url);
    const load = storageB.loadDoc.bind(storageB);
    let hold: Promise<void> | null = null;
    let reached: () => void = () => undefined;
    storageB.loadDoc = async (doc) => {
      if (doc === STATION_DOC && hold) {
        reached();
        await hold;
      }
      return load(doc);
    };
    const dirB = tempDir();
    t.onTestFinished(() => rmSync(dirB, { recursive: true, force: true }));
    const b = await startServer(t, { ...overrides, dataDir: dirB }, { storage: () => storageB });

    await zoneOnBUnloaded(a, b);

    // Something else on B loads the document again; the load waits before it reads.
    let release: () => void = () => undefined;
    hold = new Promise<void>((resolve) => (release = resolve));
    const reachedLoad = new Promise<void>((resolve) => (reached = resolve));
    const loading = b.ctx.rooms.get(STATION_DOC);
    await reachedLoad;
    // Meanwhile A switches the zone off; its hint reaches B during the load, which then reads it.
    await putRules(a, CAR.stationId, [depot(false)]);
    await new Promise((r) => setTimeout(r, 300));
    hold = null;
    release();
    await loading;
    await until(async () => {
      await b.alerts.whenIdle();
      return true;
    });

    const t0 = Date.now() - 5 * MIN;
    await send(a, CAR.deviceId, track(t0, 2, line([-600, 0], [0, 0], 30)));
    await Promise.all([a.alerts.whenIdle(), b.alerts.whenIdle()]);
    expect((await storedAlerts(a)).map((x) => `${x.kind} ${x.ruleId}`)).toEqual([]);
  });

  it('an operation created on instance A raises an SOS through instance B once A is gone', async (t) => {
    const { a, b } = await startPair(t, { ingestRatePerSecond: 1000, ingestRateBurst: 1000, alertCheckMs: 3600_000 });
    const commander = (await a.login('commander')).token;
    const created = await api<{ id: string }>(a, commander, 'POST', '/api/operations', {
      name: '德清单独行动',
      kind: 'response',
      stations: [CAR.stationId],
    });
    expect(created.status).toBe(201);
    const opId = created.body.id;
    // The operation's first document commit reaches B as a hint; B follows the operation.
    await until(() => b.alerts.follows(opId), 5_000, 'B to follow it');
    await b.alerts.whenIdle();
    await a.close();

    await send(b, CAR.deviceId, [{ time: Date.now() - 1_000, at: [120.3, 30.5], alarm: 'sos' }]);
    await b.alerts.whenIdle();
    const stored = await b.ctx.storage.listAlerts(opId, { limit: 100 });
    expect(stored.map((x) => `${x.kind} ${x.unitId}`)).toEqual([`sos ${CAR.unitId}`]);
  });
});
