/**
 * What screening an inbound update costs (server/src/rooms/update-guard.ts: `screenUpdate`, a
 * read of the update's structs and delete set, and the name/key check), next to what applying it
 * costs (`applyClientUpdate`: Yjs apply plus the schema repair), per update, on a station document
 * of 500 polygon annotations and 100 units. Three workloads: overwriting a polygon annotation (the
 * common edit), overwriting a unit, and writing one 5,000-vertex line. In-process, no network or
 * storage: those costs come on top of both and are the same with or without the screen.
 */
import { loadavg } from 'node:os';
import * as Y from 'yjs';
import { applyClientUpdate, screenUpdate } from '@jointmap/server/rooms/update-guard';
import type { ChangeOrigin } from '@jointmap/shared';
import { Rng } from './lib/rng.ts';
import { mean, percentile, printTable } from './lib/stats.ts';
import { pad, polygonAnnotation, unit } from './lib/workload.ts';

const EDITS = Number(process.env.BENCH_GUARD_EDITS ?? 3_000);
const NOW = Date.UTC(2024, 4, 1, 8, 0, 0);
const ORIGIN: ChangeOrigin = { source: 'session', sessionId: 'bench', userId: 'u-bench' };

function line(rng: Rng, id: string, vertices: number) {
  const coordinates = Array.from({ length: vertices }, (_, i): [number, number] => [
    120.1 + i * 1e-5,
    30.5 + rng.range(-0.001, 0.001),
  ]);
  return {
    ...polygonAnnotation(rng, id, NOW),
    kind: 'line' as const,
    geometry: { type: 'LineString' as const, coordinates },
  };
}

/** A client's updates, each applied to the server's copy by `measure` in the order made. */
function workload(rng: Rng, client: Y.Doc, edit: (i: number) => void, n: number): Uint8Array[] {
  const updates: Uint8Array[] = [];
  const on = (u: Uint8Array) => updates.push(u);
  client.on('update', on);
  for (let i = 0; i < n; i++) edit(i);
  client.off('update', on);
  return updates;
}

function time(fn: () => void): number {
  const c = process.cpuUsage();
  fn();
  const used = process.cpuUsage(c);
  return (used.user + used.system) / 1000;
}

export default async function run(): Promise<void> {
  const rng = new Rng(3);
  const server = new Y.Doc();
  const client = new Y.Doc();
  client.transact(() => {
    for (let i = 0; i < 500; i++)
      client.getMap('annotations').set(`a-${pad(i)}`, polygonAnnotation(rng, `a-${pad(i)}`, NOW));
    for (let i = 0; i < 100; i++) client.getMap('units').set(`u-${pad(i)}`, unit(rng, `u-${pad(i)}`, NOW));
    client.getMap('meta').set('schemaVersion', 1);
  });
  Y.applyUpdate(server, Y.encodeStateAsUpdate(client));
  const cases: Array<[string, Uint8Array[]]> = [
    [
      'overwrite a polygon annotation',
      workload(
        rng,
        client,
        (i) => {
          const id = `a-${pad(rng.int(0, 499))}`;
          client.getMap('annotations').set(id, polygonAnnotation(rng, id, NOW + i));
        },
        EDITS,
      ),
    ],
    [
      'overwrite a unit',
      workload(
        rng,
        client,
        (i) => {
          const id = `u-${pad(rng.int(0, 99))}`;
          client.getMap('units').set(id, unit(rng, id, NOW + i));
        },
        EDITS,
      ),
    ],
    [
      'write a 5,000-vertex line',
      workload(rng, client, (i) => client.getMap('annotations').set(`l-${i}`, line(rng, `l-${i}`, 5_000)), 50),
    ],
  ];
  const load = loadavg()[0]!.toFixed(2);
  const us = (x: number) => `${(x * 1000).toFixed(1)} µs`;
  const rows: string[][] = [
    [
      'workload',
      'updates',
      'bytes (median)',
      'screen median',
      'screen p99',
      'apply median',
      'apply p99',
      'screen / apply (mean)',
    ],
  ];
  for (const [label, updates] of cases) {
    // Screening does not change the document: measure it on the state the update will meet.
    const screen: number[] = [];
    const apply: number[] = [];
    for (const u of updates) {
      for (let k = 0; k < 5; k++) screen.push(time(() => screenUpdate(server, 'station', u, true)) / 5);
      apply.push(
        time(() => {
          const applied = applyClientUpdate(server, 'station', u, ORIGIN, 'deqing-yuyue');
          if (applied.problems.length || applied.gapped)
            throw new Error(`bench update refused: ${applied.problems[0]}`);
        }),
      );
    }
    rows.push([
      label,
      String(updates.length),
      `${percentile(
        updates.map((u) => u.length),
        50,
      )} B`,
      us(percentile(screen, 50)),
      us(percentile(screen, 99)),
      us(percentile(apply, 50)),
      us(percentile(apply, 99)),
      `${((mean(screen) / mean(apply)) * 100).toFixed(1)} %`,
    ]);
  }
  printTable(`Screening inbound updates, CPU time per update (load average ${load} at start)`, rows);
}
