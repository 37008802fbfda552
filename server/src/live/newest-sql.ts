/**
 * The newest-fix rule of `compareFixes` (shared/src/live/newest.ts) for the stores' latest-position
 * upserts, written once for SQLite and PostgreSQL: the later fix time; at equal time the greater
 * device id (byte order: SQLite's BINARY collation, PostgreSQL's `COLLATE "C"` columns); the same
 * time and device is the same fix and replaces nothing. `newest-sql.test.ts` checks it against
 * `compareFixes`.
 */

/**
 * SQL condition, true when row `candidate` is newer than row `current` (both with `time` and
 * `device_id` columns).
 * @example `... DO UPDATE SET ... WHERE ${newerFixSql('excluded', 'positions_latest')}`
 */
export function newerFixSql(candidate: string, current: string): string {
  return `(${candidate}.time > ${current}.time OR (${candidate}.time = ${current}.time AND ${candidate}.device_id > ${current}.device_id))`;
}
