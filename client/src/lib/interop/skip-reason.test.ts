import { describe, expect, test } from 'vitest';
import { annotationKind, explainRecord } from '@jointmap/shared';
// The server's converter as text only (the console never runs server code): its reasons are listed from it.
import convertSource from '../../../../server/src/interop/import-convert.ts?raw';
import { formatMessage } from '../i18n/format.ts';
import { en, zhCN } from '../i18n/messages.ts';
import { skipReasonKey, skipReasonText } from './skip-reason.ts';

const zh = (key: keyof typeof zhCN) => formatMessage('zh-CN', zhCN[key]);
const english = (key: keyof typeof en) => formatMessage('en', en[key]);

/** Every `skip('…')` of the converter with a literal reason. */
const literalReasons = [...convertSource.matchAll(/\bskip\(\s*(['"`])(.*?)\1\s*\)/g)].map((m) => m[2]!);
/** Every `skip(…)` whose reason is computed. */
const computedReasons = [...convertSource.matchAll(/\bskip\(\s*([^'"`\s].*?)\);/g)].map((m) => m[1]!);

describe('the server’s skip reasons in the console’s languages', () => {
  test('the converter’s reasons are found in its source', () => {
    expect(literalReasons).toEqual(expect.arrayContaining(['not a feature', 'coordinates out of range']));
  });

  test('every reason the converter names has a Chinese and an English message', () => {
    for (const reason of literalReasons) {
      const key = skipReasonKey(reason);
      expect(key, `no message for the server's skip reason "${reason}"`).not.toBeNull();
      expect(zh(key!), reason).toMatch(/\p{Script=Han}/u);
      expect(english(key!), reason).not.toBe('');
    }
  });

  test('the only computed reason is the annotation record check (a new one needs its messages here)', () => {
    expect(computedReasons).toEqual([`problem.replace(/^\\/?[^:]*: /, '')`]);
    expect(convertSource).toContain('explainRecord(annotationKind, annotation, annotation.id)');
  });

  /** What the converter skips for an annotation the record check refuses, path removed as it does. */
  const recordReason = (geometry: unknown) => {
    const kind =
      (geometry as { type: string }).type === 'Point'
        ? 'point'
        : (geometry as { type: string }).type === 'LineString'
          ? 'line'
          : 'polygon';
    const annotation = {
      id: 'imp-1-1',
      kind,
      geometry,
      label: '',
      color: '#112233',
      author: 'u1',
      createdAt: 1,
      updatedAt: 1,
    };
    return explainRecord(annotationKind, annotation, annotation.id)!.replace(/^\/?[^:]*: /, '');
  };

  test('lines and areas left with too few distinct points read as such, whatever the schema says', () => {
    const degenerate = {
      'a line of one point': { type: 'LineString', coordinates: [[120, 30]] },
      'an empty line': { type: 'LineString', coordinates: [] },
      'a ring of two points': {
        type: 'Polygon',
        coordinates: [
          [
            [120, 30],
            [121, 31],
            [120, 30],
          ],
        ],
      },
      'an empty ring': { type: 'Polygon', coordinates: [[]] },
      'no rings': { type: 'Polygon', coordinates: [] },
      'a collapsed hole': {
        type: 'Polygon',
        coordinates: [
          [
            [120, 30],
            [121, 30],
            [121, 31],
            [120, 30],
          ],
          [
            [120.1, 30.1],
            [120.2, 30.2],
            [120.1, 30.1],
          ],
        ],
      },
    };
    for (const [name, geometry] of Object.entries(degenerate)) {
      const reason = recordReason(geometry);
      expect(skipReasonText(reason, zh), `${name}: "${reason}"`).toBe('线或面的有效点数不足');
      expect(skipReasonText(reason, english), name).toBe('lines or areas with too few distinct points');
    }
  });

  test('the preview line reads in Chinese, and in English when switched', () => {
    const line = (t: typeof zh, locale: 'zh-CN' | 'en', table: typeof zhCN | typeof en) =>
      formatMessage(locale, table['interop.skipped'], { n: 3, reason: skipReasonText('coordinates out of range', t) });
    expect(line(zh, 'zh-CN', zhCN)).toBe('跳过 3 个：坐标超出经纬度范围');
    expect(line(english, 'en', en)).toBe('3 skipped: coordinates outside the longitude/latitude range');
  });

  test('rings and label ends an import drops read as such in both languages', () => {
    const line = (t: typeof zh, locale: 'zh-CN' | 'en', table: typeof zhCN | typeof en, reason: string, n: number) =>
      formatMessage(locale, table['interop.skipped'], { n, reason: skipReasonText(reason, t) });
    expect(line(zh, 'zh-CN', zhCN, 'polygon ring past the 100th', 50)).toBe(
      '跳过 50 个：面的第 100 个环之后的内环（孔洞；面的其余部分照常导入）',
    );
    expect(line(english, 'en', en, 'polygon ring past the 100th', 50)).toBe(
      '50 skipped: holes of an area past its 100th ring (the rest of the area is imported)',
    );
    expect(line(zh, 'zh-CN', zhCN, 'label cut to 200 characters', 1)).toBe(
      '跳过 1 个：名称超过 200 字的部分（名称已截断，标注照常导入）',
    );
    expect(line(english, 'en', en, 'label cut to 200 characters', 1)).toBe(
      '1 skipped: ends of labels longer than 200 characters (imported with the label cut)',
    );
  });

  test('a reason this console does not know (a newer server) is shown as it is', () => {
    expect(skipReasonText('too many parts', zh)).toBe('too many parts');
    expect(skipReasonText('', zh)).toBe('');
    // Not a property of every object.
    expect(skipReasonText('constructor', zh)).toBe('constructor');
  });
});
