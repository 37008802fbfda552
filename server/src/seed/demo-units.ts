import { applyChange, docName, type Unit, type UnitKind, type UnitStatus } from '@jointmap/shared';
import type { AppContext } from '../services/context.ts';

export interface DemoUnit {
  id: string;
  callsign: string;
  kind: UnitKind;
  stationId: string;
  status: UnitStatus;
  members: string[];
  /** Tracker registered for the unit, so `pnpm simulate` can send fixes for it. */
  deviceId: string;
}

/** SCENARIOS "Demo units": patrols of each station, a drone and a dog unit. */
export const DEMO_UNITS: readonly DemoUnit[] = [
  {
    id: 'yuyue-car-01',
    callsign: '禹越巡01',
    kind: 'car',
    stationId: 'deqing-yuyue',
    status: 'available',
    members: ['民警', '辅警'],
    deviceId: 'demo-yuyue-01',
  },
  {
    id: 'yuyue-foot-02',
    callsign: '禹越步巡02',
    kind: 'foot',
    stationId: 'deqing-yuyue',
    status: 'on_scene',
    members: ['民警', '辅警', '网格员'],
    deviceId: 'demo-yuyue-02',
  },
  {
    id: 'yunhe-car-01',
    callsign: '运河巡01',
    kind: 'car',
    stationId: 'linping-yunhe',
    status: 'en_route',
    members: ['民警', '辅警'],
    deviceId: 'demo-yunhe-01',
  },
  {
    id: 'yunhe-boat-02',
    callsign: '运河巡02',
    kind: 'boat',
    stationId: 'linping-yunhe',
    status: 'available',
    members: ['民警', '船员'],
    deviceId: 'demo-yunhe-02',
  },
  {
    id: 'zhouquan-car-01',
    callsign: '洲泉巡01',
    kind: 'car',
    stationId: 'tongxiang-zhouquan',
    status: 'available',
    members: ['民警', '辅警'],
    deviceId: 'demo-zhouquan-01',
  },
  {
    id: 'zhouquan-moto-02',
    callsign: '洲泉巡02',
    kind: 'motorbike',
    stationId: 'tongxiang-zhouquan',
    status: 'busy',
    members: ['辅警'],
    deviceId: 'demo-zhouquan-02',
  },
  {
    id: 'drone-01',
    callsign: '无人机01',
    kind: 'drone',
    stationId: 'deqing-yuyue',
    status: 'available',
    members: ['飞手'],
    deviceId: 'demo-drone-01',
  },
  {
    id: 'dog-01',
    callsign: '警犬01',
    kind: 'dog',
    stationId: 'tongxiang-zhouquan',
    status: 'off_duty',
    members: ['训导员'],
    deviceId: 'demo-dog-01',
  },
];

/**
 * Register the demo trackers and write the units into the operation's station documents (as the
 * server, through `applyChange`, like `createOperation` writes the operation meta).
 */
export async function seedDemoUnits(ctx: AppContext, operationId: string, by = 'u-commander'): Promise<void> {
  const now = Date.now();
  for (const u of DEMO_UNITS) {
    await ctx.storage.upsertDevice({
      id: u.deviceId,
      stationId: u.stationId,
      unitId: u.id,
      label: u.callsign,
      createdAt: now,
    });
  }
  const stations = [...new Set(DEMO_UNITS.map((u) => u.stationId))];
  for (const stationId of stations) {
    const room = await ctx.rooms.get(docName(operationId, stationId));
    const changes = DEMO_UNITS.filter((u) => u.stationId === stationId).map((u) => {
      const value: Unit = {
        id: u.id,
        callsign: u.callsign,
        kind: u.kind,
        stationId: u.stationId,
        members: u.members,
        status: u.status,
        assignedTaskId: null,
        deviceIds: [u.deviceId],
        updatedAt: now,
      };
      return { type: 'put' as const, map: 'units', key: u.id, value };
    });
    await room.serverChange((doc) => applyChange(doc, 'station', { type: 'batch', changes }, { source: 'server' }), {
      sessionId: null,
      userId: by,
    });
  }
}
