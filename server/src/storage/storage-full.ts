/**
 * Whether a storage error means the disk (or the database's size limit) is full: SQLite's
 * `SQLITE_FULL`, PostgreSQL's `disk_full` (53100). Such writes are refused with `STORAGE_FULL`,
 * never acknowledged.
 */
export function isStorageFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === '53100';
}
