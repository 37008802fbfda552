import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Annotation } from '@jointmap/shared';
import type { StoredDoc } from '../storage/types.ts';
import { exportRunner } from './export-run.ts';
import { run, type ExportJob } from './export-worker.ts';

const line = (id: string, points: number): Annotation =>
  ({
    id,
    kind: 'line',
    geometry: {
      type: 'LineString',
      coordinates: Array.from({ length: points }, (_, i) => [120.3 + i * 1e-5, 30.5 + i * 1e-5]),
    },
    label: `航迹 ${id} <&>`,
    color: '#dc2626',
    author: 'u-test',
    createdAt: 1,
    updatedAt: 1_764_000_000_000,
  }) as Annotation;

/** A station document of `count` lines as storage holds it (a snapshot and one update after it). */
function stored(count: number, points = 50): StoredDoc {
  const doc = new Y.Doc();
  const annotations = doc.getMap<Annotation>('annotations');
  annotations.set('first', line('first', points));
  const snapshot = Y.encodeStateAsUpdate(doc);
  const before = Y.encodeStateVector(doc);
  for (let i = 1; i < count; i++) annotations.set(`a${i}`, line(`a${i}`, points));
  return { snapshot, snapshotSeq: 1, updates: [Y.encodeStateAsUpdate(doc, before)], lastSeq: 2 };
}

const job = (format: ExportJob['format'], count = 20): ExportJob => ({
  what: 'annotations',
  format,
  title: 'demo-annotations',
  now: Date.UTC(2026, 11, 5),
  docs: [{ scope: 'deqing-yuyue', stored: stored(count) }],
});

const LIMITS = { concurrency: 1, maxWaiting: 1, timeLimitMs: 120_000, maxHeapMb: 512 };

describe('exports run on worker threads', { timeout: 60_000 }, () => {
  it('the file is written on a worker thread, and is what the documents make written in process', async () => {
    const started: Worker[] = [];
    const onWorker = (w: Worker) => started.push(w);
    process.on('worker', onWorker);
    try {
      for (const format of ['kml', 'gpx'] as const) {
        const before = started.length;
        const file = await exportRunner(LIMITS)(job(format));
        expect(started.length, format).toBe(before + 1);
        const inProcess = await run(job(format));
        expect(inProcess.ok).toBe(true);
        expect(file.toString('utf8'), format).toBe(Buffer.from(inProcess.ok ? inProcess.file : []).toString('utf8'));
        if (format === 'kml') {
          expect(file.toString('utf8').match(/<Placemark/g)).toHaveLength(20);
          expect(file.toString('utf8')).toContain('<name>航迹 first &lt;&amp;&gt;</name><Style><LineStyle>');
        }
      }
    } finally {
      process.off('worker', onWorker);
    }
  });

  it('with the export workers busy and their queue full, one more export is refused at once with RATE_LIMITED, as an import is', async () => {
    const runExport = exportRunner(LIMITS);
    const first = runExport(job('kml'));
    const queued = runExport(job('gpx'));
    await expect(runExport(job('geojson'))).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      message: 'the server is writing 2 other exports: try again in a minute',
    });
    expect((await first).toString('utf8')).toContain('<kml');
    expect((await queued).toString('utf8')).toContain('<gpx');
    // Their turns are handed back: the runner takes exports again.
    expect(JSON.parse((await runExport(job('geojson', 2))).toString('utf8')).features).toHaveLength(2);
  });

  it('an export past its time limit is stopped and refused with PAYLOAD_TOO_LARGE', async () => {
    const slow = exportRunner({ ...LIMITS, timeLimitMs: 1 });
    await expect(slow(job('kml'))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: /took more than/ });
  });
});
