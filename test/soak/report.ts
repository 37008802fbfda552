/** The soak's printed table and JSON file. */
import { writeFileSync } from 'node:fs';
import { cores, mib, ms, printTable } from '../bench/lib/stats.ts';
import type { Histogram, LifeVerdict, MemorySample } from './metrics.ts';

export interface StormResult {
  atS: number;
  /** All sync clients dropped → all synced again (ms); NaN if they did not within the limit. */
  recoveryMs: number;
}

export interface KillResult {
  atS: number;
  /** Acknowledged edits checked against the data dir right after the kill. */
  checked: number;
  lost: Array<{ key: string; doc: string; expected: number; found: number }>;
  /** Spawn → listening (ms) and SIGKILL → all sync clients synced again (ms). */
  startMs: number;
  recoveryMs: number;
}

export interface SoakReport {
  startedAt: string;
  options: { minutes: number; editors: number; trackers: number; walls: number; seed: number };
  setupMs: { server: number; registration: number; clients: number };
  edits: {
    sent: number;
    sentOffline: number;
    observations: number;
    ackedKeys: number;
    latency: ReturnType<Histogram['summary']>;
    steadyLatency: ReturnType<Histogram['summary']>;
  };
  positions: {
    sent: number;
    accepted: number;
    refused: Record<string, number>;
    unreachable: number;
    wallDeliveries: number;
    latency: ReturnType<Histogram['summary']>;
    steadyLatency: ReturnType<Histogram['summary']>;
  };
  storms: StormResult[];
  kills: KillResult[];
  final: {
    checked: number;
    lost: KillResult['lost'];
    /** Edits made (acknowledged or not) whose last version is not stored after the final stop. */
    notStored: number;
    serverSyncConnections: number;
    clientSyncConnections: number;
  };
  memory: { samples: MemorySample[]; lives: LifeVerdict[] };
  /** Coded rejections the server sent to soak clients, by code (document, client kind). */
  rejections: Record<string, number>;
  crashes: string[];
  /** Server log lines at error level or above (all lives). */
  serverErrors: string[];
  verdict: { ok: boolean; reasons: string[] };
}

const lat = (s: ReturnType<Histogram['summary']>) =>
  s.n === 0 ? '–' : `${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)} (n=${s.n})`;

export function printReport(r: SoakReport): void {
  const lostAtKills = r.kills.reduce((a, k) => a + k.lost.length, 0);
  const expectedDeliveries = r.positions.accepted * r.options.walls;
  printTable(
    `soak: ${r.options.minutes} min, ${r.options.editors} editors, ${r.options.trackers} trackers, ${r.options.walls} walls (seed ${r.options.seed})`,
    [
      ['figure', 'value'],
      [
        'set-up (server start / tracker registration / clients synced)',
        `${ms(r.setupMs.server)} / ${ms(r.setupMs.registration)} / ${ms(r.setupMs.clients)}`,
      ],
      ['edits sent (of which offline)', `${r.edits.sent} (${r.edits.sentOffline})`],
      ['edit → visible at another client p50 / p99 / max', lat(r.edits.latency)],
      ['  outside storms and restarts', lat(r.edits.steadyLatency)],
      [
        'fixes sent / accepted / unreachable (server down)',
        `${r.positions.sent} / ${r.positions.accepted} / ${r.positions.unreachable}`,
      ],
      [
        'fixes refused by status',
        Object.entries(r.positions.refused)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ') || 'none',
      ],
      ['position → visible at a wall p50 / p99 / max', lat(r.positions.latency)],
      ['  outside storms and restarts', lat(r.positions.steadyLatency)],
      [
        'wall deliveries',
        `${r.positions.wallDeliveries} of ~${expectedDeliveries} (${((100 * r.positions.wallDeliveries) / Math.max(1, expectedDeliveries)).toFixed(1)} %)`,
      ],
      [
        'reconnect storms (recovery, all clients synced)',
        r.storms.map((s) => `${s.atS.toFixed(0)} s: ${ms(s.recoveryMs)}`).join(', ') || 'none',
      ],
      [
        'SIGKILL + restart (start, recovery)',
        r.kills.map((k) => `${k.atS.toFixed(0)} s: ${ms(k.startMs)}, ${ms(k.recoveryMs)}`).join('; ') || 'none',
      ],
      [
        'acknowledged edits checked at kills / lost',
        `${r.kills.map((k) => k.checked).join(' + ') || 0} / ${lostAtKills}`,
      ],
      ['acknowledged edits checked at the end / lost', `${r.final.checked} / ${r.final.lost.length}`],
      ['edits made but not stored at the end (info)', String(r.final.notStored)],
      [
        'sync connections at the end: server gauge / clients',
        `${r.final.serverSyncConnections} / ${r.final.clientSyncConnections}`,
      ],
      [
        'rejections received by clients',
        Object.entries(r.rejections)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ') || 'none',
      ],
      ['server crashes / error log lines', `${r.crashes.length} / ${r.serverErrors.length}`],
    ],
  );
  printTable('server memory per process life (RSS from /proc, heap in use from /api/metrics)', [
    [
      'life',
      'span',
      'CPU',
      'RSS early peak',
      'RSS late peak',
      'late/early',
      'RSS end',
      'heap floor slope',
      'heap end',
      'verdict',
    ],
    ...r.memory.lives.map((l) => [
      String(l.life),
      `${l.fromS.toFixed(0)}–${l.toS.toFixed(0)} s`,
      `${cores(l.cores)} cores`,
      mib(l.earlyPeakRss),
      mib(l.latePeakRss),
      Number.isFinite(l.ratio) ? l.ratio.toFixed(2) : '–',
      mib(l.endRss),
      Number.isFinite(l.heapFloorSlope) ? `${l.heapFloorSlope.toFixed(2)} MiB/min` : '–',
      mib(l.endHeap),
      `${l.ok ? 'ok' : 'FAIL'}: ${l.reason}`,
    ]),
  ]);
  for (const c of r.crashes) console.log(`\ncrash: ${c}`);
  if (r.serverErrors.length) console.log(`\nserver errors (first 10):\n${r.serverErrors.slice(0, 10).join('\n')}`);
  console.log(`\nverdict: ${r.verdict.ok ? 'PASS' : 'FAIL'}${r.verdict.reasons.map((x) => `\n  - ${x}`).join('')}`);
}

export function writeReport(path: string, r: SoakReport): void {
  writeFileSync(path, `${JSON.stringify(r, null, 1)}\n`);
  console.log(`report: ${path}`);
}
