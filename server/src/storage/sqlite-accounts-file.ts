import type Database from 'better-sqlite3';
import type { AccountsApplied, AccountsBatch } from './types.ts';
import { accountRow, stationRow } from './sqlite-rows.ts';

/** The upserts of SqliteDirectoryStore (sqlite-directory.ts) that an accounts file runs, one row each. */
export interface AccountUpserts {
  upsertStation: Database.Statement;
  upsertAccount: Database.Statement;
  upsertDevice: Database.Statement;
}

/**
 * `applyAccounts` on SQLite, as one transaction (see {@link AccountStore.applyAccounts}): the
 * upserts, then the marks of the file's accounts. Disabling a retired account ends its sessions by
 * the `accounts_end_sessions` trigger (sqlite-schema.ts), in this same transaction.
 */
export function sqliteApplyAccounts(
  db: Database.Database,
  upserts: AccountUpserts,
): (batch: AccountsBatch) => AccountsApplied {
  // Ids go in as one JSON array: a statement cannot bind a list of any length.
  const retire = db.prepare(
    `UPDATE accounts SET disabled = 1, from_accounts_file = 0
     WHERE from_accounts_file = 1 AND id NOT IN (SELECT value FROM json_each(?)) RETURNING username`,
  );
  const mark = db.prepare(
    'UPDATE accounts SET from_accounts_file = 1 WHERE id IN (SELECT value FROM json_each(?)) AND from_accounts_file = 0',
  );
  return db.transaction((batch: AccountsBatch): AccountsApplied => {
    for (const s of batch.stations) upserts.upsertStation.run(stationRow(s));
    for (const a of batch.accounts) upserts.upsertAccount.run(accountRow(a));
    for (const d of batch.devices) upserts.upsertDevice.run(d);
    const ids = JSON.stringify(batch.accounts.map((a) => a.id));
    const retired = (retire.all(ids) as Array<{ username: string }>).map((r) => r.username);
    mark.run(ids);
    return { retired: retired.sort() };
  });
}
