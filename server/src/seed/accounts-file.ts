import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { MultiPolygon, Polygon } from 'geojson';
import { Color, COMMAND_SCOPE, compile, DeviceId, Id, Position, Role } from '@jointmap/shared';
import type { Role as RoleT } from '@jointmap/shared';
import { hashPassword, passwordHashProblem, verifyPassword } from '../auth/passwords.ts';
import { mirrorDeviceIds } from '../live/roster.ts';
import type { LiveService } from '../live/live-service.ts';
import type { AppContext } from '../services/context.ts';
import type { Account, Device, Station } from '../storage/types.ts';

const AccountsFileSchema = Type.Object(
  {
    stations: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Id,
            name: Type.String({ minLength: 1, maxLength: 120 }),
            shortName: Type.String({ minLength: 1, maxLength: 40 }),
            adcode: Type.Optional(Type.String({ maxLength: 12 })),
            color: Color,
            /** Path (relative to this file) of a WGS-84 GeoJSON Feature/FeatureCollection with the area. */
            jurisdictionFile: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    accounts: Type.Optional(
      Type.Array(
        Type.Object(
          {
            username: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
            name: Type.String({ minLength: 1, maxLength: 60 }),
            role: Type.Union(Object.keys(Role).map((r) => Type.Literal(r))),
            stationId: Type.Optional(Type.Union([Id, Type.Null()])),
            password: Type.Optional(Type.String({ minLength: 8, maxLength: 256 })),
            passwordHash: Type.Optional(Type.String({ pattern: '^scrypt\\$' })),
            disabled: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    devices: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: DeviceId,
            stationId: Id,
            unitId: Type.Optional(Type.Union([Id, Type.Null()])),
            label: Type.Optional(Type.String({ maxLength: 60 })),
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);
export type AccountsFile = Static<typeof AccountsFileSchema>;
type FileAccount = NonNullable<AccountsFile['accounts']>[number];
const validator = compile(AccountsFileSchema);

/** A jurisdiction: a WGS-84 Polygon or MultiPolygon (rings of any length: real boundaries are long). */
const Ring = Type.Array(Position, { minItems: 4 });
const JurisdictionSchema = Type.Union([
  Type.Object({ type: Type.Literal('Polygon'), coordinates: Type.Array(Ring, { minItems: 1 }) }),
  Type.Object({
    type: Type.Literal('MultiPolygon'),
    coordinates: Type.Array(Type.Array(Ring, { minItems: 1 }), { minItems: 1 }),
  }),
]);
const jurisdictionValidator = compile(JurisdictionSchema);

/** Where a changed tracker registration is announced: this instance's cache and the others'. */
export type DeviceAnnouncer = Pick<LiveService, 'deviceChanged'>;

/** What an accounts file did: entries written, and user names it no longer lists (now disabled). */
export interface AccountsFileResult {
  stations: number;
  accounts: number;
  devices: number;
  retired: string[];
}

/**
 * Upsert stations, accounts and devices from a JSON file (see README "Accounts and devices").
 * Everything is checked first (schema, jurisdiction files, station references) and then written
 * in one storage transaction: a bad file, whichever entry is bad, changes nothing and throws a
 * message naming the file and the entry. An account that an earlier start took from the file and
 * that the file no longer lists is disabled (logged as a warning); a new password ends the
 * account's sessions, an unchanged one ends nothing. A tracker registration the file changes is
 * announced through `live` (every instance's cache follows, as after `POST /api/devices`) and
 * mirrored in the unit records' `deviceIds`; without `live` (a tool, a test) neither happens.
 */
export async function loadAccountsFile(
  ctx: AppContext,
  path: string,
  live?: DeviceAnnouncer,
): Promise<AccountsFileResult> {
  const fail = (message: string) => new Error(`accounts file ${path}: ${message}`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw fail((err as Error).message);
  }
  const problem = validator.explain(data);
  if (problem) throw fail(problem);
  const file = data as AccountsFile;
  // Upserted by key: a second entry of the same key would silently replace the first.
  unique(file.stations, 'stations', (s) => s.id, fail);
  unique(file.accounts, 'accounts', (a) => a.username, fail);
  unique(file.devices, 'devices', (d) => d.id, fail);

  const stations: Station[] = (file.stations ?? []).map((s, i) => {
    const entry = `stations[${i}] (${s.id})`;
    if (s.id === COMMAND_SCOPE) throw fail(`${entry}: "${COMMAND_SCOPE}" is reserved`);
    let jurisdiction: Polygon | MultiPolygon | null = null;
    if (s.jurisdictionFile) {
      try {
        jurisdiction = readJurisdiction(resolve(dirname(path), s.jurisdictionFile));
      } catch (err) {
        throw fail(`${entry}: jurisdictionFile ${s.jurisdictionFile}: ${(err as Error).message}`);
      }
    }
    return {
      id: s.id,
      name: s.name,
      shortName: s.shortName,
      adcode: s.adcode ?? null,
      color: s.color,
      jurisdiction,
    };
  });
  const knownStations = new Set([...(await ctx.storage.listStations()).map((s) => s.id), ...stations.map((s) => s.id)]);
  const checkStation = (entry: string, stationId: string | null | undefined) => {
    if (stationId && !knownStations.has(stationId)) throw fail(`${entry}: unknown station "${stationId}"`);
  };
  (file.accounts ?? []).forEach((a, i) => {
    const entry = `accounts[${i}] (${a.username})`;
    if (!a.password && !a.passwordHash) throw fail(`${entry}: needs password or passwordHash`);
    const hashProblem = a.passwordHash !== undefined ? passwordHashProblem(a.passwordHash) : null;
    if (hashProblem) throw fail(`accounts[${i}].passwordHash (${a.username}): ${hashProblem}`);
    if (a.role === 'dispatcher' && !a.stationId) throw fail(`${entry}: a dispatcher needs stationId`);
    checkStation(entry, a.stationId);
  });
  (file.devices ?? []).forEach((d, i) => checkStation(`devices[${i}] (${d.id})`, d.stationId));

  const now = Date.now();
  const accounts: Account[] = [];
  for (const a of file.accounts ?? []) {
    const existing = await ctx.storage.getAccountByUsername(a.username);
    accounts.push({
      id: existing?.id ?? `u-${a.username}`,
      username: a.username,
      name: a.name,
      role: a.role as RoleT,
      stationId: a.stationId ?? null,
      passwordHash: await storedHash(a, existing),
      disabled: a.disabled ?? false,
      createdAt: existing?.createdAt ?? now,
    });
  }
  const devices: Device[] = [];
  /** Registrations the file changes, with the station each had before (null: new). */
  const changed: { device: Device; before: string | null }[] = [];
  for (const d of file.devices ?? []) {
    const existing = await ctx.storage.getDevice(d.id);
    // The file is applied at every start: a tracker it registers without a unit keeps the unit a
    // dispatcher gave it in the console (same station), instead of losing it at each restart.
    const kept = existing?.stationId === d.stationId ? existing : null;
    const device: Device = {
      id: d.id,
      stationId: d.stationId,
      unitId: d.unitId !== undefined ? d.unitId : (kept?.unitId ?? null),
      label: d.label ?? d.id,
      createdAt: kept?.createdAt ?? now,
    };
    devices.push(device);
    if (!existing || (['stationId', 'unitId', 'label'] as const).some((k) => existing[k] !== device[k]))
      changed.push({ device, before: existing?.stationId ?? null });
  }
  let retired: string[];
  try {
    ({ retired } = await ctx.storage.applyAccounts({ stations, accounts, devices }));
  } catch (err) {
    throw fail(`nothing was applied: ${(err as Error).message}`);
  }
  if (retired.length) {
    ctx.log.warn(
      { accounts: retired },
      `accounts file ${path}: no longer lists ${retired.join(', ')}: disabled, their sessions ended`,
    );
  }
  if (live) await announceDevices(ctx, live, changed, path);
  return { stations: stations.length, accounts: accounts.length, devices: devices.length, retired };
}

/** Each entry's `key` once: a repeat names both entries. */
function unique<T>(entries: T[] | undefined, list: string, key: (e: T) => string, fail: (m: string) => Error): void {
  const first = new Map<string, number>();
  (entries ?? []).forEach((e, i) => {
    const k = key(e);
    const seen = first.get(k);
    if (seen !== undefined) throw fail(`${list}[${i}] (${k}): repeats ${list}[${seen}]`);
    first.set(k, i);
  });
}

/**
 * What a registration through the API does once stored: every instance resolves the tracker anew
 * (their caches would otherwise route its fixes by the old registration until restarted), and the
 * unit records of the stations concerned show it on its new unit only. The mirror is for display:
 * one that fails is logged and does not stop the start.
 */
async function announceDevices(
  ctx: AppContext,
  live: DeviceAnnouncer,
  changed: { device: Device; before: string | null }[],
  path: string,
): Promise<void> {
  for (const { device } of changed) live.deviceChanged(device);
  for (const { device, before } of changed) {
    const stations = new Set([device.stationId, ...(before ? [before] : [])]);
    await mirrorDeviceIds(ctx, device, stations, null).catch((err: unknown) =>
      ctx.log.warn({ err, device: device.id }, `accounts file ${path}: unit records not updated for this tracker`),
    );
  }
}

/**
 * The hash to store for a file entry. A plain password that still verifies against the stored hash
 * keeps that hash: a new hash ends the account's sessions (storage trigger), and hashing again
 * with a new salt at every start would sign everyone out at every restart.
 */
async function storedHash(entry: FileAccount, existing: Account | null): Promise<string> {
  if (entry.passwordHash) return entry.passwordHash;
  const password = entry.password!;
  // A stored hash this version cannot read (made by hand, other parameters) counts as changed.
  if (existing && (await verifyPassword(password, existing.passwordHash).catch(() => false))) {
    return existing.passwordHash;
  }
  return hashPassword(password);
}

/** The area of a GeoJSON file: a Polygon or MultiPolygon geometry, or the first feature's. */
function readJurisdiction(file: string): Polygon | MultiPolygon {
  const geo = JSON.parse(readFileSync(file, 'utf8')) as {
    type?: string;
    geometry?: unknown;
    features?: Array<{ geometry?: unknown }>;
  } | null;
  const geometry =
    geo?.type === 'FeatureCollection' ? geo.features?.[0]?.geometry : geo?.type === 'Feature' ? geo.geometry : geo;
  const problem = jurisdictionValidator.explain(geometry);
  if (problem) throw new Error(`not a Polygon or MultiPolygon (${problem})`);
  return geometry as Polygon | MultiPolygon;
}
