/**
 * The one catalog of error codes. HTTP responses carry `{error: {code, message}}`; the sync socket
 * reports the same codes through the y-websocket auth message; socket.io acks use them too.
 */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  /** The token's login session was ended: signed out, or the account was disabled or changed. */
  SESSION_ENDED: 'SESSION_ENDED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  INVALID_PAYLOAD: 'INVALID_PAYLOAD',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  RATE_LIMITED: 'RATE_LIMITED',
  CONFLICT: 'CONFLICT',
  CLIENT_TOO_OLD: 'CLIENT_TOO_OLD',
  STORAGE_UNAVAILABLE: 'STORAGE_UNAVAILABLE',
  INTERNAL: 'INTERNAL',
  /** The disk is full: the write was refused and nothing of it stored; retry once space is freed. */
  STORAGE_FULL: 'STORAGE_FULL',
  /** An operation archive that fails its checksums, its format or its records: nothing of it was restored. */
  ARCHIVE_INVALID: 'ARCHIVE_INVALID',
  /** The operation's documents and tracks were purged after an archive; restore the archive to see them. */
  OPERATION_PURGED: 'OPERATION_PURGED',
  /**
   * An archive's file is on another instance (it wrote it into an `ARCHIVE_DIR` this one does not
   * share): ask that instance, named in the message.
   */
  ARCHIVE_ELSEWHERE: 'ARCHIVE_ELSEWHERE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status for each code, so every route maps errors the same way. */
export const httpStatusOf: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  TOKEN_EXPIRED: 401,
  SESSION_ENDED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INVALID_PAYLOAD: 400,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  CONFLICT: 409,
  CLIENT_TOO_OLD: 426,
  STORAGE_UNAVAILABLE: 503,
  INTERNAL: 500,
  STORAGE_FULL: 507,
  ARCHIVE_INVALID: 422,
  OPERATION_PURGED: 410,
  ARCHIVE_ELSEWHERE: 409,
};

/**
 * One problem schema validation found, as structure a client words in its own language: where
 * (`/members/3`), which rule (`maxLength`) and its number (`40`). The validator's English sentence
 * comes along for logs; its wording may change with the validator, so no client parses it.
 */
export interface ValidationIssue {
  /** JSON pointer into the checked value (a record, a request body); `''` for the value itself. */
  path: string;
  /**
   * The broken rule by its JSON-schema keyword: `maxLength`, `minLength`, `maxItems`, `minItems`,
   * `uniqueItems`, `maximum`, `exclusiveMaximum`, `minimum`, `exclusiveMinimum`, `pattern`,
   * `required`, `additionalProperties`, `type`, …
   */
  kind: string;
  /** The rule's number, for keywords that have one (`maxLength` 40, `minimum` 0). */
  limit?: number;
  /** The validator's own sentence, in English. */
  message: string;
  /**
   * The document entry whose value `path` points into, as `map/key` (`units/car-01`): set when a
   * change to a shared document was refused (a sync rejection), where one update may touch many.
   */
  entry?: string;
}

/**
 * `value` as a {@link ValidationIssue}, or null when it is not one: for issues that arrived over
 * the network (a sync rejection). Unknown fields are dropped; a missing sentence reads as `''`.
 */
export function validationIssueOf(value: unknown): ValidationIssue | null {
  const v = value as Partial<Record<keyof ValidationIssue, unknown>> | null;
  if (typeof v?.path !== 'string' || typeof v.kind !== 'string') return null;
  return {
    path: v.path,
    kind: v.kind,
    ...(typeof v.limit === 'number' ? { limit: v.limit } : {}),
    message: typeof v.message === 'string' ? v.message : '',
    ...(typeof v.entry === 'string' ? { entry: v.entry } : {}),
  };
}

/**
 * `{error: {code, message}}`; a refusal by schema validation adds `issues`, the same problems as
 * structure (an empty list: refused by a check beyond the schema, nothing to point at).
 */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; issues?: ValidationIssue[] };
}

/** An error that carries a catalog code; thrown by domain code, translated at the IO edge. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** What validation found, as structure (`INVALID_PAYLOAD` of a checked record or body). */
    readonly issues?: readonly ValidationIssue[],
  ) {
    super(message);
    this.name = 'AppError';
  }
  toBody(): ErrorBody {
    const issues = this.issues ? { issues: [...this.issues] } : {};
    return { error: { code: this.code, message: this.message, ...issues } };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && value in ErrorCode;
}

/** Exhaustiveness check for `switch` over unions. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
