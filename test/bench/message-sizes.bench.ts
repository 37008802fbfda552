/**
 * How large do real sync messages get? The largest inbound message a legitimate client sends is
 * its sync step 2 when the server lacks everything it has (a station's laptop that kept a
 * document in IndexedDB while the server's copy was restored from an older backup): the whole
 * document. This measures whole documents, encoded as that message:
 *
 * - every document of the demo operation after the demo story has played (seeded data, task,
 *   answers, a search with its sector grid, clue and found markers);
 * - a big station document: 2,000 polygon annotations (hand-drawn size, 6–24 vertices) and 100
 *   units; and the same with detailed polygons (100–200 vertices, as traced along roads).
 *
 * Sizes only, no timing. `pnpm bench message-sizes`; figures in docs/decisions.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import type { Annotation } from '@jointmap/shared';
import { buildApp } from '@jointmap/server';
import { defaultConfig } from '@jointmap/server/config';
import { StoryPlayer } from '@jointmap/server/demo/story-player';
import { tricountyStory } from '@jointmap/server/demo/tricounty-story';
import { DEMO_OPERATION_ID } from '@jointmap/server/seed/demo';
import { encodeSyncStep2 } from '@jointmap/server/rooms/sync-messages';
import { Rng } from './lib/rng.ts';
import { kib, printTable } from './lib/stats.ts';
import { pad, polygonAnnotation, unit } from './lib/workload.ts';

const messageBytes = (doc: Y.Doc) => encodeSyncStep2(Y.encodeStateAsUpdate(doc)).byteLength;

async function demoDocuments(): Promise<string[][]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jointmap-sizes-'));
  const built = await buildApp(
    defaultConfig({ dataDir, demoPassword: 'sizes-pass-1', logLevel: 'silent', simulate: false }),
    { logger: false },
  );
  try {
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    let time = Date.now();
    const clock = { now: () => time, sleep: async (ms: number) => void (time += ms) };
    const player = new StoryPlayer(
      tricountyStory,
      { rooms: built.ctx.rooms, storage: built.ctx.storage, log },
      { operationId: DEMO_OPERATION_ID, clock },
    );
    const outcome = await player.play();
    if (outcome !== 'finished') throw new Error(`demo story: ${outcome}`);
    const op = await built.ctx.storage.getOperation(DEMO_OPERATION_ID);
    const rows: string[][] = [];
    for (const scope of ['command', ...(op?.stations ?? [])]) {
      const room = await built.ctx.rooms.get(`${DEMO_OPERATION_ID}/${scope}`);
      const records = [...room.doc.share.keys()].map((k) => `${k} ${room.doc.getMap(k).size}`).join(', ');
      rows.push([`demo after the story: ${scope}`, records, kib(messageBytes(room.doc))]);
    }
    return rows;
  } finally {
    await built.app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A polygon annotation with `min`–`max` vertices (detailed outlines traced along roads). */
function detailedPolygon(rng: Rng, id: string, now: number, min: number, max: number): Annotation {
  const a = polygonAnnotation(rng, id, now);
  const ring = (a.geometry as { coordinates: [number, number][][] }).coordinates[0]!;
  const [cx, cy] = ring[0]!;
  const n = rng.int(min, max);
  const r = rng.range(0.0005, 0.01);
  const points: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const t = (i / n) * 2 * Math.PI;
    const rr = r * rng.range(0.7, 1.3);
    points.push([Math.round((cx + rr * Math.cos(t)) * 1e6) / 1e6, Math.round((cy + rr * Math.sin(t)) * 1e6) / 1e6]);
  }
  points.push([points[0]![0], points[0]![1]]);
  return { ...a, geometry: { type: 'Polygon', coordinates: [points] } };
}

function stationDocument(label: string, annotation: (rng: Rng, id: string, now: number) => Annotation): string[] {
  const doc = new Y.Doc();
  const rng = new Rng(5);
  const now = Date.now();
  // As a dispatcher builds it: many small transactions, some records replaced later.
  for (let i = 0; i < 2_000; i += 20) {
    doc.transact(() => {
      for (let j = i; j < i + 20; j++)
        doc.getMap('annotations').set(`ann-${pad(j)}`, annotation(rng, `ann-${pad(j)}`, now));
    });
  }
  for (let i = 0; i < 100; i++) doc.getMap('units').set(`unit-${pad(i)}`, unit(rng, `unit-${pad(i)}`, now));
  for (let i = 0; i < 500; i++) {
    const id = `ann-${pad(rng.int(0, 1_999))}`;
    doc.getMap('annotations').set(id, annotation(rng, id, now));
  }
  return [label, '2,000 annotations, 100 units, 500 edits', kib(messageBytes(doc))];
}

export default async function run(): Promise<void> {
  const rows = [
    ...(await demoDocuments()),
    stationDocument('station, hand-drawn polygons (6–24 vertices)', polygonAnnotation),
    stationDocument('station, detailed polygons (100–200 vertices)', (rng, id, now) =>
      detailedPolygon(rng, id, now, 100, 200),
    ),
  ];
  printTable('whole document as one sync step 2 message', [['document', 'records', 'message'], ...rows]);
}
