import { rmSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { DEMO_OP, login, spawnServer, tempDir } from '../helpers/server.ts';
import { pointAnnotation } from '../helpers/records.ts';
import { connectClient, eventually } from '../helpers/sync-client.ts';

describe('crash safety', () => {
  test('after SIGKILL and restart on the same data dir, every edit a client had observed is there', async (t) => {
    const dataDir = tempDir('jointmap-crash-');
    t.onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await spawnServer(dataDir, { SNAPSHOT_EVERY: '50' });
    t.onTestFinished(() => first.kill());
    const { token } = await login(first.url, 'deqing');
    const doc = `${DEMO_OP}/deqing-yuyue`;
    const writer = await connectClient(t, first.wsUrl, doc, token);
    const observer = await connectClient(t, first.wsUrl, doc, token);
    const observed = new Set<string>();
    observer.doc.getMap('annotations').observe((e) => {
      for (const key of e.keysChanged) if (observer.doc.getMap('annotations').has(key)) observed.add(key);
    });
    let i = 0;
    const timer = setInterval(() => {
      for (let k = 0; k < 3; k++, i++)
        writer.doc.getMap('annotations').set(`e-${i}`, pointAnnotation(`e-${i}`, `第${i}次`, 120 + i / 10_000));
    }, 2);
    await eventually(() => observed.size >= 300, 20_000, '300 observed edits');
    await first.kill('SIGKILL');
    clearInterval(timer);
    const seen = [...observed];
    writer.destroy();
    observer.destroy();

    const second = await spawnServer(dataDir);
    t.onTestFinished(() => second.kill());
    const again = await connectClient(t, second.wsUrl, doc, (await login(second.url, 'deqing')).token);
    const keys = new Set(again.doc.getMap('annotations').keys());
    const missing = seen.filter((k) => !keys.has(k));
    expect(missing).toEqual([]);
    expect(seen.length).toBeGreaterThanOrEqual(300);
    console.log(
      `crash test: ${seen.length} observed edits, ${keys.size} recovered after SIGKILL (writer had made ${i})`,
    );
  });
});
