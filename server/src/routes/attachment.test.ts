import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { contentDisposition, MAX_FILE_NAME_BYTES, sendAttachment, type AttachmentName } from './attachment.ts';

/** The two names of a `content-disposition` header: `filename` and the decoded `filename*`. */
function names(header: string): { ascii: string; utf8: string } {
  const m = /^attachment; filename="([^"\\]*)"; filename\*=UTF-8''([A-Za-z0-9!#$&+\-.^_`|~%]+)$/.exec(header);
  if (!m) throw new Error(`not an RFC 6266 attachment header: ${header}`);
  return { ascii: m[1]!, utf8: decodeURIComponent(m[2]!) };
}
const of = (name: string, more: Partial<AttachmentName> = {}) =>
  names(contentDisposition({ name, fallback: 'export', extension: 'geojson', ...more }));

describe('a download’s name (content-disposition)', () => {
  it('keeps a Chinese title in filename*, the ASCII name as before in filename', () => {
    expect(of('德清-临平联合搜索')).toEqual({ ascii: 'export.geojson', utf8: '德清-临平联合搜索.geojson' });
    expect(
      of('三地联合搜寻：走失老人（禹越·运河·洲泉）', { suffix: '-annotations', ascii: 'demo-annotations' }),
    ).toEqual({
      ascii: 'demo-annotations.geojson',
      utf8: '三地联合搜寻：走失老人（禹越·运河·洲泉）-annotations.geojson',
    });
    // Mixed: the ASCII name sanitised as it always was.
    expect(of('track-deqing-car 1 巡逻', { extension: 'gpx' })).toEqual({
      ascii: 'track-deqing-car-1-.gpx',
      utf8: 'track-deqing-car 1 巡逻.gpx',
    });
    expect(of('night-op-20261202T121340-abc123', { extension: 'tar.gz' })).toEqual({
      ascii: 'night-op-20261202T121340-abc123.tar.gz',
      utf8: 'night-op-20261202T121340-abc123.tar.gz',
    });
  });

  it('falls back to a name of letters when a title is only symbols, never to dashes or nothing', () => {
    expect(of('!!! ///')).toEqual({ ascii: 'export.geojson', utf8: 'export.geojson' });
    expect(of('---', { fallback: 'track', extension: 'kml' })).toEqual({ ascii: 'track.kml', utf8: 'track.kml' });
    expect(of('', { fallback: '###' })).toEqual({ ascii: 'download.geojson', utf8: 'download.geojson' });
    // A symbol-only title before an archive's own name: that name alone.
    expect(of('★★', { suffix: '-op-1', ascii: 'op-1', extension: 'tar.gz' })).toEqual({
      ascii: 'op-1.tar.gz',
      utf8: 'op-1.tar.gz',
    });
  });

  it('drops quotes, control characters and leading dots, and makes path separators dashes', () => {
    const { ascii, utf8 } = of('..\\..\\etc/"搜索"\n区域\u202e\u0000 ..');
    expect(utf8).toBe('-..-etc-搜索区域.geojson');
    expect(ascii).toBe('-..-etc-...geojson');
    expect(of('..').utf8).toBe('export.geojson');
    expect(of('.hidden 名称').utf8).toBe('hidden 名称.geojson');
    expect(of("O'Brien `搜索` a<b>c:d|e?f*g").utf8).toBe('OBrien 搜索 a-b-c-d-e-f-g.geojson');
    // A lone surrogate would make encodeURIComponent throw.
    expect(of('搜索\ud800').utf8).toBe('搜索.geojson');
  });

  it('cuts a very long title at a character, keeping the suffix and extension', () => {
    const long = of('联合搜索'.repeat(100), { suffix: '-night-op-1', ascii: 'night-op-1', extension: 'tar.gz' });
    expect(Buffer.byteLength(long.utf8)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(long.utf8).toMatch(/^(联合搜索)+(联合?搜?索?)?-night-op-1\.tar\.gz$/);
    const ascii = of('x'.repeat(500));
    expect(ascii.ascii.length).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(ascii.utf8).toBe(ascii.ascii);
    // Astral characters are not split.
    expect(of('𠀀'.repeat(100)).utf8).toBe(`${'𠀀'.repeat(Math.floor((MAX_FILE_NAME_BYTES - 8) / 4))}.geojson`);
  });

  it('is sent with the content type', async () => {
    const app = Fastify();
    app.get('/', (_request, reply) =>
      sendAttachment(reply, 'application/gpx+xml; charset=utf-8', {
        name: '德清-临平联合搜索',
        fallback: 'track',
        extension: 'gpx',
      }).send('<gpx/>'),
    );
    const res = await app.inject('/');
    await app.close();
    expect(res.headers['content-type']).toBe('application/gpx+xml; charset=utf-8');
    expect(names(String(res.headers['content-disposition']))).toEqual({
      ascii: 'track.gpx',
      utf8: '德清-临平联合搜索.gpx',
    });
  });
});
