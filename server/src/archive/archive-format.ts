import { Type, type Static } from '@sinclair/typebox';
import { compile, DeviceId, Id, NO_NUL_PATTERN, OperationKind, StoredName, UserId } from '@jointmap/shared';

/**
 * An operation archive is one `.tar.gz` file:
 *
 *   manifest.json           what the archive holds: operation, window, every other file with
 *                           its size, SHA-256 and record count (written last)
 *   operation.json          the operation, its stations (with their areas), its evidence hold
 *   documents/<scope>.ndjson  each document's whole update log, one update a line, oldest first
 *   tracks.ndjson           every fix of the operation's stations within its window
 *   alerts.ndjson           the operation's alerts
 *
 * Lines are JSON; update bytes are base64. Readable with `tar xzf` and any JSON tool.
 */
export const ARCHIVE_FORMAT = 'jointmap-operation-archive';
export const ARCHIVE_VERSION = 1;
export const MANIFEST = 'manifest.json';
export const OPERATION_FILE = 'operation.json';
export const TRACKS_FILE = 'tracks.ndjson';
export const ALERTS_FILE = 'alerts.ndjson';
export const documentFile = (scope: string): string => `documents/${scope}.ndjson`;
/** Every path an archive may hold besides the manifest. */
export const ARCHIVE_PATH = /^(operation\.json|tracks\.ndjson|alerts\.ndjson|documents\/[A-Za-z0-9_-]{1,64}\.ndjson)$/;

const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Time = Type.Integer({ minimum: 0 });
const NullableId = Type.Union([Type.String({ maxLength: 200 }), Type.Null()]);

export const ArchiveFileEntry = Type.Object(
  {
    path: Type.String({ pattern: ARCHIVE_PATH.source }),
    bytes: Type.Integer({ minimum: 0 }),
    sha256: Sha256,
    records: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type ArchiveFileEntry = Static<typeof ArchiveFileEntry>;

/** Per document: how many updates and the last sequence number (purge checks the store still matches). */
const DocumentEntry = Type.Object(
  { doc: Type.String({ maxLength: 200 }), scope: Id, updates: Type.Integer({ minimum: 0 }), lastSeq: Time },
  { additionalProperties: false },
);

export const Manifest = Type.Object(
  {
    format: Type.Literal(ARCHIVE_FORMAT),
    version: Type.Literal(ARCHIVE_VERSION),
    operationId: Id,
    operationName: Type.String({ maxLength: 120 }),
    createdAt: Time,
    createdBy: UserId,
    /** Fixes with `from <= time <= to` of the operation's stations are in `tracks.ndjson`. */
    window: Type.Object({ from: Time, to: Time }, { additionalProperties: false }),
    documents: Type.Array(DocumentEntry, { maxItems: 60 }),
    counts: Type.Object(
      {
        updates: Type.Integer({ minimum: 0 }),
        fixes: Type.Integer({ minimum: 0 }),
        alerts: Type.Integer({ minimum: 0 }),
      },
      { additionalProperties: false },
    ),
    files: Type.Array(ArchiveFileEntry, { maxItems: 64 }),
  },
  { additionalProperties: false },
);
export type Manifest = Static<typeof Manifest>;
export const manifestValidator = compile(Manifest);

const GeometryJson = Type.Unknown();
const ArchivedStation = Type.Object(
  {
    id: Id,
    name: Type.String({ maxLength: 120, pattern: NO_NUL_PATTERN }),
    shortName: Type.String({ maxLength: 40, pattern: NO_NUL_PATTERN }),
    adcode: Type.Union([Type.String({ maxLength: 20 }), Type.Null()]),
    color: Type.String({ maxLength: 20 }),
    jurisdiction: GeometryJson,
  },
  { additionalProperties: false },
);

export const ArchivedOperation = Type.Object(
  {
    operation: Type.Object(
      {
        id: Id,
        name: StoredName(120),
        kind: Type.Union(Object.keys(OperationKind).map((k) => Type.Literal(k))),
        stations: Type.Array(Id, { minItems: 1, maxItems: 50 }),
        createdBy: UserId,
        createdAt: Time,
        closedAt: Time,
      },
      { additionalProperties: false },
    ),
    stations: Type.Array(ArchivedStation, { maxItems: 50 }),
    hold: Type.Union([Type.Object({ keptBy: UserId, keptAt: Time }, { additionalProperties: false }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ArchivedOperation = Static<typeof ArchivedOperation>;
export const archivedOperationValidator = compile(ArchivedOperation);

export const ArchivedUpdate = Type.Object(
  {
    seq: Type.Integer({ minimum: 1 }),
    time: Time,
    sessionId: NullableId,
    userId: NullableId,
    update: Type.String({ maxLength: 50_000_000 }),
  },
  { additionalProperties: false },
);
export type ArchivedUpdate = Static<typeof ArchivedUpdate>;
export const archivedUpdateValidator = compile(ArchivedUpdate);

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
export const ArchivedFix = Type.Object(
  {
    unitId: Id,
    stationId: Id,
    deviceId: DeviceId,
    time: Time,
    lng: Type.Number({ minimum: -180, maximum: 180 }),
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    speed: NullableNumber,
    bearing: NullableNumber,
    altitude: NullableNumber,
    accuracy: NullableNumber,
    battery: NullableNumber,
    alarm: Type.Union([Type.String({ maxLength: 100 }), Type.Null()]),
    receivedAt: Time,
  },
  { additionalProperties: false },
);
export const archivedFixValidator = compile(ArchivedFix);
