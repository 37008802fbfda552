import { AppError, ErrorCode } from '@jointmap/shared';
import { afterEach, describe, expect, test } from 'vitest';
import { ApiError } from '../state/api-error.ts';
import { errorText } from './error-text.ts';
import { i18n } from './i18n.svelte.ts';

afterEach(() => {
  i18n.locale = 'zh-CN';
});

describe('errorText', () => {
  test('a coded refusal reads as a sentence of the UI language, without the server’s English', () => {
    const outage = new ApiError(503, 'STORAGE_UNAVAILABLE', 'storage unavailable: SQLITE_BUSY');
    expect(errorText(outage)).toBe('服务器存储暂时不可用，请稍后重试');
    const missing = new ApiError(404, 'NOT_FOUND', 'operation x could not be loaded; try again later');
    expect(errorText(missing)).toBe('未找到（可能已被删除）');

    i18n.locale = 'en';
    expect(errorText(outage)).toBe('The server’s storage is unavailable for now, please try again later');
    expect(errorText(missing)).toBe('Not found (it may have been deleted)');
  });

  test('where the server’s detail helps (a limit, an invalid field), it follows in parentheses', () => {
    const tooLarge = new ApiError(413, 'PAYLOAD_TOO_LARGE', 'archives larger than 200 MiB are refused');
    expect(errorText(tooLarge)).toBe('文件过大（archives larger than 200 MiB are refused）');
    i18n.locale = 'en';
    expect(errorText(tooLarge)).toBe('The file is too large (archives larger than 200 MiB are refused)');
    expect(errorText(new ApiError(422, 'ARCHIVE_INVALID', 'checksum mismatch: tracks.ndjson'))).toBe(
      'The archive is invalid or damaged; nothing was restored (checksum mismatch: tracks.ndjson)',
    );
    // An empty detail adds no empty parentheses; a huge one is cut.
    expect(errorText(new ApiError(409, 'CONFLICT', ' '))).toBe(i18n.t('failure.CONFLICT'));
    expect(errorText(new ApiError(400, 'INVALID_PAYLOAD', 'x'.repeat(5000))).length).toBeLessThan(300);
  });

  test('a refused token reads as the login page says it', () => {
    expect(errorText(new ApiError(401, 'TOKEN_EXPIRED', 'token expired'))).toBe(i18n.t('error.TOKEN_EXPIRED'));
    expect(errorText(new ApiError(401, 'SESSION_ENDED', 'session ended'))).toBe(i18n.t('error.SESSION_ENDED'));
    expect(errorText(new ApiError(401, 'UNAUTHENTICATED', 'no token'))).toBe('登录已失效，请重新登录');
  });

  test('no answer at all (fetch rejects with a TypeError) reads as no connection', () => {
    expect(errorText(new TypeError('Failed to fetch'))).toBe('无法连接服务器，请检查网络');
    i18n.locale = 'en';
    expect(errorText(new TypeError('NetworkError when attempting to fetch resource.'))).toBe(
      'Cannot reach the server, please check the network',
    );
  });

  test('an unknown code, a plain error or a thrown string reads as the generic sentence', () => {
    const generic = '操作未能完成，请稍后重试';
    expect(errorText(new ApiError(502, 'UNKNOWN', 'Bad Gateway'))).toBe(generic);
    expect(errorText(new ApiError(500, 'toString', 'inherited names are no codes'))).toBe(generic);
    expect(errorText(new Error('operation x could not be loaded; try again later'))).toBe(generic);
    expect(errorText('stopped')).toBe(generic);
    expect(errorText(undefined)).toBe(generic);
  });

  test('every catalog code has its own sentence in both languages, also from an AppError', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      i18n.locale = locale;
      const generic = errorText(null);
      const texts = Object.values(ErrorCode).map((code) => errorText(new AppError(code, '')));
      for (const [i, text] of texts.entries()) {
        expect(text, Object.values(ErrorCode)[i]).not.toBe(generic);
        expect(text).not.toMatch(/^(failure|error)\./);
      }
      expect(new Set(texts).size).toBe(texts.length);
    }
  });
});
