import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Role } from '@jointmap/shared';
import { hashPassword, randomPassword } from '../auth/passwords.ts';
import type { AppContext } from '../services/context.ts';
import { createOperation } from '../services/operations.ts';
import { demoStations } from './demo-stations.ts';
import { seedDemoUnits } from './demo-units.ts';
import { sharedPool } from '../demo/demo-lease.ts';
import { pgLease } from '../storage/pg-lease.ts';

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
 * The setting that follows the seed: `started` once the logins are written and before the first
 * account is stored, `done` once all of it is stored. A seed cut short (a crash, a failed write)
 * leaves `started`, and the next start seeds again with new passwords instead of leaving accounts
 * whose passwords nobody knows.
 */
export const DEMO_SEED_KEY = 'demo_seed';

/**
 * First start only (no accounts yet, or a seed cut short): the three stations, demo logins and the
 * tri-county joint search operation. Returns the logins created (empty when the database was
 * already seeded, or holds accounts of its own). Passwords are random unless `demoPassword` is
 * set; they are written to `DATA_DIR/demo-logins.txt` before any account is stored, so a data
 * directory that cannot be written stops the start before it makes logins nobody could look up.
 * Instances sharing a PostgreSQL store seed one at a time: the others wait, then find it done.
 */
export async function seedDemo(ctx: AppContext): Promise<DemoLogin[]> {
  const pool = sharedPool(ctx);
  const lease = pool ? await pgLease(pool, 'demo-seed', true) : null;
  try {
    return await seedOnce(ctx);
  } finally {
    await lease?.release();
  }
}

async function seedOnce(ctx: AppContext): Promise<DemoLogin[]> {
  const mark = await ctx.storage.getSetting(DEMO_SEED_KEY);
  if (mark === 'done') return [];
  // Accounts and no mark: seeded before the mark existed, or accounts of the site's own.
  if (mark === null && (await ctx.storage.countAccounts()) > 0) return [];
  if (mark !== null) {
    // Accounts other than the demo's came since (an accounts file): the site has its own logins.
    let demo = 0;
    for (const a of DEMO_ACCOUNTS) if (await ctx.storage.getAccount(`u-${a.username}`)) demo++;
    if ((await ctx.storage.countAccounts()) > demo) return [];
    ctx.log.warn('the demo seed of an earlier start was cut short: seeding again, with new passwords');
  }
  const logins: DemoLogin[] = DEMO_ACCOUNTS.map((a) => ({
    username: a.username,
    password: ctx.config.demoPassword ?? randomPassword(),
    name: a.name,
    role: a.role,
  }));
  // With PostgreSQL storage nothing else may have made the data directory yet.
  mkdirSync(ctx.config.dataDir, { recursive: true });
  writeFileSync(
    join(ctx.config.dataDir, 'demo-logins.txt'),
    logins.map((l) => `${l.username}\t${l.password}\t${l.role}\t${l.name}`).join('\n') + '\n',
    { mode: 0o600 },
  );
  await ctx.storage.setSetting(DEMO_SEED_KEY, 'started');
  for (const s of demoStations()) await ctx.storage.upsertStation(s);
  for (const [i, a] of DEMO_ACCOUNTS.entries()) {
    await ctx.storage.upsertAccount({
      id: `u-${a.username}`,
      username: a.username,
      name: a.name,
      role: a.role,
      stationId: a.stationId,
      passwordHash: await hashPassword(logins[i]!.password),
      disabled: false,
      createdAt: Date.now(),
    });
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
  }
  await seedDemoUnits(ctx, DEMO_OPERATION_ID);
  await ctx.storage.setSetting(DEMO_SEED_KEY, 'done');
  return logins;
}
