import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import { releaseMemoryWhenIdle } from './idle-memory.ts';
import { DEMO_OPERATION_ID } from './seed/demo.ts';

/** A second stop signal this soon after the first is the same stop, told twice. */
const SAME_STOP_MS = 2000;

/** The process: read config once, build, listen, shut down cleanly on signals. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const { app, ctx, demoLogins } = await buildApp(config);
  const address = await app.listen({ port: config.port, host: config.host });
  releaseMemoryWhenIdle();
  // glibc reads this before Node starts, so only the launcher can set it (scripts/server-launch.mjs).
  if (process.platform === 'linux' && process.env.MALLOC_MMAP_THRESHOLD_ === undefined)
    app.log.info(
      'started without the launch settings of scripts/server-launch.mjs (MALLOC_MMAP_THRESHOLD_=131072, ' +
        '--max-semi-space-size=8 --no-memory-reducer): resident memory may stay about 70 MiB higher; use npm start, start.sh or docs/deploy.md',
    );
  const url = address.replace('0.0.0.0', '127.0.0.1');
  if (demoLogins.length) {
    const lines = demoLogins.map(
      (l) => `    ${l.username.padEnd(10)} ${l.password.padEnd(14)} ${l.role.padEnd(10)} ${l.name}`,
    );
    console.log(
      `\n  Demo operation created. Logins (also in ${config.dataDir}/demo-logins.txt):\n${lines.join('\n')}\n`,
    );
  }
  // The demo operation's pages only where it exists (seeded on a first start with SEED_DEMO).
  const demoOp = await ctx.storage.getOperation(DEMO_OPERATION_ID);
  const demo =
    demoOp && demoOp.purgedAt == null
      ? `  (console: ${url}/#/op/${DEMO_OPERATION_ID}, wall: ${url}/#/wall/${DEMO_OPERATION_ID})`
      : '';
  console.log(`  联勤图 JointMap is running: ${url}/${demo}\n`);
  let closingSince = 0;
  const stop = (why: string) => {
    if (closingSince) {
      // The same stop told twice (a terminal's Ctrl-C reaches the launcher, which passes it on, and
      // this process alike): no news. Asked again later: give up the clean close.
      if (Date.now() - closingSince < SAME_STOP_MS) return;
      process.exit(1);
    }
    closingSince = Date.now();
    app.log.info(`${why}: closing`);
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  // Started by our launcher (scripts/start-server.mjs), with a channel to it: it went (killed), so go.
  if (process.send) {
    process.on('disconnect', () => stop('launcher gone'));
    process.channel?.unref();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
