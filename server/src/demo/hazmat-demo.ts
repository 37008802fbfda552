import { applyChange, docName, type AlertRule, type Unit } from '@jointmap/shared';
import type { RoomManager } from '../rooms/room-manager.ts';
import type { Storage } from '../storage/types.ts';
import { HAZMAT_LOOP, HAZMAT_ROUTE_M, LegPlayer, TANK_FARM_M } from './hazmat-route.ts';

export interface HazmatDemoDeps {
  rooms: Pick<RoomManager, 'get'>;
  storage: Pick<Storage, 'getOperation' | 'getSetting' | 'setSetting' | 'upsertDevice'>;
  log: { info(msg: string): void; error(obj: object, msg: string): void };
}

const STATION = 'linping-yunhe';
export const HAZMAT_UNIT_ID = 'hazmat-01';
export const HAZMAT_DEVICE_ID = 'demo-hazmat-01';
const SEEDED_KEY = 'demo_hazmat_seeded';
/** Start of the truck's route: the canal-side road west of 运河 towards the tri-county junction (WGS-84). */
export const HAZMAT_START: [number, number] = [120.262, 30.468];

const M_PER_DEG_LAT = 110_574;

/** The WGS-84 point `east` and `north` metres from the route start. */
export function hazmatLngLat([east, north]: readonly [number, number]): [number, number] {
  const kx = 111_320 * Math.cos((HAZMAT_START[1] * Math.PI) / 180);
  return [round7(HAZMAT_START[0] + east / kx), round7(HAZMAT_START[1] + north / M_PER_DEG_LAT)];
}

const round7 = (x: number) => Math.round(x * 1e7) / 1e7;

/**
 * The demo's hazardous-goods truck (危化品运输车) of 运河: once per data directory, its unit, tracker
 * and alert rules (its route corridor, a 60 km/h limit and a 2-minute stop limit in 运河's document,
 * and the tank-farm restricted zone for every unit in the command document); then, while the
 * demo runs, its scripted drive through the real HTTP ingest, which breaks each rule once a loop.
 */
export class HazmatDemo {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<unknown> = Promise.resolve();
  private readonly player = new LegPlayer(HAZMAT_LOOP);

  constructor(
    private readonly deps: HazmatDemoDeps,
    private readonly options: { operationId: string; baseUrl: string },
  ) {}

  /** Set up (first start only) and start driving; false when the operation has no 运河. */
  async start(): Promise<boolean> {
    const op = await this.deps.storage.getOperation(this.options.operationId);
    if (!op?.stations.includes(STATION)) return false;
    if (!(await this.deps.storage.getSetting(SEEDED_KEY))) {
      await this.seed();
      await this.deps.storage.setSetting(SEEDED_KEY, new Date().toISOString());
    }
    this.timer = setInterval(() => {
      this.inFlight = this.send().catch(() => undefined);
    }, 1000);
    this.timer.unref();
    return true;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  private async send(): Promise<void> {
    const { at, kmh } = this.player.tick();
    const [lng, lat] = hazmatLngLat(at);
    const params = new URLSearchParams({
      id: HAZMAT_DEVICE_ID,
      lat: String(lat),
      lon: String(lng),
      timestamp: String(Date.now()),
      speed: (kmh / 1.852).toFixed(2),
      accuracy: '6',
      batt: '90',
    });
    await fetch(`${this.options.baseUrl}/api/positions/osmand`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: params.toString(),
    });
  }

  private async seed(): Promise<void> {
    const now = Date.now();
    const { operationId } = this.options;
    const by = { sessionId: null, userId: 'u-commander' };
    await this.deps.storage.upsertDevice({
      id: HAZMAT_DEVICE_ID,
      stationId: STATION,
      unitId: HAZMAT_UNIT_ID,
      label: '危化车 北斗终端',
      createdAt: now,
    });
    const unit: Unit = {
      id: HAZMAT_UNIT_ID,
      callsign: '危化车 浙A·D8821',
      kind: 'car',
      stationId: STATION,
      members: ['驾驶员', '押运员'],
      status: 'busy',
      assignedTaskId: null,
      deviceIds: [HAZMAT_DEVICE_ID],
      updatedAt: now,
    };
    const { stationRules, zone } = hazmatRules(now);
    const station = await this.deps.rooms.get(docName(operationId, STATION));
    await station.serverChange(
      (doc) =>
        applyChange(
          doc,
          'station',
          {
            type: 'batch',
            changes: [
              { type: 'put', map: 'units', key: unit.id, value: unit },
              ...stationRules.map((r) => ({ type: 'put' as const, map: 'rules', key: r.id, value: r })),
            ],
          },
          { source: 'server' },
          STATION,
        ),
      by,
    );
    const command = await this.deps.rooms.get(docName(operationId, 'command'));
    await command.serverChange(
      (doc) =>
        applyChange(doc, 'command', { type: 'put', map: 'rules', key: zone.id, value: zone }, { source: 'server' }),
      by,
    );
    this.deps.log.info(
      `演示 demo: hazardous-goods truck ${HAZMAT_UNIT_ID} with its route, limits and the tank-farm zone`,
    );
  }
}

/** The truck's rules (corridor, speed and stop limits in 运河's document) and the tank-farm zone (command document). */
export function hazmatRules(now: number): { stationRules: AlertRule[]; zone: AlertRule } {
  const common = { enabled: true, unitKinds: [], activeHours: null, createdBy: 'u-linping', updatedAt: now };
  const truck = [{ stationId: STATION, unitId: HAZMAT_UNIT_ID }];
  const stationRules: AlertRule[] = [
    {
      ...common,
      id: 'hazmat-route',
      stationId: STATION,
      name: '危化车核定路线',
      note: '偏离核定路线 40 m 以上报警',
      units: truck,
      type: 'corridor',
      line: { type: 'LineString', coordinates: HAZMAT_ROUTE_M.map(hazmatLngLat) },
      widthM: 80,
    },
    {
      ...common,
      id: 'hazmat-speed',
      stationId: STATION,
      name: '危化车限速 60',
      note: '',
      units: truck,
      type: 'speed',
      limitKmh: 60,
      area: null,
    },
    {
      ...common,
      id: 'hazmat-stop',
      stationId: STATION,
      name: '危化车停留不超过 2 分钟',
      note: '',
      units: truck,
      type: 'stop',
      maxStopMinutes: 2,
      area: null,
    },
  ];
  const [cx, cy] = TANK_FARM_M.centre;
  const h = TANK_FARM_M.halfM;
  const corners = [
    [cx - h, cy - h],
    [cx + h, cy - h],
    [cx + h, cy + h],
    [cx - h, cy + h],
    [cx - h, cy - h],
  ] as Array<[number, number]>;
  const zone: AlertRule = {
    ...common,
    id: 'tank-farm',
    stationId: 'command',
    name: '化工储罐区（禁入）',
    note: '未经许可进入即报警（触圈预警）',
    units: [],
    type: 'zone',
    polygon: { type: 'Polygon', coordinates: [corners.map(hazmatLngLat)] },
    trigger: 'enter',
  };
  return { stationRules, zone };
}
