import { randomBytes } from 'node:crypto';
import type * as Y from 'yjs';
import {
  AppError,
  applyChange,
  canSeeOperation,
  docAccess,
  docName,
  type Principal,
  type RecordChange,
  type Unit,
  type UnitKind,
  type UnitStatus,
  withStatus,
} from '@jointmap/shared';
import type { AppContext } from '../services/context.ts';
import { roomForWrite } from '../services/operations.ts';
import type { Device } from '../storage/types.ts';
import type { LiveService } from './live-service.ts';

/**
 * Devices and the unit roster.
 *
 * Source of truth: the `devices` table maps a tracker id to its station and unit; ingest reads only
 * that (fast, and independent of which operation documents are loaded). A unit record's `deviceIds`
 * in the station documents is a mirror for display, kept by `registerDevice`: it adds the id to the
 * unit's record and removes it from any other unit's record, in every operation document of the
 * station(s) concerned. Editing `deviceIds` in a document does not register a tracker.
 *
 * A unit is its station and its id together (fixes, latest positions and tracks are keyed so), so
 * two stations may both have a `car-01` and each register its own trackers to it. What a station
 * may never do is take a tracker away from another: a device that reports for another station's
 * unit is not moved by a registration (`FORBIDDEN` for a dispatcher, `CONFLICT` for a commander,
 * who must first release it with `unitId: null`), and two registrations racing for one new id
 * cannot both win (the write is a compare-and-set on the device's station).
 */
export interface RegisterDeviceInput {
  id: string;
  stationId: string;
  unitId: string | null;
  label?: string;
}

const MAX_DEVICE_IDS = 8;

export async function registerDevice(
  ctx: AppContext,
  live: LiveService,
  user: Principal,
  input: RegisterDeviceInput,
): Promise<{ device: Device; created: boolean }> {
  const existing = await ctx.storage.getDevice(input.id);
  const mayManage = (stationId: string) =>
    user.role === 'commander' || (user.role === 'dispatcher' && user.stationId === stationId);
  if (!mayManage(input.stationId) || (existing && !mayManage(existing.stationId))) {
    throw new AppError('FORBIDDEN', 'dispatchers register devices of their own station only; commanders of any');
  }
  if (existing && existing.stationId !== input.stationId && existing.unitId !== null) {
    throw new AppError(
      'CONFLICT',
      `device ${input.id} reports for a unit of station ${existing.stationId}; release it there first (unitId null)`,
    );
  }
  if (!(await ctx.storage.getStation(input.stationId)))
    throw new AppError('INVALID_PAYLOAD', `unknown station ${input.stationId}`);
  if (input.unitId !== null) await requireOwnUnit(ctx, input.stationId, input.unitId);
  const device: Device = {
    id: input.id,
    stationId: input.stationId,
    unitId: input.unitId,
    label: input.label ?? existing?.label ?? input.id,
    createdAt: existing?.createdAt ?? Date.now(),
  };
  if (!(await ctx.storage.putDeviceIf(device, existing?.stationId ?? null))) {
    throw new AppError('CONFLICT', `device ${input.id} was registered elsewhere meanwhile; reload and try again`);
  }
  live.deviceChanged(device);
  const stations = new Set([device.stationId, ...(existing ? [existing.stationId] : [])]);
  await mirrorDeviceIds(ctx, device, stations, user.id);
  return { device, created: !existing };
}

/**
 * A tracker is registered to a unit of its station's own roster (the unit record in a station
 * document of an open operation of that station). Another station's unit of the same id is a
 * different unit: fixes are keyed by station and unit, so this one's never reach it.
 */
async function requireOwnUnit(ctx: AppContext, stationId: string, unitId: string): Promise<void> {
  const ops = (await ctx.storage.listOperations()).filter(
    (op) => op.status !== 'closed' && op.stations.includes(stationId),
  );
  let inRoster = false;
  for (const op of ops) {
    const room = await ctx.rooms.get(docName(op.id, stationId));
    await room.idle();
    if (room.doc.getMap<Unit>('units').get(unitId)?.stationId === stationId) {
      inRoster = true;
      break;
    }
  }
  if (!inRoster) throw new AppError('INVALID_PAYLOAD', `no unit ${unitId} in the roster of station ${stationId}`);
}

/**
 * Keep `deviceIds` of unit records consistent with the registration, in every affected document
 * (`userId` null: written by the server itself, as from the accounts file).
 */
