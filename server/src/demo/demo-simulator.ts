import { distance } from '@turf/turf';
import { COMMAND_SCOPE, docName, readMap, type Search, type Sector, type Task, type Unit } from '@jointmap/shared';
import type { RoomManager } from '../rooms/room-manager.ts';
import { DEMO_UNITS } from '../seed/demo-units.ts';
import type { Storage } from '../storage/types.ts';
import { createWalker, followRoute, patrol, routeDone, seededRng, type Rng } from '../tools/sim-walker.ts';
import { missionFor, missionKey, type Mission } from './missions.ts';
import { patrolRadiusKm, SimEngine, TRICOUNTY_JUNCTION, type SimUnit } from './sim-engine.ts';
import { sweepPath } from './sweep-path.ts';

export interface DemoSimulatorDeps {
  rooms: Pick<RoomManager, 'get'>;
  storage: Pick<Storage, 'getOperation' | 'getStation' | 'listDevices' | 'latestPosition'>;
  log: { info(msg: string): void; warn(msg: string): void; error(obj: object, msg: string): void };
}

export interface DemoSimulatorOptions {
  operationId: string;
  /** The app's own listening address, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** Fixes per second per unit (default 1). */
  rate?: number;
  /** How often unit assignments are read from the documents (ms, default 2000). */
  missionPollMs?: number;
  seed?: number;
}

const DEMO_DEVICE_IDS: ReadonlySet<string> = new Set(DEMO_UNITS.map((u) => u.deviceId));

/** A position at most this old is where a unit resumes after a restart. */
const RESUME_WITHIN_MS = 3600_000;

/**
 * The in-process demo simulator: every demo tracker (seed/demo-units) registered to a unit of the
 * operation's stations reports through the real HTTP ingest (`POST /api/positions/osmand`, Traccar Client's form) on
 * the app's own address. Units patrol; a unit a person (or the demo story) assigned to a task
 * drives to its sector and sweeps it in lawn-mower passes, or goes to the task's location; a
 * released unit patrols again. Assignments are read from the documents, as any client sees them.
 */
export class DemoSimulator {
  private engine: SimEngine | null = null;
  private readonly missions = new Map<string, { key: string; mission: Mission }>();
  private poll: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private readonly rng: Rng;
  private stopped = false;

  constructor(
    private readonly deps: DemoSimulatorDeps,
    private readonly options: DemoSimulatorOptions,
  ) {
    this.rng = seededRng(options.seed ?? Date.now());
  }

  /** Set up the units and start sending; returns how many units are driven. */
  async start(): Promise<number> {
    const { storage } = this.deps;
    const op = await storage.getOperation(this.options.operationId);
    if (!op || this.stopped) return 0;
    const units: SimUnit[] = [];
    const records = await this.unitRecords(op.stations);
    for (const stationId of op.stations) {
      const area = (await storage.getStation(stationId))?.jurisdiction;
      if (!area) continue;
      for (const device of await storage.listDevices(stationId)) {
        // Only the demo's own trackers: a real tracker registered later must never get fake fixes.
        if (!device.unitId || !DEMO_DEVICE_IDS.has(device.id)) continue;
        const kind = records.get(device.unitId)?.kind ?? 'car';
        const walker = createWalker(area, kind, TRICOUNTY_JUNCTION, this.rng, patrolRadiusKm(kind));
        const last = await storage.latestPosition(stationId, device.unitId);
        if (last && Date.now() - last.time < RESUME_WITHIN_MS) {
          walker.position = [last.lng, last.lat];
          patrol(walker, this.rng);
        }
        units.push({
          deviceId: device.id,
          unitId: device.unitId,
          stationId,
          kind,
          walker,
          battery: 60 + Math.floor(this.rng() * 40),
          lastSecond: 0,
        });
      }
    }
    if (this.stopped) return 0;
    this.engine = new SimEngine(units, {
      baseUrl: this.options.baseUrl,
      rate: this.options.rate ?? 1,
      format: 'form',
      rng: this.rng,
    });
    void this.engine.run();
    await this.updateMissions(op.stations);
    if (this.stopped) return units.length;
    this.poll = setInterval(() => {
      this.polling ??= this.updateMissions(op.stations).finally(() => (this.polling = null));
    }, this.options.missionPollMs ?? 2000);
    this.poll.unref();
    return units.length;
  }

  /** Stop sending and wait for requests in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    await this.polling;
    await this.engine?.stop();
  }

  get stats() {
    return this.engine?.stats ?? null;
  }

  private async unitRecords(stations: readonly string[]): Promise<Map<string, Unit>> {
    const out = new Map<string, Unit>();
    for (const s of stations) {
      const room = await this.deps.rooms.get(docName(this.options.operationId, s));
      for (const [id, u] of readMap<Unit>(room.doc, 'units')) out.set(id, u);
    }
    return out;
  }

  /** Read assignments from the documents and give each unit whose mission changed a new route. */
  private async updateMissions(stations: readonly string[]): Promise<void> {
    if (!this.engine || this.stopped) return;
    try {
      const { rooms } = this.deps;
      const command = await rooms.get(docName(this.options.operationId, COMMAND_SCOPE));
      const searches = [...readMap<Search>(command.doc, 'searches').values()];
      const sectors = [...readMap<Sector>(command.doc, 'sectors').values()];
      const tasks = [...readMap<Task>(command.doc, 'tasks').values()];
      const units = new Map<string, Unit>();
      for (const s of stations) {
        const room = await rooms.get(docName(this.options.operationId, s));
        tasks.push(...readMap<Task>(room.doc, 'tasks').values());
        for (const [id, u] of readMap<Unit>(room.doc, 'units')) units.set(id, u);
      }
      for (const u of this.engine.units) {
        const mission = missionFor(units.get(u.unitId), u.walker.position, { searches, sectors, tasks });
        const key = missionKey(mission);
        const current = this.missions.get(u.unitId);
        if (current?.key === key && !(mission.kind === 'sweep' && routeDone(u.walker))) continue;
        this.missions.set(u.unitId, { key, mission });
        this.assign(u, mission);
      }
    } catch (err) {
      this.deps.log.error({ err }, `demo simulator: reading assignments failed: ${(err as Error).message}`);
    }
  }

  private assign(u: SimUnit, mission: Mission): void {
    switch (mission.kind) {
      case 'patrol':
        patrol(u.walker, this.rng);
        return;
      case 'goto':
        followRoute(u.walker, [mission.point], this.rng);
        return;
      case 'sweep': {
        // Start at the end of the lawn-mower path nearer to the unit (also: sweep back and forth).
        const path = sweepPath(mission.polygon, mission.sweepWidthM);
        const first = path[0]!;
        const last = path[path.length - 1]!;
        if (distance(u.walker.position, last) < distance(u.walker.position, first)) path.reverse();
        followRoute(u.walker, path, this.rng);
        this.deps.log.info(`演示模拟 demo sim: ${u.unitId} → sector ${mission.sectorId}`);
        return;
      }
    }
  }
}
