import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { MultiPolygon, Polygon } from 'geojson';
import type { UnitKind } from '@jointmap/shared';
import { defaultConfig, loadConfig } from '../config.ts';
import {
  patrolRadiusKm,
  SIM_FORMATS,
  SimEngine,
  TRICOUNTY_JUNCTION,
  type SimFormat,
  type SimUnit,
} from '../demo/sim-engine.ts';
import { DEMO_UNITS } from '../seed/demo-units.ts';
import { createWalker, seededRng } from './sim-walker.ts';

/**
 * `pnpm simulate`: drives units of an operation's stations along plausible paths and sends real
 * OsmAnd HTTP requests, as Traccar Client does. Registers extra units and trackers (as a
 * commander, over REST) when asked for more units than are registered.
 *
 *   pnpm simulate --units 20 --rate 1 --duration 120 [--url http://HOST:PORT]
 *                 [--user commander --password …] [--operation demo-tricounty] [--format form|query|json]
 */
/** The server as it listens with its default HOST and PORT (server/src/config.ts). */
const DEFAULTS = defaultConfig();
const DEFAULT_URL = `http://${DEFAULTS.host}:${DEFAULTS.port}`;

const HELP = `Usage: pnpm simulate [options]
  --url URL           server (default ${DEFAULT_URL})
  --units N           units to drive (default: every registered tracker of the operation)
  --rate R            fixes per second per unit (default 1)
  --duration S        seconds to run (default: until Ctrl-C)
  --operation ID      operation (default demo-tricounty)
  --user NAME         commander login (default commander)
  --password PW       password (default: read from demo-logins.txt in the server's data directory:
                      DATA_DIR, default ${DEFAULTS.dataDir})
  --format F          form (Traccar Client 10) | query (Traccar Client 8, OsmAnd) | json (Traccar Client 9); default form
  --seed N            random seed (default 1)`;

const EXTRA_KINDS: UnitKind[] = ['car', 'foot', 'motorbike', 'car', 'drone', 'dog', 'boat'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: DEFAULT_URL },
      units: { type: 'string' },
      rate: { type: 'string', default: '1' },
      duration: { type: 'string', default: '0' },
      operation: { type: 'string', default: 'demo-tricounty' },
      user: { type: 'string', default: 'commander' },
      password: { type: 'string' },
      format: { type: 'string', default: 'form' },
      seed: { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const base = values.url.replace(/\/$/, '');
  const rate = Number(values.rate);
  const duration = Number(values.duration);
  const format = values.format as SimFormat;
  if (!(rate > 0) || !(duration >= 0) || !SIM_FORMATS.includes(format)) throw new Error(`bad options\n${HELP}`);
  const rng = seededRng(Number(values.seed));

  const password = values.password ?? passwordFromDemoLogins(values.user);
  const token = await login(base, values.user, password);
  const rest = restClient(base, token);
  const op = await rest<{ stations: string[]; stationDetails: Array<{ id: string; shortName: string }> }>(
    'GET',
    `/api/operations/${values.operation}`,
  );
  const areas = await rest<{
    features: Array<{ properties: { stationId: string }; geometry: Polygon | MultiPolygon }>;
  }>('GET', `/api/operations/${values.operation}/jurisdictions.geojson`);
  const areaOf = new Map(areas.features.map((f) => [f.properties.stationId, f.geometry]));
  const devices = (
    await rest<{ devices: Array<{ id: string; stationId: string; unitId: string | null }> }>('GET', '/api/devices')
  ).devices.filter((d) => d.unitId && op.stations.includes(d.stationId) && areaOf.has(d.stationId));
  const wanted = values.units === undefined ? devices.length : Number(values.units);
  if (!Number.isInteger(wanted) || wanted < 1) throw new Error('--units must be a positive integer');

  const kindOf = new Map<string, UnitKind>(DEMO_UNITS.map((u) => [u.deviceId, u.kind]));
  const chosen = devices
    .slice(0, wanted)
    .map((d) => ({ deviceId: d.id, unitId: d.unitId!, stationId: d.stationId, kind: kindOf.get(d.id) ?? 'car' }));
  const stations = op.stations.filter((s) => areaOf.has(s));
  for (let i = chosen.length; i < wanted; i++) {
    const stationId = stations[i % stations.length]!;
    const short = op.stationDetails.find((s) => s.id === stationId)?.shortName ?? stationId;
    const kind = EXTRA_KINDS[i % EXTRA_KINDS.length]!;
    const unitId = `sim-${stationId}-${i}`.slice(0, 64);
    const deviceId = `sim-${i}`;
    await rest('POST', `/api/operations/${values.operation}/units`, {
      id: unitId,
      callsign: `${short}模拟${String(i).padStart(3, '0')}`,
      kind,
      stationId,
    });
    await rest('POST', '/api/devices', { id: deviceId, stationId, unitId, label: `模拟 ${i}` });
    chosen.push({ deviceId, unitId, stationId, kind });
  }
  const units: SimUnit[] = chosen.map((c) => ({
    ...c,
    walker: createWalker(areaOf.get(c.stationId)!, c.kind, TRICOUNTY_JUNCTION, rng, patrolRadiusKm(c.kind)),
    battery: 60 + Math.floor(rng() * 40),
    lastSecond: 0,
  }));
  console.log(`simulating ${units.length} units of ${values.operation} at ${rate} fix/s each → ${base} (${format})`);

  const engine = new SimEngine(units, { baseUrl: base, rate, format, rng });
  const started = Date.now();
  process.on('SIGINT', () => void engine.stop());
  const report = setInterval(() => {
    const { sent, ok, failures } = engine.stats;
    const f = [...failures].map(([k, v]) => `${k}×${v}`).join(' ');
    console.log(`  ${Math.round((Date.now() - started) / 1000)} s: sent ${sent}, ok ${ok}${f ? `, failed ${f}` : ''}`);
  }, 5_000);
  await engine.run(duration * 1000);
  await engine.stop();
  clearInterval(report);
  console.log(`done: sent ${engine.stats.sent}, ok ${engine.stats.ok}, failed ${engine.stats.sent - engine.stats.ok}`);
}

function passwordFromDemoLogins(user: string): string {
  // The data directory as the server derives it (DATA_DIR, else its default). Only that variable:
  // the simulator is not the server and must not refuse to run over the server's other settings.
  const file = join(loadConfig({ DATA_DIR: process.env.DATA_DIR }).dataDir, 'demo-logins.txt');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`no --password given and ${file} is not readable (set DATA_DIR to the server's data directory)`);
  }
  const line = text.split('\n').find((l) => l.split('\t')[0] === user);
  if (!line) throw new Error(`${user} is not in ${file}`);
  return line.split('\t')[1]!;
}

async function login(base: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`login as ${username} failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

function restClient(base: string, token: string) {
  return async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
