import { withStatus, type Unit, type UnitKind, type UnitStatus } from '@jointmap/shared';
import { i18n } from '../i18n/i18n.svelte.ts';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import { serverNow } from '../state/server-clock.ts';
import { session as login } from '../state/session.svelte.ts';
import type { TrackFeatureCollection } from './unit-view.svelte.ts';

export const UNIT_KINDS: UnitKind[] = ['car', 'foot', 'motorbike', 'drone', 'dog', 'boat'];
export const UNIT_STATUSES: UnitStatus[] = ['available', 'en_route', 'on_scene', 'busy', 'off_duty'];

export function newUnitId(): string {
  return `u-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** "张三, 李四，王五" → ["张三", "李四", "王五"] (ASCII or full-width commas, 、 too). */
export function parseMembers(text: string): string[] {
  return text
    .split(/[,，、]/)
    .map((m) => m.trim())
    .filter(Boolean);
}

/** What the unit editor's form holds when saved. */
export interface UnitForm {
  callsign: string;
  kind: UnitKind;
  status: UnitStatus;
  members: string[];
}

/**
 * The record the unit editor saves: the record as it is now (`current`) with the form's callsign,
 * kind and members, and the form's status only where the user picked another than the form
 * opened with (`opened`): a dispatch or release made meanwhile stands. Available or off duty
 * takes the unit off its task (`withStatus`).
 */
export function editedUnit(current: Unit, opened: UnitStatus, form: UnitForm): Unit {
  const status = form.status === opened ? current.status : form.status;
  return { ...withStatus(current, status), callsign: form.callsign, kind: form.kind, members: form.members };
}

/**
 * Roster edits go into the station's document (never through REST), so the server's per-document
 * write check applies: dispatchers their own station, commanders any. Throws AppError when the
 * record would be refused; nothing is sent then.
 */
export function saveUnit(session: OperationSession, unit: Unit): void {
  session.write(unit.stationId, {
    type: 'put',
    map: 'units',
    key: unit.id,
    value: { ...unit, updatedAt: serverNow(session) },
  });
}

/** "12 s ago" / "3 min ago" from a fix time on the server's clock. */
export function formatAge(fixTime: number, now: number): string {
  const s = Math.max(0, Math.round((now - fixTime) / 1000));
  if (s < 60) return i18n.t('live.ago.s', { n: s });
  if (s < 3600) return i18n.t('live.ago.m', { n: Math.floor(s / 60) });
  return i18n.t('live.ago.h', { n: Math.floor(s / 3600) });
}

async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = login.token ? { authorization: `Bearer ${login.token}` } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  // A refused token ends the session, and the login page says why.
  if (!res.ok) throw login.errorOf(res, await res.json().catch(() => ({})));
  return (await res.json()) as T;
}

export interface DeviceRecord {
  id: string;
  stationId: string;
  unitId: string | null;
  label: string;
  createdAt: number;
}

/** `POST /api/devices`: register (or move) a tracker to a unit; `unitId: null` unassigns it. */
export function registerDevice(input: {
  id: string;
  stationId: string;
  unitId: string | null;
  label?: string;
}): Promise<DeviceRecord> {
  return api<DeviceRecord>('POST', '/api/devices', input);
}

export function listDevices(stationId: string): Promise<{ devices: DeviceRecord[] }> {
  return api('GET', `/api/devices?stationId=${encodeURIComponent(stationId)}`);
}

/** `GET /api/units/:id/track?stationId=&from=&to=` (epoch ms): one station's unit of that id. */
export function fetchTrack(
  stationId: string,
  unitId: string,
  from: number,
  to: number,
): Promise<TrackFeatureCollection> {
  const station = encodeURIComponent(stationId);
  return api('GET', `/api/units/${encodeURIComponent(unitId)}/track?stationId=${station}&from=${from}&to=${to}`);
}
