/**
 * The server's own work per update on the relay path, without the sockets: each server in its
 * own process (lib/relay-path-child.ts), 100 connections whose `send` only counts, 5 writers
 * overwriting polygon annotations, one update at a time (each relayed before the next arrives, as
 * at 25 edits a second). Two windows per process: the first 1,000 updates after start (the
 * fan-out benchmark's servers take 500 in all), and 3,000 after 10,000 more, once V8 has optimised
 * the hot code. Three repeats, alternating which server goes first.
 *
 * What the fan-out's server CPU holds besides this is the same for both servers (one socket write
 * per recipient and message) or is presence, so this isolates what enforcement and durability
 * cost: ours decodes, screens, applies with the schema, appends to SQLite, then relays the
 * client's bytes; the reference applies and re-encodes. "Main thread" leaves out V8's helper
 * threads (optimising compiles, concurrent marking, parallel scavenges) and our checkpointer.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mean, printTable } from './lib/stats.ts';

const REPEATS = Number(process.env.BENCH_RELAY_PATH_REPEATS ?? 3);
const SERVERS = [
  { id: 'jointmap', label: 'JointMap (durable, auth)' },
  { id: 'reference', label: '@y/websocket-server 0.1.1' },
] as const;

interface Window {
  cpuUs: number;
  mainUs: number;
  wallUs: number;
  appendUs: number | null;
  sendsPerUpdate: number;
}
type Figures = Record<'fresh' | 'warm', Window>;

function child(server: string): Promise<Figures> {
  const script = fileURLToPath(new URL('./lib/relay-path-child.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, RELAY_PATH_SERVER: server },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.once('error', reject);
    p.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`relay-path ${server} exited ${code}: ${out}`));
      resolve(JSON.parse(line) as Figures);
    });
  });
}

const us = (x: number) => `${x.toFixed(0)} µs`;

export default async function run(): Promise<void> {
  const results = new Map<string, Figures[]>(SERVERS.map((s) => [s.id, []]));
  for (let r = 0; r < REPEATS; r++) {
    const order = r % 2 === 0 ? SERVERS : [...SERVERS].reverse();
    for (const s of order) results.get(s.id)!.push(await child(s.id));
  }
  const cells = (w: Window) => [us(w.cpuUs), us(w.mainUs), us(w.wallUs), w.appendUs === null ? '—' : us(w.appendUs)];
  printTable('Relay path per update, sockets left out (100 connections; CPU / main thread / wall / SQLite append)', [
    ['server', 'repeat', 'first 1,000: CPU', 'main', 'wall', 'append', 'after 11,000: CPU', 'main', 'wall', 'append'],
    ...SERVERS.flatMap((s) =>
      results.get(s.id)!.map((f, r) => [s.label, String(r + 1), ...cells(f.fresh), ...cells(f.warm)]),
    ),
  ]);
  const avg = (id: string, w: 'fresh' | 'warm') => mean(results.get(id)!.map((f) => f[w].cpuUs));
  for (const w of ['fresh', 'warm'] as const) {
    const ours = avg('jointmap', w);
    const ref = avg('reference', w);
    console.log(
      `${w === 'fresh' ? 'First 1,000 updates' : 'After 11,000      '}: CPU per update ours ${us(ours)}, reference ${us(ref)} (${((ours / ref - 1) * 100).toFixed(0)} %)`,
    );
  }
  // Every connection but the sender's gets each update (the reference echoes it to the sender too).
  for (const [id, expected] of [
    ['jointmap', 99],
    ['reference', 100],
  ] as const) {
    const sends = results.get(id)!.flatMap((f) => [f.fresh.sendsPerUpdate, f.warm.sendsPerUpdate]);
    if (sends.some((n) => n !== expected))
      throw new Error(`${id} relayed an update to ${sends} connections, not ${expected}`);
  }
}
