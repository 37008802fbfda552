import { Type, type Static } from '@sinclair/typebox';
import {
  type Alert,
  alertValidator,
  compile,
  DeviceId,
  Id,
  NO_NUL_PATTERN,
  OperationKind,
  StoredName,
  UserId,
} from '@jointmap/shared';

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
/**
 * Times, counts and sequence numbers: what a `BIGINT` column takes and a JSON number carries
 * exactly. Text that goes into storage rows holds no NUL (`NO_NUL_PATTERN`), which PostgreSQL's
 * `text` refuses with the whole statement: an archive that SQLite could take must restore on
 * PostgreSQL too, and refusals come before anything is written.
 */
const Time = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Text = (maxLength: number) => Type.String({ maxLength, pattern: NO_NUL_PATTERN });
const NullableId = Type.Union([Text(200), Type.Null()]);

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
    adcode: Type.Union([Text(20), Type.Null()]),
    color: Text(20),
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
        // Each station once: one document each (a station twice would restore its document twice).
        stations: Type.Array(Id, { minItems: 1, maxItems: 50, uniqueItems: true }),
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
    seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
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
    // Free text a tracker sent: one an older server stored with a NUL restores without it (restore-track.ts).
    alarm: Type.Union([Type.String({ maxLength: 100 }), Type.Null()]),
    receivedAt: Time,
  },
  { additionalProperties: false },
);
export const archivedFixValidator = compile(ArchivedFix);

/**
 * An alert of `alerts.ndjson`: the alert schema, and nothing a storage row refuses (no NUL in its
 * text, no integer past what a JSON number carries exactly). Its rule name and the tracker's alarm
 * text are the exceptions: stored with a NUL before such text was cleaned, they were archived so,
 * and a restore writes them without it (the rule name without control characters) instead of
 * refusing the archive.
 */
export const archivedAlertValidator = {
  explain(value: unknown): string | null {
    const problem = alertValidator.explain(value);
    if (problem) return problem;
    const { ruleName: _, evidence, ...rest } = value as Alert;
    const { alarm: __, ...evidenceRest } = evidence;
    return unstorable({ ...rest, evidence: evidenceRest }, '');
  },
};

/** The first text with a NUL or integer past `Number.MAX_SAFE_INTEGER` in `value`, as a sentence. */
function unstorable(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? `${path || '/'} holds a NUL character` : null;
  if (typeof value === 'number')
    return Math.abs(value) > Number.MAX_SAFE_INTEGER && Number.isInteger(value) ? `${path || '/'} is too large` : null;
  if (value && typeof value === 'object')
    for (const [key, v] of Object.entries(value)) {
      const problem = unstorable(v, `${path}/${key}`);
      if (problem) return problem;
    }
  return null;
}
