import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docName, type Unit } from '@jointmap/shared';
import { DEMO_OP, startServer, tempDir } from '../helpers/server.ts';
import { epochSeconds, stored, traccarQuery } from '../live/live-helpers.ts';
import { SHARED_REDIS_URL, startPair, until } from './live-pair.ts';

const STATION = 'deqing-yuyue';
/** Demo tracker demo-yuyue-01 reports for yuyue-car-01; the file moves it to yuyue-foot-02. */
const TRACKER = 'demo-yuyue-01';

describe('trackers set in the accounts file, with several instances', () => {
  it('an instance restarted with the file moves a tracker: the instance that kept running follows, and the unit records show it', async (t) => {
    const { a, b, prefix, databaseUrl } = await startPair(t);
    const dir = tempDir('jointmap-accounts-trackers-');
    t.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    // B has resolved the tracker (its cache holds the registration from before the file).
    const first = Date.now() - 60_000;
    expect(
      (await traccarQuery(b.url, { id: TRACKER, lat: 30.55, lon: 120.1, timestamp: epochSeconds(first) })).status,
    ).toBe(200);
    expect((await stored(b, STATION, 'yuyue-car-01')).latest).not.toBeNull();

    const file = join(dir, 'accounts.json');
    writeFileSync(file, JSON.stringify({ devices: [{ id: TRACKER, stationId: STATION, unitId: 'yuyue-foot-02' }] }));
    await a.close();
    const restarted = await startServer(t, {
      databaseUrl,
      redisUrl: SHARED_REDIS_URL,
      redisPrefix: prefix,
      accountsFile: file,
    });

    // A fix sent to B, which never restarted, now reports for the unit the file gives the tracker.
    const later = Math.floor(Date.now() / 1000) * 1000 - 5_000;
    expect(
      (await traccarQuery(b.url, { id: TRACKER, lat: 30.56, lon: 120.11, timestamp: epochSeconds(later) })).status,
    ).toBe(200);
    expect((await stored(b, STATION, 'yuyue-foot-02')).latest?.time).toBe(later);
    expect((await stored(b, STATION, 'yuyue-car-01')).latest?.time).toBe(Math.floor(first / 1000) * 1000);

    // The roster's mirror follows too, as after POST /api/devices.
    const room = await restarted.ctx.rooms.get(docName(DEMO_OP, STATION));
    await until(
      async () => {
        await room.idle();
        return room.doc.getMap<Unit>('units').get('yuyue-foot-02')?.deviceIds.includes(TRACKER) ?? false;
      },
      5_000,
      'the tracker on its new unit record',
    );
    expect(room.doc.getMap<Unit>('units').get('yuyue-car-01')?.deviceIds).not.toContain(TRACKER);
  });
});
