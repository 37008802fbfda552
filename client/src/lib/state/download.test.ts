import { describe, expect, test } from 'vitest';
import { attachmentName } from './download.ts';

describe('the name a download is saved under', () => {
  test('a Chinese title from filename* wins over the ASCII fallback', () => {
    const title = '德清-临平联合搜索-annotations.kml';
    const header = `attachment; filename="op-1-annotations.kml"; filename*=UTF-8''${encodeURIComponent(title)}`;
    expect(attachmentName(header, 'export')).toBe(title);
  });

  test('only filename: that name', () => {
    expect(attachmentName('attachment; filename="track-s1-car-01.gpx"', 'export')).toBe('track-s1-car-01.gpx');
  });

  test('a broken escape in filename* falls back to filename', () => {
    expect(attachmentName(`attachment; filename="a.kml"; filename*=UTF-8''%E5%BE`, 'export')).toBe('a.kml');
  });

  test('no header: the fallback', () => {
    expect(attachmentName(null, 'export')).toBe('export');
    expect(attachmentName('attachment', 'x.tar.gz')).toBe('x.tar.gz');
  });
});
