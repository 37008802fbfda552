import { randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import {
  AppError,
  applyChange,
  canCreateOperation,
  canSeeOperation,
  COMMAND_SCOPE,
  docName,
  initDoc,
  META_OPERATION_KEY,
  operationDocNames,
  RESPONSE_RING_MINUTES,
  type ChangeOrigin,
  type DispatchSettings,
  type OperationKind,
  type OperationMeta,
  type Principal,
} from '@jointmap/shared';
import type { Config } from '../config.ts';
import type { Room } from '../rooms/room.ts';
import type { RoomManager } from '../rooms/room-manager.ts';
import type { Operation, Station, Storage } from '../storage/types.ts';
import type { AppContext } from './context.ts';

export interface CreateOperationInput {
  id?: string;
  name: string;
  kind: OperationKind;
  stations: string[];
}

export interface OperationView extends Operation {
  documents: string[];
  stationDetails: Array<Omit<Station, 'jurisdiction'>>;
  /** How clients rank units, draw response rings and pick default target stations. */
  dispatch: DispatchSettings;
}

export function newOperationId(): string {
  return `op-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/**
 * Create an operation: its row and the first update of its command document (stamped and carrying
 * the operation meta) in one storage transaction, so a failed write leaves neither.
 */
export async function createOperation(
  ctx: AppContext,
  user: Principal,
  input: CreateOperationInput,
): Promise<Operation> {
  if (!canCreateOperation(user)) throw new AppError('FORBIDDEN', 'only commanders create operations');
  const known = new Set((await ctx.storage.listStations()).map((s) => s.id));
  const unknown = input.stations.filter((s) => !known.has(s));
  if (unknown.length) throw new AppError('INVALID_PAYLOAD', `unknown stations: ${unknown.join(', ')}`);
  const id = input.id ?? newOperationId();
  if (await ctx.storage.getOperation(id)) throw new AppError('CONFLICT', `operation ${id} exists`);
  const now = Date.now();
  const op: Operation = {
    id,
    name: input.name,
    kind: input.kind,
    status: 'active',
    stations: input.stations,
    createdBy: user.id,
    createdAt: now,
  };
  const meta: OperationMeta = {
    id,
    name: op.name,
    kind: op.kind,
    status: op.status,
    stations: op.stations,
    area: null,
    createdAt: now,
    updatedAt: now,
  };
  const commandDoc = docName(id, COMMAND_SCOPE);
  // Rooms load only documents of existing operations, so no room holds this one yet: its first
  // state is built here, with the stamp a room writes when loading (a fresh document is at the
  // current schema: nothing to migrate), and validated the same way.
  const doc = new Y.Doc();
  let update: Uint8Array;
  try {
    const server: ChangeOrigin = { source: 'server' };
    initDoc(doc, server);
    applyChange(doc, 'command', { type: 'put', map: 'meta', key: META_OPERATION_KEY, value: meta }, server);
    update = Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
  try {
    await ctx.storage.createOperation(op, { doc: commandDoc, update, author: { sessionId: null, userId: user.id } });
  } catch (err) {
    // Two creations of one id at once: the second is told as if it had come later.
    if (await ctx.storage.getOperation(id).catch(() => null)) throw new AppError('CONFLICT', `operation ${id} exists`);
    ctx.log.error({ err, operation: id }, 'operation could not be stored');
    throw new AppError('STORAGE_UNAVAILABLE', `operation ${id} could not be stored; nothing was created`);
  }
  // Followed at once (an SOS from one of its units is raised without waiting for a first edit).
  ctx.documentWritten?.(commandDoc, new Set(['meta']));
  return op;
}

/** An operation the user may see; NOT_FOUND otherwise (operations one may not see do not exist). */
export async function getVisibleOperation(ctx: AppContext, user: Principal, id: string): Promise<Operation> {
  const op = await ctx.storage.getOperation(id);
  if (!op || !canSeeOperation(user, op.stations)) throw new AppError('NOT_FOUND', `no operation ${id}`);
  return op;
}

/**
 * The room of an operation's document, for a server write while the operation is active. The
 * operation is read again once the room has loaded: a close stores the status first and then
 * unloads the rooms, so a close that came in meanwhile (its rooms unloaded, this one loaded after
 * them) refuses the write with `FORBIDDEN` instead of letting it into a closed record. A close
 * that unloads the room after this, before the write ran, refuses it with `FORBIDDEN` too (not
 * `STORAGE_UNAVAILABLE`, which tells a client to try again).
 */
export async function roomForWrite(
  ctx: { rooms: Pick<RoomManager, 'get'>; storage: Pick<Storage, 'getOperation'> },
  operationId: string,
  scope: string,
): Promise<Room> {
  const room = await ctx.rooms.get(docName(operationId, scope));
  const writable = async (): Promise<void> => {
    const op = await ctx.storage.getOperation(operationId);
    if (op?.status !== 'active' || op.purgedAt != null)
      throw new AppError('FORBIDDEN', `operation ${operationId} was closed: it is read-only`);
  };
  await writable();
  room.explainUnload(() =>
    writable().catch((err: unknown) => {
      // Storage out of reach: the write stays unavailable, as the unload left it.
      if (err instanceof AppError && err.code === 'FORBIDDEN') throw err;
    }),
  );
  return room;
}

/** An operation the user may see, with its document names and stations; NOT_FOUND otherwise. */
export async function getOperationView(ctx: AppContext, user: Principal, id: string): Promise<OperationView> {
  return toView(await getVisibleOperation(ctx, user, id), await ctx.storage.listStations(), ctx.config);
}

export async function listOperationViews(ctx: AppContext, user: Principal): Promise<OperationView[]> {
  const [ops, stations] = await Promise.all([ctx.storage.listOperations(), ctx.storage.listStations()]);
  return ops.filter((op) => canSeeOperation(user, op.stations)).map((op) => toView(op, stations, ctx.config));
}

/** The dispatch settings of this server, as the operation view carries them. */
export function dispatchSettings(config: Config): DispatchSettings {
  return {
    targetRadiusM: config.taskTargetRadiusM,
    detourFactor: config.etaDetourFactor,
    speedKmh: { ...config.etaSpeedsKmh },
    ringMinutes: [...RESPONSE_RING_MINUTES],
    ringSpeedKmh: config.ringSpeedKmh,
  };
}

function toView(op: Operation, stations: Station[], config: Config): OperationView {
  return {
    ...op,
    dispatch: dispatchSettings(config),
    documents: operationDocNames(op.id, op.stations),
    stationDetails: op.stations.flatMap((id) => {
      const s = stations.find((x) => x.id === id);
      if (!s) return [];
      const { jurisdiction: _omit, ...rest } = s;
      return [rest];
    }),
  };
}
