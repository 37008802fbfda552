/**
 * `pnpm soak --minutes N`: the real server as a child process under steady mixed load (editors,
 * trackers, walls), with reconnect storms and SIGKILL + restarts. Prints a table, writes a JSON
 * report and exits non-zero on any lost acknowledged edit, a crash or unbounded memory growth.
 * What it does and how to read it: docs/soak.md.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { login, tempDir } from '../helpers/server.ts';
import { seededRandom } from '../helpers/random.ts';
import { judgeMemory, MemorySampler, readServerGauges } from './metrics.ts';
import { PositionLoad, registerTrackers } from './position-load.ts';
import { printReport, writeReport, type KillResult, type SoakReport, type StormResult } from './report.ts';
import { Disruptions, schedule } from './schedule.ts';
import { SoakServer } from './server-control.ts';
import { readStoredDocs } from './stored-docs.ts';
import { dropAll, EditLoad, EDITED_DOCS, missingEdits, rejections, waitAllSynced } from './sync-load.ts';
import { Walls } from './walls.ts';

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    minutes: { type: 'string', default: '1' },
    editors: { type: 'string', default: '50' },
    trackers: { type: 'string', default: '500' },
    walls: { type: 'string', default: '10' },
    seed: { type: 'string', default: '20240917' },
    out: { type: 'string' },
    'keep-data': { type: 'boolean', default: false },
  },
});
const minutes = Number(args.minutes);
const options = {
  minutes,
  editors: Number(args.editors),
  trackers: Number(args.trackers),
  walls: Number(args.walls),
  seed: Number(args.seed),
};
if (!(minutes > 0) || ![options.editors, options.trackers, options.walls, options.seed].every(Number.isInteger)) {
  console.error('usage: pnpm soak [--minutes N] [--editors 50] [--trackers 500] [--walls 10] [--seed S] [--out FILE]');
  process.exit(2);
}
const durationS = minutes * 60;
// Each stock y-websocket provider adds a process 'exit' listener (awareness clean-up).
process.setMaxListeners(options.editors + options.walls + 20);
/** Longest wait for every client to be synced again after a storm or restart. */
const RECOVERY_LIMIT_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sleepUntil = (t: number) => sleep(Math.max(0, t - Date.now()));

