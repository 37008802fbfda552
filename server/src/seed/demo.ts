import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Role } from '@jointmap/shared';
import { hashPassword, randomPassword } from '../auth/passwords.ts';
import type { AppContext } from '../services/context.ts';
import { createOperation } from '../services/operations.ts';
import { demoStations } from './demo-stations.ts';
import { seedDemoUnits } from './demo-units.ts';

export const DEMO_OPERATION_ID = 'demo-tricounty';

const DEMO_ACCOUNTS: Array<{ username: string; name: string; role: Role; stationId: string | null }> = [
  { username: 'commander', name: '联合指挥长', role: 'commander', stationId: null },
  { username: 'deqing', name: '禹越值班民警', role: 'dispatcher', stationId: 'deqing-yuyue' },
  { username: 'linping', name: '运河值班民警', role: 'dispatcher', stationId: 'linping-yunhe' },
  { username: 'tongxiang', name: '洲泉值班民警', role: 'dispatcher', stationId: 'tongxiang-zhouquan' },
  { username: 'wall', name: '指挥中心大屏', role: 'viewer', stationId: null },
];

export interface DemoLogin {
  username: string;
  password: string;
  name: string;
  role: Role;
}

/**
 * First start only (no accounts yet): the three stations, demo logins and the tri-county joint
 * search operation. Returns the logins created (empty when the database was already seeded).
 * Passwords are random unless `demoPassword` is set; they are also written to
 * `DATA_DIR/demo-logins.txt` so they can be looked up later.
 */
export async function seedDemo(ctx: AppContext): Promise<DemoLogin[]> {
  if ((await ctx.storage.countAccounts()) > 0) return [];
  for (const s of demoStations()) await ctx.storage.upsertStation(s);
  const logins: DemoLogin[] = [];
  for (const a of DEMO_ACCOUNTS) {
    const password = ctx.config.demoPassword ?? randomPassword();
    await ctx.storage.upsertAccount({
      id: `u-${a.username}`,
      username: a.username,
      name: a.name,
      role: a.role,
      stationId: a.stationId,
      passwordHash: await hashPassword(password),
      disabled: false,
      createdAt: Date.now(),
    });
    logins.push({ username: a.username, password, name: a.name, role: a.role });
  }
  if (!(await ctx.storage.getOperation(DEMO_OPERATION_ID))) {
    await createOperation(
      ctx,
      { id: 'u-commander', role: 'commander', stationId: null },
      {
        id: DEMO_OPERATION_ID,
        name: '三地联合搜寻：走失老人（禹越·运河·洲泉）',
        kind: 'search',
        stations: demoStations().map((s) => s.id),
      },
    );
    await seedDemoUnits(ctx, DEMO_OPERATION_ID);
  }
  // With PostgreSQL storage nothing else may have made the data directory yet.
  mkdirSync(ctx.config.dataDir, { recursive: true });
  writeFileSync(
    join(ctx.config.dataDir, 'demo-logins.txt'),
    logins.map((l) => `${l.username}\t${l.password}\t${l.role}\t${l.name}`).join('\n') + '\n',
    { mode: 0o600 },
  );
  return logins;
}