export async function mirrorDeviceIds(
  ctx: AppContext,
  device: Device,
  stations: ReadonlySet<string>,
  userId: string | null,
): Promise<void> {
  const ops = (await ctx.storage.listOperations()).filter(
    (op) => op.status !== 'closed' && op.stations.some((s) => stations.has(s)),
  );
  for (const op of ops) {
    for (const stationId of op.stations.filter((s) => stations.has(s))) {
      // Closed meanwhile (before the room was had, or while the write waited): its records stay
      // as they were when it closed.
      const closedMeanwhile = (err: unknown) => {
        if (err instanceof AppError && err.code === 'FORBIDDEN') return null;
        throw err;
      };
      const room = await roomForWrite(ctx, op.id, stationId).catch(closedMeanwhile);
      if (!room) continue;
      await room
        .serverChange(
          (doc) => {
            const changes = deviceIdChanges(doc, device, stationId);
            if (changes.length) applyChange(doc, 'station', { type: 'batch', changes }, { source: 'server' });
          },
          { sessionId: null, userId },
        )
        .catch(closedMeanwhile);
    }
  }
}

function deviceIdChanges(doc: Y.Doc, device: Device, stationId: string): RecordChange[] {
  const changes: RecordChange[] = [];
  const now = Date.now();
  for (const [key, value] of doc.getMap<Unit>('units')) {
    const has = value.deviceIds.includes(device.id);
    const owner = device.unitId === key && device.stationId === stationId;
    if (has && !owner) {
      changes.push({
        type: 'put',
        map: 'units',
        key,
        value: { ...value, deviceIds: value.deviceIds.filter((d) => d !== device.id), updatedAt: now },
      });
    } else if (!has && owner && value.deviceIds.length < MAX_DEVICE_IDS) {
      changes.push({
        type: 'put',
        map: 'units',
        key,
        value: { ...value, deviceIds: [...value.deviceIds, device.id], updatedAt: now },
      });
    }
  }
  return changes;
}

export interface CreateUnitInput {
  id?: string;
  callsign: string;
  kind: UnitKind;
  stationId: string;
  members?: string[];
  status?: UnitStatus;
}

/**
 * Create (or replace) a unit record in an operation's station document, as the server on behalf of
 * `user` — for integrations and the simulator; the console edits the document directly.
 */
export async function putUnit(
  ctx: AppContext,
  user: Principal,
  operationId: string,
  input: CreateUnitInput,
): Promise<Unit> {
  const op = await ctx.storage.getOperation(operationId);
  // An operation the user takes no part in is unknown to them (as GET /api/operations/:id answers).
  if (!op || !canSeeOperation(user, op.stations)) throw new AppError('NOT_FOUND', `no operation ${operationId}`);
  // Units live in a station's roster: the command document, a scope of its own, holds none.
  if (!op.stations.includes(input.stationId))
    throw new AppError('INVALID_PAYLOAD', `station ${input.stationId} is not part of operation ${operationId}`);
  const access = docAccess(user, op.stations, input.stationId, op.status);
  if (access !== 'write') throw new AppError('FORBIDDEN', `no write access to ${input.stationId}'s roster`);
  const id = input.id ?? `unit-${randomBytes(4).toString('hex')}`;
  const devices = (await ctx.storage.listDevices(input.stationId))
    .filter((d) => d.unitId === id)
    .map((d) => d.id)
    .slice(0, MAX_DEVICE_IDS);
  const room = await roomForWrite(ctx, operationId, input.stationId);
  let unit: Unit | null = null;
  await room.serverChange(
    (doc) => {
      const previous = doc.getMap<Unit>('units').get(id);
      const record: Unit = {
        id,
        callsign: input.callsign,
        kind: input.kind,
        stationId: input.stationId,
        members: input.members ?? previous?.members ?? [],
        status: previous?.status ?? 'available',
        assignedTaskId: previous?.assignedTaskId ?? null,
        deviceIds: devices,
        updatedAt: Date.now(),
      };
      unit = input.status ? withStatus(record, input.status) : record;
      applyChange(doc, 'station', { type: 'put', map: 'units', key: id, value: unit }, { source: 'server' });
    },
    { sessionId: null, userId: user.id },
  );
  if (!unit) throw new AppError('INTERNAL', 'unit not written');
  return unit;
}
