import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Color, compile, DeviceId, Id, Role } from '@jointmap/shared';
import type { Role as RoleT } from '@jointmap/shared';
import { hashPassword } from '../auth/passwords.ts';
import type { AppContext } from '../services/context.ts';

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
const validator = compile(AccountsFileSchema);

/**
 * Upsert stations, accounts and devices from a JSON file (see README "Accounts and devices").
 * Throws with the offending path on any problem, before anything is written.
 */
export async function loadAccountsFile(
  ctx: AppContext,
  path: string,
): Promise<{ stations: number; accounts: number; devices: number }> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`accounts file ${path}: ${(err as Error).message}`);
  }
  const problem = validator.explain(data);
  if (problem) throw new Error(`accounts file ${path}: ${problem}`);
  const file = data as AccountsFile;
  for (const a of file.accounts ?? []) {
    if (!a.password && !a.passwordHash)
      throw new Error(`accounts file ${path}: account ${a.username} needs password or passwordHash`);
    if (a.role === 'dispatcher' && !a.stationId)
      throw new Error(`accounts file ${path}: dispatcher ${a.username} needs stationId`);
  }
  for (const s of file.stations ?? []) {
    if (s.id === 'command') throw new Error(`accounts file ${path}: "command" is reserved`);
    let jurisdiction = null;
    if (s.jurisdictionFile) {
      const geo = JSON.parse(readFileSync(resolve(dirname(path), s.jurisdictionFile), 'utf8'));
      jurisdiction =
        geo.type === 'FeatureCollection' ? geo.features[0]?.geometry : geo.type === 'Feature' ? geo.geometry : geo;
    }
    await ctx.storage.upsertStation({
      id: s.id,
      name: s.name,
      shortName: s.shortName,
      adcode: s.adcode ?? null,
      color: s.color,
      jurisdiction,
    });
  }
  for (const a of file.accounts ?? []) {
    const existing = await ctx.storage.getAccountByUsername(a.username);
    await ctx.storage.upsertAccount({
      id: existing?.id ?? `u-${a.username}`,
      username: a.username,
      name: a.name,
      role: a.role as RoleT,
      stationId: a.stationId ?? null,
      passwordHash: a.passwordHash ?? (await hashPassword(a.password!)),
      disabled: a.disabled ?? false,
      createdAt: existing?.createdAt ?? Date.now(),
    });
  }
  for (const d of file.devices ?? []) {
    await ctx.storage.upsertDevice({
      id: d.id,
      stationId: d.stationId,
      unitId: d.unitId ?? null,
      label: d.label ?? d.id,
      createdAt: Date.now(),
    });
  }
  return {
    stations: file.stations?.length ?? 0,
    accounts: file.accounts?.length ?? 0,
    devices: file.devices?.length ?? 0,
  };
}
