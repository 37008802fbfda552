import { rmSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { DEMO_OP, login, spawnServer, tempDir } from '../helpers/server.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';

describe('crash safety with group commit', () => {
  test('after SIGKILL in the middle of bursts from three writers, every edit an observer saw is there after restart', async (t) => {
    const dataDir = tempDir('jointmap-crash-bursts-');
    t.onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await spawnServer(dataDir, { SNAPSHOT_EVERY: '40' });
    t.onTestFinished(() => first.kill());
    const { token } = await login(first.url, 'deqing');
    const doc = `${DEMO_OP}/deqing-yuyue`;
    const writers = await Promise.all([0, 1, 2].map(() => connectClient(t, first.wsUrl, doc, token)));
    const observer = await connectClient(t, first.wsUrl, doc, token);
    const observed = new Set<string>();
    const map = observer.doc.getMap('annotations');
    map.observe((e) => {
      for (const key of e.keysChanged) if (map.has(key)) observed.add(key);
    });
    // Bursts: each writer sends 15 separate updates back to back, every few milliseconds, so the
    // server appends many updates per transaction.
    let made = 0;
    const timer = setInterval(() => {
      writers.forEach((w, n) => {
        for (let k = 0; k < 15; k++, made++) {
          const key = `w${n}-${made}`;
          w.doc.getMap('annotations').set(key, pointAnnotation(key, `第${made}次`, 120 + made / 100_000));
        }
      });
    }, 3);
    await eventually(() => observed.size >= 1500, 30_000, '1500 observed edits');
    await first.kill('SIGKILL');
    clearInterval(timer);
    const seen = [...observed];
    for (const w of writers) w.destroy();
    observer.destroy();

    const second = await spawnServer(dataDir);
    t.onTestFinished(() => second.kill());
    const again = await connectClient(t, second.wsUrl, doc, (await login(second.url, 'deqing')).token);
    const keys = new Set(again.doc.getMap('annotations').keys());
    expect(seen.filter((k) => !keys.has(k))).toEqual([]);
    expect(seen.length).toBeGreaterThanOrEqual(1500);
    console.log(
      `crash bursts: ${seen.length} observed edits, ${keys.size} recovered after SIGKILL (writers made ${made})`,
    );
  });
});
