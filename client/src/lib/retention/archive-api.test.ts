import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { errorText } from '../i18n/error-text.ts';
import { session } from '../state/session.svelte.ts';
import { createArchive, downloadArchive, restoreArchive, type ArchiveRecordView } from './archive-api.ts';

/** The server: every request answered with `status` and `body` (a string as it is, else JSON). */
function answer(status: number, body: unknown) {
  const fetch = vi.fn(
    async () => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, statusText: 'Refused' }),
  );
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

const refused = (code: string, message: string) => ({ error: { code, message } });

beforeEach(() => {
  const items = new Map<string, string>();
  vi.stubGlobal('localStorage', {
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
    removeItem: (k: string) => void items.delete(k),
  });
  session.current = {
    token: 't',
    expiresAt: Date.now() + 3600_000,
    user: { id: 'u1', name: '张三', role: 'commander', stationId: null },
  };
});
afterEach(() => {
  session.current = null;
  session.endedBecause = null;
  vi.unstubAllGlobals();
});

describe('a refused archive request keeps the server’s code', () => {
  test('a damaged archive: status and code, and the console says so in Chinese', async () => {
    answer(422, refused('ARCHIVE_INVALID', 'checksum mismatch: tracks.ndjson'));
    const err = await restoreArchive(new File(['x'], 'op.tar.gz')).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 422, code: 'ARCHIVE_INVALID' });
    expect(errorText(err)).toBe('归档文件无效或已损坏，未恢复任何内容（checksum mismatch: tracks.ndjson）');
  });

  test('a full disk while writing an archive (send)', async () => {
    const fetch = answer(507, refused('STORAGE_FULL', 'no space left on device'));
    await expect(createArchive('op-1')).rejects.toMatchObject({ status: 507, code: 'STORAGE_FULL' });
    expect(fetch).toHaveBeenCalledWith('/api/operations/op-1/archives', expect.objectContaining({ method: 'POST' }));
  });

  test('an archive file that is gone (download)', async () => {
    answer(404, refused('NOT_FOUND', 'archive a-1 not found'));
    const record = { id: 'a-1', operationId: 'op-1', file: 'op-1.tar.gz' } as ArchiveRecordView;
    await expect(downloadArchive(record)).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  test('an archive file on another instance (download): its code, and the console says where in Chinese', async () => {
    answer(409, refused('ARCHIVE_ELSEWHERE', 'the file of archive a-1 is on instance web1:/srv/archives'));
    const record = { id: 'a-1', operationId: 'op-1', file: 'op-1.tar.gz' } as ArchiveRecordView;
    const err = await downloadArchive(record).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 409, code: 'ARCHIVE_ELSEWHERE' });
    expect(errorText(err)).toBe(
      '归档文件在另一台服务器上，请在那台服务器上操作（the file of archive a-1 is on instance web1:/srv/archives）',
    );
  });

  test('a refused token ends the session with its reason', async () => {
    answer(401, refused('SESSION_ENDED', 'session ended'));
    await expect(createArchive('op-1')).rejects.toMatchObject({ status: 401, code: 'SESSION_ENDED' });
    expect(session.current).toBeNull();
    expect(session.endedBecause).toBe('ended');
  });
});
