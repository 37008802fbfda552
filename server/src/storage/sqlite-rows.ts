import type { Row } from './rows.ts';
import type { Account, Operation, Station } from './types.ts';

// Rows of the SQLite tables to and from the storage types.

export const stationRow = (s: Station) => ({
  ...s,
  jurisdiction: s.jurisdiction ? JSON.stringify(s.jurisdiction) : null,
});

export const accountRow = (a: Account) => ({ ...a, disabled: a.disabled ? 1 : 0 });

export const toStation = (r: Row): Station => ({
  id: r.id as string,
  name: r.name as string,
  shortName: r.short_name as string,
  adcode: (r.adcode as string | null) ?? null,
  color: r.color as string,
  jurisdiction: r.jurisdiction ? JSON.parse(r.jurisdiction as string) : null,
});

export const toAccount = (r: Row): Account => ({
  id: r.id as string,
  username: r.username as string,
  name: r.name as string,
  role: r.role as Account['role'],
  stationId: (r.station_id as string | null) ?? null,
  passwordHash: r.password_hash as string,
  disabled: r.disabled === 1,
  createdAt: r.created_at as number,
});

export const toOperation = (r: Row): Operation => ({
  id: r.id as string,
  name: r.name as string,
  kind: r.kind as Operation['kind'],
  status: r.status as Operation['status'],
  stations: JSON.parse(r.stations as string) as string[],
  createdBy: r.created_by as string,
  createdAt: r.created_at as number,
  closedAt: (r.closed_at as number | null) ?? null,
  purgedAt: (r.purged_at as number | null) ?? null,
  restoredAt: (r.restored_at as number | null) ?? null,
});
