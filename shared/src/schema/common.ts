import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Evaluate } from '@sinclair/typebox/system';
import { Hash } from '@sinclair/typebox/value';
import type { ValidationIssue } from '../errors.ts';

/** Record ids, station ids and operation ids: short, URL- and key-safe. */
/** A record id: also the key of a record kept under its own id. */
export const ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
export const Id = Type.String({ pattern: ID_PATTERN });
/**
 * Account ids as records name their authors: `u-` and the account's username, which an accounts
 * file may write with dots and up to 64 characters (`wang.wei`), so wider than {@link Id}.
 */
export const USER_ID_PATTERN = '^[A-Za-z0-9_.-]{1,80}$';
export const UserId = Type.String({ pattern: USER_ID_PATTERN });
/** Tracker ids as the apps send them (Traccar: IMEI or any identifier; OsmAnd: user-chosen). */
export const DEVICE_ID_PATTERN = '^[A-Za-z0-9_.:-]{1,64}$';
export const DeviceId = Type.String({ pattern: DEVICE_ID_PATTERN });
const DEVICE_ID = new RegExp(DEVICE_ID_PATTERN);
/** Whether a tracker id is one a device could have (the `DeviceId` schema's own rule). */
export const isDeviceId = (id: string): boolean => DEVICE_ID.test(id);
export const Timestamp = Type.Integer({ minimum: 0, description: 'epoch milliseconds' });
export const Color = Type.String({ pattern: '^#[0-9a-fA-F]{6}$' });
export const Label = (maxLength = 200) => Type.String({ maxLength });
/** No NUL, which PostgreSQL's `text` refuses with the whole statement. */
export const NO_NUL_PATTERN = '^[^\\u0000]*$';
/** A name that is copied into storage rows (an operation's, an alert rule's, a device label). */
export const StoredName = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: NO_NUL_PATTERN });
/**
 * Text without its NULs, everything else as it is: what SQLite held from before such text was
 * cleaned (a tracker's alarm), as the PostgreSQL migration copies it and a restore writes it.
 */
export const withoutNul = (text: string): string => text.replaceAll('\0', '');
/** A tracker's alarm text without its NULs; none left (it was only NULs): no alarm, as the door stores it. */
export const alarmWithoutNul = (text: string): string | null => withoutNul(text) || null;
/** An SOS alert's copy of an alarm without its NULs; only NULs: `sos` (the alarm raised the alert). */
export const sosAlarmWithoutNul = (text: string): string => (text.includes('\0') ? withoutNul(text) || 'sos' : text);
/** Text from outside (a tracker's alarm, a stored rule name) without control characters. */
export const withoutControlChars = (text: string): string => text.replace(/[\u0000-\u001f\u007f]/g, '');

