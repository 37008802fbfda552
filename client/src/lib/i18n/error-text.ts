import { AppError, type ErrorCode } from '@jointmap/shared';
import { ApiError } from '../state/api-error.ts';
import { i18n, type MessageKey } from './i18n.svelte.ts';
import { cutDetail, describeValidation, validationText } from './validation-text.ts';

/**
 * Each code's sentence, and whether the server's own (English) detail helps the user act on it:
 * which field was invalid, which limit a file broke, what the conflict was. Elsewhere it says no
 * more than the sentence and is dropped.
 */
const TEXTS: Record<ErrorCode, { key: MessageKey; detail: boolean }> = {
  UNAUTHENTICATED: { key: 'error.UNAUTHENTICATED', detail: false },
  TOKEN_EXPIRED: { key: 'error.TOKEN_EXPIRED', detail: false },
  SESSION_ENDED: { key: 'error.SESSION_ENDED', detail: false },
  FORBIDDEN: { key: 'failure.FORBIDDEN', detail: false },
  NOT_FOUND: { key: 'failure.NOT_FOUND', detail: false },
  INVALID_PAYLOAD: { key: 'failure.INVALID_PAYLOAD', detail: true },
  PAYLOAD_TOO_LARGE: { key: 'failure.PAYLOAD_TOO_LARGE', detail: true },
  RATE_LIMITED: { key: 'failure.RATE_LIMITED', detail: false },
  CONFLICT: { key: 'failure.CONFLICT', detail: true },
  CLIENT_TOO_OLD: { key: 'failure.CLIENT_TOO_OLD', detail: false },
  STORAGE_UNAVAILABLE: { key: 'failure.STORAGE_UNAVAILABLE', detail: false },
  INTERNAL: { key: 'failure.INTERNAL', detail: false },
  STORAGE_FULL: { key: 'failure.STORAGE_FULL', detail: false },
  ARCHIVE_INVALID: { key: 'failure.ARCHIVE_INVALID', detail: true },
  OPERATION_PURGED: { key: 'failure.OPERATION_PURGED', detail: false },
  ARCHIVE_ELSEWHERE: { key: 'failure.ARCHIVE_ELSEWHERE', detail: true },
};

/**
 * A failed request or write as one sentence in the UI's language: by its error code (`ApiError` of
 * our API, or an `AppError`), "cannot reach the server" when no answer came (fetch rejects with a
 * `TypeError`), else a generic sentence. Never the server's English message alone. A write this
 * console's own validation refused (`AppError` INVALID_PAYLOAD, thrown before anything is sent)
 * says which field and limit (`成员过长（最多 40 个字）`), not that the server refused it.
 *
 * @example error = i18n.t('retention.failed', { message: errorText(err) });
 */
export function errorText(err: unknown): string {
  if (err instanceof AppError && err.code === 'INVALID_PAYLOAD') return validationText(err.message, err.issues);
  if (err instanceof ApiError || err instanceof AppError) {
    const known = Object.hasOwn(TEXTS, err.code) ? TEXTS[err.code as ErrorCode] : undefined;
    if (known) {
      const text = i18n.t(known.key);
      const detail = err.message.trim();
      if (!known.detail || !detail) return text;
      const shown = (err.code === 'INVALID_PAYLOAD' && describeValidation(err.issues)) || cutDetail(detail);
      return i18n.t('failure.withDetail', { text, detail: shown });
    }
  }
  if (err instanceof TypeError) return i18n.t('failure.unreachable');
  return i18n.t('failure.unknown');
}

/**
 * A change to a document that threw (`session.write` and its helpers), as a sentence of the UI's
 * language: an `AppError` as {@link errorText} says it (validation names the field, a closed
 * operation says no access). Anything else is a fault of the console itself, not of the network
 * (a `TypeError` here is no failed fetch): logged, and shown as the generic sentence.
 *
 * @example error = i18n.t('props.invalid', { problem: writeErrorText(err) });
 */
export function writeErrorText(err: unknown): string {
  if (err instanceof AppError) return errorText(err);
  console.error(err);
  return i18n.t('failure.unknown');
}
