import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyChange, docName, scopeKind, type Change } from '@jointmap/shared';
import { buildApp, type BuiltApp } from '../app.ts';
import { defaultConfig } from '../config.ts';

export const OP = 'demo-tricounty';
const PASSWORD = 'timeline-pass-1';

/** Whole apps on SQLite with the demo seeded (a test's own), closed and removed by `close`. */
export function timelineApps() {
  const dirs: string[] = [];
  const apps: BuiltApp[] = [];
  return {
    async start(): Promise<BuiltApp & { token(user: string): Promise<string> }> {
      const dataDir = mkdtempSync(join(tmpdir(), 'jointmap-timeline-'));
      dirs.push(dataDir);
      const built = await buildApp(
        defaultConfig({ dataDir, demoPassword: PASSWORD, logLevel: 'silent', simulate: false }),
        { logger: false },
      );
      apps.push(built);
      return {
        ...built,
        async token(username: string) {
          const res = await built.app.inject({
            method: 'POST',
            url: '/api/auth/login',
            payload: { username, password: PASSWORD },
          });
          return (res.json() as { token: string }).token;
        },
      };
    },
    async close(): Promise<void> {
      for (const b of apps.splice(0)) await b.app.close();
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** Write as a signed-in user would through sync: one committed, logged update. */
export async function write(built: BuiltApp, scope: string, change: Change, userId: string): Promise<void> {
  const room = await built.ctx.rooms.get(docName(OP, scope));
  const kind = scopeKind(scope);
  await room.serverChange(
    (doc) => applyChange(doc, kind, change, { source: 'server' }, kind === 'station' ? scope : undefined),
    {
      sessionId: `s-${userId}`,
      userId,
    },
  );
}
