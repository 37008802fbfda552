import { afterEach, describe, expect, test, vi } from 'vitest';
import { downloadFile, importFile } from './interop-api.ts';

function answer(status: number, body: unknown) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => new Response(JSON.stringify(body), { status })),
  );
}

afterEach(() => vi.unstubAllGlobals());

describe('a refused import or export keeps the server’s code', () => {
  test('a file over the import limit', async () => {
    answer(413, { error: { code: 'PAYLOAD_TOO_LARGE', message: 'files larger than 20 MiB are refused' } });
    const err = await importFile('op-1', new Blob(['{}']), { scope: 's1', crs: 'wgs84', apply: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: 'files larger than 20 MiB are refused',
    });
  });

  test('an export the account may not read', async () => {
    answer(403, { error: { code: 'FORBIDDEN', message: 'not a participant' } });
    await expect(downloadFile('/api/operations/op-1/export?what=annotations')).rejects.toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
  });
});
