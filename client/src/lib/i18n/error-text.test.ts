import { AppError, checkEntry, ErrorCode } from '@jointmap/shared';
import { afterEach, describe, expect, test } from 'vitest';
import { ApiError, apiErrorOf } from '../state/api-error.ts';
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

  test('a write the console’s own validation refused names the field and its limit in the UI language', () => {
    // As the shared check says it of a unit whose fourth member has 41 characters.
    const unit = {
      id: 'car-01',
      callsign: '禹越巡01',
      kind: 'car',
      stationId: 'deqing-yuyue',
      members: ['张三', '李四', '王五', '长'.repeat(41)],
      status: 'available',
      assignedTaskId: null,
      deviceIds: [],
      updatedAt: 1,
    };
    const problem = checkEntry('station', 'units', unit.id, unit, 'deqing-yuyue')!;
    expect(problem.message).toMatch(/^units\/car-01\/members\/3: /);
    const tooLong = new AppError('INVALID_PAYLOAD', problem.message, problem.issues);
    expect(errorText(tooLong)).toBe('成员过长（最多 40 个字）');
    // A problem beyond the schema (no issues): localized, the detail kept for support, no "Error:" prefix.
    const ring = errorText(new AppError('INVALID_PAYLOAD', 'sectors/s-1: polygon ring not closed', []));
    expect(ring).toBe('输入不符合要求（sectors/s-1: polygon ring not closed）');
    expect(errorText(new AppError('FORBIDDEN', 'no write access to command'))).toBe('无权执行此操作');

    i18n.locale = 'en';
    expect(errorText(tooLong)).toBe('Members is too long (at most 40 characters)');
  });

  test('a refusal without structure is not read from its English sentence: its detail is shown as it came', () => {
    // As a server older than `issues` answered; the validator's wording is no interface.
    const sentence = 'units/car-01/callsign: Expected string length less or equal to 40';
    expect(errorText(new ApiError(400, 'INVALID_PAYLOAD', sentence))).toBe(`请求无效，已被服务器拒绝（${sentence}）`);
    expect(errorText(new AppError('INVALID_PAYLOAD', sentence))).toBe(`输入不符合要求（${sentence}）`);
  });

  test('validation reads its structure (field, rule, limit), whatever sentence the validator wrote', () => {
    // Problems of several fields, worded as some other validator (or version) might word them.
    const issue = (path: string, kind: string, limit?: number) => ({
      path,
      kind,
      ...(limit === undefined ? {} : { limit }),
      message: 'value breaks a rule of the schema',
    });
    const refused = (path: string, kind: string, limit?: number) =>
      errorText(new AppError('INVALID_PAYLOAD', `units/car-01${path}: reworded`, [issue(path, kind, limit)]));
    expect(refused('/members/3', 'maxLength', 40)).toBe('成员过长（最多 40 个字）');
    expect(refused('/title', 'minLength', 1)).toBe('标题不能为空');
    expect(refused('/name', 'minLength', 2)).toBe('名称过短（至少 2 个字）');
    expect(refused('/assignedUnitIds', 'maxItems', 50)).toBe('分配的警力过多（最多 50 项）');
    expect(refused('/targetStations', 'minItems', 1)).toBe('目标单位不能为空');
    expect(refused('/unitIds', 'uniqueItems')).toBe('警力有重复项');
    expect(refused('/radiusM', 'maximum', 50000)).toBe('半径（米）不能大于 50000');
    expect(refused('/radiusM', 'exclusiveMaximum', 100)).toBe('半径（米）必须小于 100');
    expect(refused('/sweepWidthM', 'minimum', 1)).toBe('扫描宽度（米）不能小于 1');
    expect(refused('/sweepWidthM', 'exclusiveMinimum', 0)).toBe('扫描宽度（米）必须大于 0');
    // A rule without a sentence here still names the field, with the validator's words.
    expect(refused('/callsign', 'pattern')).toBe('呼号不符合要求（value breaks a rule of the schema）');
    // Structure decides, not a sentence that says otherwise; no issue naming a field reads generically.
    const misleading = 'units/car-01/members/3: Expected string length less or equal to 99';
    expect(errorText(new AppError('INVALID_PAYLOAD', misleading, [issue('/members/3', 'maxLength', 40)]))).toBe(
      '成员过长（最多 40 个字）',
    );
    expect(errorText(new AppError('INVALID_PAYLOAD', misleading, []))).toBe(`输入不符合要求（${misleading}）`);

    // A REST refusal: the issues of the server's body (Ajv's wording is not read either).
    const body = {
      error: {
        code: 'INVALID_PAYLOAD',
        message: 'body/callsign has too many characters',
        issues: [{ path: '/callsign', kind: 'maxLength', limit: 40, message: 'has too many characters' }],
      },
    };
    const rest = apiErrorOf(new Response(null, { status: 400 }), body);
    expect(errorText(rest)).toBe('请求无效，已被服务器拒绝（呼号过长（最多 40 个字））');
    i18n.locale = 'en';
    expect(errorText(rest)).toBe(
      'The server refused the request as invalid (Callsign is too long (at most 40 characters))',
    );
  });
});