/** WGS-84 [longitude, latitude], RFC 7946 order. */
export const Position = Type.Tuple([
  Type.Number({ minimum: -180, maximum: 180 }),
  Type.Number({ minimum: -90, maximum: 90 }),
]);
export const PointGeometry = Type.Object(
  { type: Type.Literal('Point'), coordinates: Position },
  { additionalProperties: false },
);
export const LineStringGeometry = Type.Object(
  {
    type: Type.Literal('LineString'),
    coordinates: Type.Array(Position, { minItems: 2, maxItems: 10_000 }),
  },
  { additionalProperties: false },
);
const LinearRing = Type.Array(Position, { minItems: 4, maxItems: 10_000 });
export const PolygonGeometry = Type.Object(
  {
    type: Type.Literal('Polygon'),
    coordinates: Type.Array(LinearRing, { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
);
export type PointGeometry = Static<typeof PointGeometry>;
export type LineStringGeometry = Static<typeof LineStringGeometry>;
export type PolygonGeometry = Static<typeof PolygonGeometry>;

/** A compiled validator that reports the first problem as a readable path + message. */
export interface Validator<T> {
  check(value: unknown): value is T;
  /** `null` when valid, otherwise a short description such as `/geometry/coordinates/0: ...`. */
  explain(value: unknown): string | null;
  /** `null` when valid, otherwise the problem `explain` describes, as structure (path, keyword, limit). */
  issue(value: unknown): ValidationIssue | null;
}

/** `issue` as one line: its path (`/` for the value itself) and the validator's sentence. */
export const issueLine = (issue: ValidationIssue): string => `${issue.path || '/'}: ${issue.message}`;

export function compile<S extends TSchema>(schema: S): Validator<Static<S>> {
  const compiled = TypeCompiler.Compile(schema);
  const check = checkWithStringKeys(compiled) ?? ((value: unknown) => compiled.Check(value));
  const issue = (value: unknown): ValidationIssue | null => {
    if (check(value)) return null;
    const best = deepestError(compiled.Errors(value));
    return best ? issueOf(best) : { path: '', kind: 'invalid', message: 'invalid' };
  };
  return {
    check: (value): value is Static<S> => check(value),
    explain(value) {
      const found = issue(value);
      return found && issueLine(found);
    },
    issue,
  };
}

/**
 * The check TypeBox compiled, with `uniqueItems` keyed more cheaply (null: the schema has no
 * `uniqueItems`, or uses custom kinds or formats, and TypeBox's own check is used). TypeBox keys
 * each element of such an array by `Value.Hash`: FNV-1a over BigInts, a generator per character,
 * about 1.4 KB of garbage and 5 µs for a unit with one device, on every write of a record (the
 * schema repair checks each one). Here a string is its own key; other values keep TypeBox's hash,
 * so structurally equal objects and arrays are still duplicates. The only difference: two
 * distinct strings are never taken for duplicates (TypeBox's hash writes a character above 0xFF as
 * two bytes, so it conflates `"\u0101"` with `"\x01\x01"`); every array of ours with
 * `uniqueItems` holds ASCII ids or literals, which it checks before uniqueness.
 */
function checkWithStringKeys(compiled: TypeCheck<TSchema>): ((value: unknown) => boolean) | null {
  const code = compiled.Code();
  // The generated code calls `hash(element)` for uniqueItems, `kind('…', …)` and `format('…', …)`
  // for registered kinds and formats (which need TypeBox's own registries: left to it).
  if (!code.includes('hash(') || code.includes("kind('") || code.includes("format('")) return null;
  const unavailable = () => {
    throw new Error('no custom TypeBox kinds or formats here');
  };
  return Evaluate('kind', 'format', 'hash', code)(unavailable, unavailable, uniqueKey) as (value: unknown) => boolean;
}

/** The key under which `uniqueItems` compares an element (see `checkWithStringKeys`). */
const uniqueKey = (element: unknown): unknown => (typeof element === 'string' ? element : Hash(element));

/** TypeBox's error types by the JSON-schema keyword they check; any other is a wrong `type`. */
const KEYWORDS: Partial<Record<ValueErrorType, string>> = {
  [ValueErrorType.StringMaxLength]: 'maxLength',
  [ValueErrorType.StringMinLength]: 'minLength',
  [ValueErrorType.StringPattern]: 'pattern',
  [ValueErrorType.StringFormat]: 'format',
  [ValueErrorType.ArrayMaxItems]: 'maxItems',
  [ValueErrorType.ArrayMinItems]: 'minItems',
  [ValueErrorType.ArrayUniqueItems]: 'uniqueItems',
  [ValueErrorType.NumberMaximum]: 'maximum',
  [ValueErrorType.IntegerMaximum]: 'maximum',
  [ValueErrorType.NumberExclusiveMaximum]: 'exclusiveMaximum',
  [ValueErrorType.IntegerExclusiveMaximum]: 'exclusiveMaximum',
  [ValueErrorType.NumberMinimum]: 'minimum',
  [ValueErrorType.IntegerMinimum]: 'minimum',
  [ValueErrorType.NumberExclusiveMinimum]: 'exclusiveMinimum',
  [ValueErrorType.IntegerExclusiveMinimum]: 'exclusiveMinimum',
  [ValueErrorType.NumberMultipleOf]: 'multipleOf',
  [ValueErrorType.IntegerMultipleOf]: 'multipleOf',
  [ValueErrorType.ObjectRequiredProperty]: 'required',
  [ValueErrorType.ObjectAdditionalProperties]: 'additionalProperties',
  [ValueErrorType.ObjectMaxProperties]: 'maxProperties',
  [ValueErrorType.ObjectMinProperties]: 'minProperties',
  [ValueErrorType.Literal]: 'const',
  [ValueErrorType.Union]: 'anyOf',
  [ValueErrorType.TupleLength]: 'items',
};

/** Keywords whose value in the schema is the limit that was broken. */
const LIMITS = new Set([
  'maxLength',
  'minLength',
  'maxItems',
  'minItems',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'multipleOf',
  'maxProperties',
  'minProperties',
]);

/** A TypeBox error as structure: its keyword, and the limit the schema sets under that keyword. */
function issueOf(e: ValueError): ValidationIssue {
  const kind = KEYWORDS[e.type] ?? 'type';
  const limit = LIMITS.has(kind) ? (e.schema as Record<string, unknown>)[kind] : undefined;
  return { path: e.path, kind, ...(typeof limit === 'number' ? { limit } : {}), message: e.message };
}

/**
 * The most specific error: for unions TypeBox reports "Expected union value" at the union itself;
 * the deepest error among the variants says what is actually wrong (e.g. a coordinate range).
 */
function deepestError(errors: Iterable<ValueError>, depth = 0): ValueError | null {
  let best: ValueError | null = null;
  for (const e of errors) {
    let candidate: ValueError = e;
    if (depth < 4 && e.errors.length) {
      for (const variant of e.errors) {
        const inner = deepestError(variant, depth + 1);
        if (inner && inner.path.length > candidate.path.length) candidate = inner;
      }
    }
    if (!best || candidate.path.length > best.path.length) best = candidate;
  }
  return best;
}

/** Linear rings must be closed; JSON schema cannot say that. */
export function ringsClosed(polygon: PolygonGeometry): boolean {
  return polygon.coordinates.every((ring) => {
    const a = ring[0];
    const b = ring[ring.length - 1];
    return a !== undefined && b !== undefined && a[0] === b[0] && a[1] === b[1];
  });
}