async function main(): Promise<number> {
  const dataDir = tempDir('jointmap-soak-');
  const metricsToken = randomBytes(16).toString('hex');
  const rng = seededRandom(options.seed);
  const disruptions = new Disruptions();
  const startedAt = new Date().toISOString();
  console.log(
    `soak: ${minutes} min; events ${JSON.stringify(schedule(durationS).map((e) => `${e.kind}@${e.atS.toFixed(0)}s`))}; data ${dataDir}`,
  );

  let t = Date.now();
  const server = await SoakServer.start(dataDir, {
    SIMULATE: '0',
    LOG_LEVEL: 'warn',
    METRICS_TOKEN: metricsToken,
  });
  const onSignal = () => {
    void server.kill().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const editors = new EditLoad(rng, disruptions, { count: options.editors, intervalMs: 2_000, keysPerEditor: 10 });
  const walls = new Walls(disruptions);
  const trackers = new PositionLoad(server.url, options.trackers);
  try {
    const setupMs = { server: Date.now() - t, registration: 0, clients: 0 };
    const tokens: Record<string, string> = {};
    for (const user of ['commander', 'deqing', 'linping', 'tongxiang', 'wall'])
      tokens[user] = (await login(server.url, user)).token;

    t = Date.now();
    await registerTrackers(server.url, tokens.commander!, options.trackers);
    setupMs.registration = Date.now() - t;
    t = Date.now();
    await walls.connect(server.url, server.wsUrl, tokens.wall!, options.walls);
    await editors.connect(server.wsUrl, tokens);
    setupMs.clients = Date.now() - t;
    console.log(
      `set-up: server ${setupMs.server} ms, ${options.trackers} trackers registered in ${setupMs.registration} ms, ` +
        `${options.editors + options.walls} sync clients in ${setupMs.clients} ms; load starts`,
    );

    const allPeers = [...editors.editors, ...walls.peers];
    const t0 = Date.now();
    const sampler = new MemorySampler(
      t0,
      () => ({ pid: server.pid, url: server.url, life: server.life, up: server.up }),
      metricsToken,
    );
    sampler.start(Math.round(1000 * Math.max(1, Math.min(5, durationS / 120))));
    walls.startMeasuring();
    trackers.start();
    editors.start();

    const storms: StormResult[] = [];
    const kills: KillResult[] = [];
    /** Wait until every peer noticed the drop, then until all are synced again. */
    const recover = async (start: number): Promise<number> => {
      const noticed = Date.now() + 2_000;
      while (Date.now() < noticed && allPeers.some((p) => p.provider.synced)) await sleep(10);
      const synced = await waitAllSynced(allPeers, RECOVERY_LIMIT_MS);
      const live = Date.now() + 10_000;
      while (Date.now() < live && walls.connectedLive() < options.walls) await sleep(20);
      return synced ? Date.now() - start : Number.NaN;
    };

    for (const event of schedule(durationS)) {
      await sleepUntil(t0 + event.atS * 1000);
      const atS = (Date.now() - t0) / 1000;
      const span = disruptions.begin();
      const start = Date.now();
      if (event.kind === 'storm') {
        dropAll(allPeers);
        walls.dropLive();
        const recoveryMs = await recover(start);
        storms.push({ atS, recoveryMs });
        console.log(
          `${atS.toFixed(0)} s: reconnect storm, all ${allPeers.length} sync clients back in ${recoveryMs} ms`,
        );
      } else {
        // Acknowledged = observed by another client before the kill (the server relays only what is durable).
        const acked = new Map(editors.acked);
        await server.kill();
        const stored = await readStoredDocs(
          dataDir,
          EDITED_DOCS.map((d) => d.doc),
        );
        const lost = missingEdits(stored, acked);
        for (const d of stored.values()) d.destroy();
        const startMs = await server.restart();
        const recoveryMs = await recover(start);
        kills.push({ atS, checked: acked.size, lost, startMs, recoveryMs });
        console.log(
          `${atS.toFixed(0)} s: SIGKILL; ${acked.size} acknowledged edits checked, ${lost.length} lost; ` +
            `restarted in ${startMs} ms, all clients synced ${recoveryMs} ms after the kill`,
        );
      }
      span.end();
    }
    await sleepUntil(t0 + durationS * 1000);

    // Wind down: no new edits or fixes, let what is in flight arrive.
    editors.stop();
    await trackers.stop();
    await sleep(3_000);
    sampler.stop();
    const gauges = await readServerGauges(server.url, metricsToken);
    const clientSyncConnections = allPeers.filter((p) => p.provider.wsconnected).length;
    const acked = new Map(editors.acked);
    const made = editors.lastVersions();
    editors.destroy();
    walls.destroy();
    await server.stop();
    const stored = await readStoredDocs(
      dataDir,
      EDITED_DOCS.map((d) => d.doc),
    );
    const finalLost = missingEdits(stored, acked);
    const notStored = missingEdits(stored, made).length;

    const lives = judgeMemory(sampler.samples);
    const serverErrors = server.errorLines();
    const reasons: string[] = [];
    const lostAtKills = kills.reduce((a, k) => a + k.lost.length, 0);
    if (lostAtKills) reasons.push(`${lostAtKills} acknowledged edits missing from storage right after a SIGKILL`);
    if (finalLost.length) reasons.push(`${finalLost.length} acknowledged edits missing from storage at the end`);
    if (server.crashes.length) reasons.push(`${server.crashes.length} server exits not caused by the soak`);
    for (const l of lives) if (!l.ok) reasons.push(`memory of server life ${l.life}: ${l.reason}`);
    if (lives.length === 0) reasons.push('no memory samples');
    for (const s of storms)
      if (!Number.isFinite(s.recoveryMs))
        reasons.push(`clients not back ${RECOVERY_LIMIT_MS} ms after the storm at ${s.atS.toFixed(0)} s`);
    for (const k of kills)
      if (!Number.isFinite(k.recoveryMs))
        reasons.push(`clients not back ${RECOVERY_LIMIT_MS} ms after the kill at ${k.atS.toFixed(0)} s`);
    if (editors.latency.n === 0) reasons.push('no edit was observed by another client');
    if (walls.latency.n === 0) reasons.push('no position reached a wall');

    const report: SoakReport = {
      startedAt,
      options,
      setupMs,
      edits: {
        sent: editors.sent,
        sentOffline: editors.sentOffline,
        observations: editors.observations,
        ackedKeys: acked.size,
        latency: editors.latency.summary(),
        steadyLatency: editors.steadyLatency.summary(),
      },
      positions: {
        sent: trackers.sent,
        accepted: trackers.accepted,
        refused: Object.fromEntries(trackers.refused),
        unreachable: trackers.unreachable,
        wallDeliveries: walls.delivered,
        latency: walls.latency.summary(),
        steadyLatency: walls.steadyLatency.summary(),
      },
      storms,
      kills,
      final: {
        checked: acked.size,
        lost: finalLost,
        notStored,
        serverSyncConnections: gauges.syncConnections,
        clientSyncConnections,
      },
      memory: { samples: sampler.samples, lives },
      rejections: Object.fromEntries(rejections),
      crashes: server.crashes,
      serverErrors,
      verdict: { ok: reasons.length === 0, reasons },
    };
    printReport(report);
    writeReport(args.out ?? `/tmp/jointmap-soak-${startedAt.replace(/[:.]/g, '-')}.json`, report);
    return report.verdict.ok ? 0 : 1;
  } finally {
    editors.destroy();
    walls.destroy();
    await trackers.stop();
    await server.kill();
    if (!args['keep-data']) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('soak failed to run:', err);
    process.exit(1);
  },
);
