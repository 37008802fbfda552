import { validationIssueOf, type ValidationIssue } from '@jointmap/shared';

/** An HTTP error from our API, with the code of the shared error catalog (`UNKNOWN` when it sent none). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** What validation refused, as structure (`error.issues` of the body; absent when none came). */
    readonly issues?: readonly ValidationIssue[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * The error of a failed response of our API, from its parsed body (`{error: {code, message,
 * issues?}}`; any other body, or none, keeps the status and its text). Pure: ending the session on
 * a 401 is `session.errorOf`, which the request helpers use.
 *
 * @example throw apiErrorOf(res, await res.json().catch(() => ({})));
 */
export function apiErrorOf(res: Response, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; issues?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : 'UNKNOWN';
  const message = typeof error?.message === 'string' ? error.message : res.statusText;
  const issues = Array.isArray(error?.issues)
    ? error.issues.map(validationIssueOf).filter((i): i is ValidationIssue => i !== null)
    : undefined;
  return new ApiError(res.status, code, message, issues);
}
