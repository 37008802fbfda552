import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { docName } from '@jointmap/shared';
import { EXPORT_LIMITS } from '../../server/src/interop/export-run.ts';
import { DEMO_OP, startServer } from '../helpers/server.ts';
import { DEQING } from '../helpers/tasks.ts';

/** An update of `tracks` line annotations of `points` positions each (drone or phone logs). */
function manyLines(tracks: number, points: number): Uint8Array {
  const doc = new Y.Doc();
  const annotations = doc.getMap('annotations');
  doc.transact(() => {
    for (let i = 0; i < tracks; i++) {
      const coordinates = Array.from({ length: points }, (_, j) => [120.2 + i * 1e-4 + j * 1e-5, 30.5 + j * 1e-5]);
      annotations.set(`track-${i}`, {
        ...{ id: `track-${i}`, kind: 'line', geometry: { type: 'LineString', coordinates } },
        ...{ label: `航迹 ${i}`, color: '#dc2626', author: 'u-test', createdAt: 1, updatedAt: 1 },
      });
    }
  });
  return Y.encodeStateAsUpdate(doc);
}

/** Resolves when the server starts an export worker (told apart from SQLite's by its heap limit). */
function exportWorkerStarted(t: { onTestFinished(fn: () => void): void }): Promise<void> {
  return new Promise((resolve) => {
    const seen = (worker: Worker) => {
      if (worker.resourceLimits?.maxOldGenerationSizeMb !== EXPORT_LIMITS.maxHeapMb) return;
      process.off('worker', seen);
      resolve();
    };
    process.on('worker', seen);
    t.onTestFinished(() => void process.off('worker', seen));
  });
}

describe('a large export does not hold up the server', () => {
  it('1,000 tracks × 250 points are written as KML on a worker thread, and the server answers other requests meanwhile', async (t) => {
    const server = await startServer(t);
    const { token } = await server.login('deqing');
    await server.ctx.storage.appendUpdate(docName(DEMO_OP, DEQING), manyLines(1000, 250), {
      sessionId: null,
      userId: null,
    });
    const onWorker = exportWorkerStarted(t);
    let exported = false;
    const download = fetch(
      `${server.url}/api/operations/${DEMO_OP}/export?what=annotations&format=kml&scope=${DEQING}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    ).then(async (res) => {
      const text = await res.text();
      exported = true;
      return { status: res.status, text };
    });
    // Written on the event loop (before), the export answered without starting any worker.
    expect(await Promise.race([onWorker.then(() => 'worker'), download.then(() => 'answered')])).toBe('worker');
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    expect(exported, 'the export was still being written when the server answered').toBe(false);
    const { status, text } = await download;
    expect(status).toBe(200);
    expect(text.match(/<Placemark id="track-\d+">/g)).toHaveLength(1000);
    expect(text).toContain('<name>航迹 999</name><Style><LineStyle><color>ff2626dc</color>');
  });
});
