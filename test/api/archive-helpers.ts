import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as Y from 'yjs';
import type { Alert } from '@jointmap/shared';
import type { Operation, PositionFix } from '@jointmap/server/storage/types';
import type { ArchiveRecord } from '@jointmap/server/storage/types';
import { canonicalJson } from '../helpers/canonical-json.ts';
import { DEMO_OP, type TestServer } from '../helpers/server.ts';
import { api } from '../live/live-helpers.ts';
import { DEQING } from '../helpers/tasks.ts';

/** A JSON request with the bearer token: `{status, body}`. */
export const call = api;

/** A search operation of 德清 (`DEQING`) made through the API, as a commander. */
export async function searchOp(server: TestServer, token: string, id: string, name: string): Promise<void> {
  const made = await call(server, token, 'POST', '/api/operations', { id, name, kind: 'search', stations: [DEQING] });
  if (made.status !== 201) throw new Error(`create operation ${id}: ${made.status} ${JSON.stringify(made.body)}`);
}

export const closeOp = (server: TestServer, token: string, op = DEMO_OP) =>
  call<{ operation: Operation }>(server, token, 'POST', `/api/operations/${op}/close`);

export const archiveOp = (server: TestServer, token: string, op = DEMO_OP) =>
  call<ArchiveRecord>(server, token, 'POST', `/api/operations/${op}/archives`);

export async function download(server: TestServer, token: string, record: ArchiveRecord): Promise<Buffer> {
  const res = await fetch(`${server.url}/api/operations/${record.operationId}/archives/${record.id}/file`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status !== 200) throw new Error(`download: ${res.status} ${await res.text()}`);
  return Buffer.from(await res.arrayBuffer());
}

export async function restore(server: TestServer, token: string, file: Uint8Array) {
  const res = await fetch(`${server.url}/api/archives/restore`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' },
    body: Buffer.from(file),
  });
  return {
    status: res.status,
    body: (await res.json()) as { operation?: Operation; error?: { code: string; message: string } },
  };
}

/** A fix of a unit straight into storage (fixes outside the operation, or of units with no tracker). */
export function fixAt(stationId: string, unitId: string, time: number, i = 0): PositionFix {
  return {
    stationId,
    unitId,
    deviceId: `${unitId}-dev`,
    time,
    lng: 120.3 + i * 0.0001,
    lat: 30.5,
    speed: 5,
    bearing: 90,
    altitude: null,
    accuracy: 5,
    battery: 80,
    alarm: null,
    receivedAt: time,
  };
}

/** `n` fixes of a unit at 1 Hz along a straight street from `start` (thinning keeps about one a minute). */
export function streetFixes(
  stationId: string,
  unitId: string,
  start: number,
  n: number,
  deviceId = `${unitId}-dev`,
): PositionFix[] {
  return Array.from({ length: n }, (_, i) => ({
    stationId,
    unitId,
    deviceId,
    time: start + i * 1000,
    lng: 120.3 + i * 0.00005,
    lat: 30.5,
    speed: 5,
    bearing: 90,
    altitude: null,
    accuracy: 5,
    battery: null,
    alarm: null,
    receivedAt: start + i * 1000,
  }));
}

/** Everything a replay and the track and alert views read of an operation, as comparable values. */
export interface OperationAnswers {
  /** Per document: every logged update with its sequence number, time, authors and bytes. */
  logs: Record<string, string[]>;
  /** Per document: the whole state rebuilt from the log at each moment. */
  states: Record<string, string[]>;
  /** Per unit: the REST track of the window. */
  tracks: Record<string, unknown>;
  alerts: Alert[];
  timeline: unknown;
}

/** A document's state as canonical JSON: every top-level map with its records. */
function stateOf(updates: readonly Uint8Array[]): string {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  const maps = [...doc.share.keys()].sort().map((name) => [name, doc.getMap(name).toJSON()]);
  doc.destroy();
  return canonicalJson(maps);
}

export async function answers(
  server: TestServer,
  token: string,
  op: { id: string; documents: string[]; units: Array<[string, string]>; window: [number, number]; taskId: string },
  moments: readonly number[],
): Promise<OperationAnswers> {
  const logs: OperationAnswers['logs'] = {};
  const states: OperationAnswers['states'] = {};
  for (const doc of op.documents) {
    const log = await server.ctx.storage.readUpdateLog(doc);
    logs[doc] = log.map(
      (u) => `${u.seq} ${u.time} ${u.userId} ${u.sessionId} ${Buffer.from(u.update).toString('base64')}`,
    );
    states[doc] = moments.map((m) => stateOf(log.filter((u) => u.time <= m).map((u) => u.update)));
  }
  const tracks: Record<string, unknown> = {};
  for (const [stationId, unitId] of op.units) {
    const qs = new URLSearchParams({
      stationId,
      from: new Date(op.window[0]).toISOString(),
      to: new Date(op.window[1]).toISOString(),
    });
    const res = await call(server, token, 'GET', `/api/units/${unitId}/track?${qs}`);
    tracks[`${stationId}/${unitId}`] = res;
  }
  const alerts = await server.ctx.storage.listAlerts(op.id, { limit: 1000 });
  const timeline = await call(server, token, 'GET', `/api/operations/${op.id}/tasks/${op.taskId}/timeline`);
  return { logs, states, tracks, alerts, timeline };
}

/** The archive unpacked into a directory, changed by `edit`, packed again (manifest first). */
export function repack(file: Buffer, edit: (dir: string) => void): Buffer {
  const work = mkdtempSync(join(tmpdir(), 'archive-edit-'));
  const dir = join(work, 'x');
  try {
    mkdirSync(dir);
    writeFileSync(join(work, 'in.tar.gz'), file);
    execFileSync('tar', ['xzf', '../in.tar.gz'], { cwd: dir });
    edit(dir);
    const files = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .sort((x, y) => (x === 'manifest.json' ? -1 : y === 'manifest.json' ? 1 : x.localeCompare(y)));
    execFileSync('tar', ['czf', '../out.tar.gz', ...files], { cwd: dir });
    return readFileSync(join(work, 'out.tar.gz'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Rewrite a file of an unpacked archive and bring the manifest's size and checksum in line. */
export function rewrite(dir: string, path: string, change: (text: string) => string): void {
  const text = change(readFileSync(join(dir, path), 'utf8'));
  writeFileSync(join(dir, path), text);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const entry = manifest.files.find((f: { path: string }) => f.path === path);
  entry.bytes = Buffer.byteLength(text);
  entry.sha256 = createHash('sha256').update(text).digest('hex');
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}
