/**
 * `pnpm fuzz [--seed S] [--count N]`: N generated inputs (half sync sessions of 1–4 y-protocol
 * frames, half REST requests over every route in server/src/routes) against the real server as a
 * child process. Every input is built to be refused (or, for a tracker's fix out of range,
 * acknowledged with nothing stored), so afterwards the server must be alive,
 * `GET /api/health` must answer 200, its stored state must be identical to before, and no stored
 * byte may carry the fuzzer's marker. `--only I` replays input I of the seed.
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { login, spawnServer, tempDir, type ServerProcess } from '../helpers/server.ts';
import { seededRandom } from '../helpers/random.ts';
import { discoverRoutes, restRequest, type RestRequest } from './rest-inputs.ts';
import { runRest, runSync, type Tokens } from './runner.ts';
import { diffStates, markerInLog, readState, scanForMarker } from './stored-state.ts';
import { syncSession, type SyncSession } from './sync-frames.ts';
import { MARKER } from './yjs-payloads.ts';

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    seed: { type: 'string', default: '1' },
    count: { type: 'string', default: '10000' },
    only: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    'keep-data': { type: 'boolean', default: false },
  },
});
const seed = Number(args.seed);
const count = Number(args.count);
const concurrency = Number(args.concurrency);
if (![seed, count, concurrency].every(Number.isInteger) || count < 1 || concurrency < 1) {
  console.error('usage: pnpm fuzz [--seed S] [--count N] [--only I] [--concurrency C]');
  process.exit(2);
}

/** Input i of a seed, the same whatever order the workers run in. */
function input(i: number): { type: 'sync'; session: SyncSession } | { type: 'rest'; request: RestRequest } {
  const rng = seededRandom((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
  return rng.chance(0.5)
    ? { type: 'sync', session: syncSession(rng) }
    : { type: 'rest', request: restRequest(rng, routes, devices) };
}

const tally = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
const routes = discoverRoutes().filter((r) => !r.path.startsWith('/sync/'));
let devices: string[] = [];

async function start(dataDir: string): Promise<ServerProcess> {
  return spawnServer(dataDir, { SIMULATE: '0', LOG_LEVEL: 'warn' });
}

async function main(): Promise<number> {
  console.log(`fuzz: seed ${seed}, ${count} inputs (replay: pnpm fuzz --seed ${seed} --count ${count})`);
  console.log(`routes from server/src/routes: ${routes.map((r) => `${r.method} ${r.path}`).join(', ')}`);
  if (routes.length < 10 || !routes.some((r) => r.path === '/api/positions/osmand'))
    throw new Error('route discovery found too few routes: has server/src/routes changed shape?');
  const dataDir = tempDir('jointmap-fuzz-');
  let server = await start(dataDir);
  /** Problems by kind, each with its examples (input numbers replay with --only). */
  const failures = new Map<string, string[]>();
  const fail = (kind: string, detail: string) => failures.set(kind, [...(failures.get(kind) ?? []), detail]);
  try {
    const tokens: Tokens = {
      commander: (await login(server.url, 'commander')).token,
      deqing: (await login(server.url, 'deqing')).token,
      linping: (await login(server.url, 'linping')).token,
      wall: (await login(server.url, 'wall')).token,
    };
    const res = await fetch(`${server.url}/api/devices`, { headers: { authorization: `Bearer ${tokens.commander}` } });
    devices = ((await res.json()) as { devices: Array<{ id: string }> }).devices.map((d) => d.id);
    // Load every document once (a first load may stamp it), then take the "before" picture.
    for (const scope of ['command', 'deqing-yuyue', 'linping-yunhe', 'tongxiang-zhouquan'])
      await runSync(
        server.wsUrl,
        { doc: `demo-tricounty/${scope}`, token: 'commander', frames: [], kinds: [] },
        tokens,
      );
    await server.kill('SIGTERM');
    const before = await readState(dataDir);
    server = await start(dataDir);

    const only = args.only === undefined ? null : Number(args.only);
    const indices = only === null ? Array.from({ length: count }, (_, i) => i) : [only];
    const byOutcome = new Map<string, number>();
    const byFrame = new Map<string, number>();
    const byRest = new Map<string, number>();
    let frames = 0;
    let bodies = 0;
    let next = 0;
    let completed = 0;
    const t0 = Date.now();
    const worker = async () => {
      while (next < indices.length && server.child.exitCode === null && server.child.signalCode === null) {
        const i = indices[next++]!;
        const item = input(i);
        if (item.type === 'sync') {
          const s = item.session;
          const o = await runSync(server.wsUrl, s, tokens);
          frames += s.frames.length;
          for (const k of s.kinds) tally(byFrame, k);
          tally(byOutcome, `sync ${o.outcome}${o.outcome === 'closed' ? ` ${o.closeCode}` : ''}`);
          for (const c of new Set(o.codes)) tally(byOutcome, `sync rejection ${c}`);
          if (o.outcome === 'timeout' || o.outcome.startsWith('http 5') || [1011, 4503].includes(o.closeCode))
            fail(
              'sync: no answer, or closed as a server failure (1011/4503)',
              `input ${i}: ${s.doc} as ${s.token} [${s.kinds.join('; ')}] → ${o.outcome} ${o.closeCode}`,
            );
          if (only !== null) console.log(s, o);
        } else {
          const r = item.request;
          const o = await runRest(server.url, r, tokens);
          bodies++;
          tally(byRest, `${r.route.method} ${r.route.path} → ${o.status}`);
          tally(byOutcome, `http ${o.status}`);
          const what = `input ${i}: ${r.method} ${r.path.slice(0, 120)} as ${r.token} (${r.kind})`;
          if (o.status === 0) fail('REST: no answer', `${what}: ${o.error}`);
          else if (o.status >= 500) fail('REST: server error (5xx)', `${what} → ${o.status}`);
          else if (r.mustRefuse && o.status < 400 && !o.storedNothing)
            fail('REST: input built to be refused was accepted', `${what} → ${o.status}`);
          else if (o.uncoded) fail('REST: error without the coded JSON body', `${what} → ${o.status}`);
          if (only !== null) console.log(r, o);
        }
        if (++completed % 1000 === 0) console.log(`  ${completed} inputs, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (Date.now() - t0) / 1000;

    const alive = server.child.exitCode === null && server.child.signalCode === null;
    if (!alive) fail('server died', server.output().split('\n').slice(-30).join('\n'));
    const health = alive
      ? await fetch(`${server.url}/api/health`).then(
          (r) => r.status,
          () => 0,
        )
      : 0;
    if (health !== 200) fail('health', `GET /api/health answered ${health}`);
    const errors = server
      .output()
      .split('\n')
      .filter((l) => /"level":(5|6)\d/.test(l) || /^\s*(Error|TypeError|RangeError)\b/.test(l));
    for (const e of errors) fail('server logged an error', e.slice(0, 500));
    await server.kill('SIGTERM');
    if (server.child.exitCode !== 0 && alive)
      fail('server did not stop cleanly', `exit ${server.child.exitCode}, ${server.child.signalCode}`);

    const marked = scanForMarker(dataDir, MARKER);
    for (const m of marked) fail('storage holds refused input (the marker)', `${m.hits}× in ${m.file}`);
    if (marked.length) {
      const where = await markerInLog(dataDir, MARKER);
      fail(
        'storage holds refused input (the marker)',
        `of which in the document log: ${where.updates} updates and ${where.snapshots} snapshots; structs with the marker ` +
          `in a root type name ${where.rootNames}, in a map key ${where.keys} (longest key ${where.maxKeyLength} chars), ` +
          `in content ${where.content}`,
      );
    }
    const after = await readState(dataDir);
    const diff = diffStates(before, after);
    for (const d of diff) fail('stored state changed', d);
    const logGrowth = Object.keys(after.logLength)
      .map((d) => `${d} +${after.logLength[d]! - (before.logLength[d] ?? 0)}`)
      .join(', ');

    printCounts(`sync frames sent: ${frames}`, byFrame);
    printCounts(`REST bodies sent: ${bodies} (status by route)`, byRest);
    printCounts('outcomes (HTTP status, sync close code, rejection codes)', byOutcome);
    console.log(`\nupdate log growth (repairs; content compared above): ${logGrowth}`);
    console.log(
      `\nfuzz: seed ${seed}, ${indices.length} inputs (${frames} frames, ${bodies} bodies) in ${seconds.toFixed(1)} s; ` +
        `server ${alive ? 'alive' : 'DEAD'}, health ${health}, stored state ${diff.length ? 'CHANGED' : 'identical'}, ` +
        `marker ${marked.length ? 'FOUND' : 'absent'} in storage`,
    );
    if (failures.size) {
      console.log(
        `\nFAIL: ${[...failures.values()].reduce((a, l) => a + l.length, 0)} problems of ${failures.size} kinds`,
      );
      for (const [kind, list] of failures) {
        console.log(`\n  ${kind}: ${list.length}`);
        for (const f of list.slice(0, 4)) console.log(`    - ${f.length > 400 ? `${f.slice(0, 400)}…` : f}`);
      }
      console.log(`\nreplay one input: pnpm fuzz --seed ${seed} --only <input>`);
    } else console.log('PASS');
    return failures.size ? 1 : 0;
  } finally {
    await server.kill();
    if (!args['keep-data']) rmSync(dataDir, { recursive: true, force: true });
  }
}

function printCounts(title: string, m: Map<string, number>): void {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1))) console.log(`  ${String(v).padStart(6)}  ${k}`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('fuzz failed to run:', err);
    process.exit(1);
  },
);
