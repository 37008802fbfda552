import { describe, expect, it } from 'vitest';
import type { PositionsMessage, UnitPosition } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { PositionFanout, type Broadcaster, type ViewerSocket } from './fanout.ts';

const pos = (unitId: string, stationId: string, time: number): UnitPosition =>
  fixtures.unitPosition(unitId, { stationId, time, receivedAt: time });

function setup() {
  const received = new Map<string, PositionsMessage[]>();
  const viewers = new Map<string, ViewerSocket & { congested: boolean }>();
  const rooms = new Map<string, Set<string>>();
  const deliver = (id: string, msg: PositionsMessage) => received.set(id, [...(received.get(id) ?? []), msg]);
  const broadcaster: Broadcaster = {
    broadcast(op, except, msg) {
      for (const id of rooms.get(op) ?? []) if (!except.includes(id)) deliver(id, msg);
    },
  };
  const fanout = new PositionFanout(broadcaster, { flushMs: 1_000_000, now: () => 42 });
  const viewer = (id: string, op: string, stations: string[], only: string[] | null = null) => {
    const v = { id, congested: false, isCongested: () => v.congested, send: (m: PositionsMessage) => deliver(id, m) };
    viewers.set(id, v);
    rooms.set(op, new Set([...(rooms.get(op) ?? []), id]));
    fanout.addViewer(op, stations, v, only && new Set(only));
    return v;
  };
  const units = (id: string) => (received.get(id) ?? []).map((m) => m.positions.map((p) => `${p.unitId}@${p.time}`));
  return { fanout, viewer, units, received };
}

describe('PositionFanout', () => {
  it('a viewer of some stations only gets their positions, congested or not, and the others the whole batch', () => {
    const { fanout, viewer, units } = setup();
    const own = viewer('own', 'op', ['s1', 's2'], ['s1']);
    viewer('all', 'op', ['s1', 's2']);
    fanout.publish(pos('u1', 's1', 1));
    fanout.publish(pos('u2', 's2', 1));
    fanout.flush();
    fanout.publish(pos('u2', 's2', 2)); // nothing of s1: nothing for `own`
    fanout.flush();
    own.congested = true;
    fanout.publish(pos('u1', 's1', 3));
    fanout.publish(pos('u2', 's2', 3));
    fanout.flush();
    own.congested = false;
    fanout.flush();
    expect(units('own')).toEqual([['u1@1'], ['u1@3']]);
    expect(units('all')).toEqual([['u1@1', 'u2@1'], ['u2@2'], ['u1@3', 'u2@3']]);
  });

  it('sends the newest fix per unit once per flush, only to operations with that station', () => {
    const { fanout, viewer, units } = setup();
    viewer('a', 'op1', ['s1', 's2']);
    viewer('b', 'op2', ['s3']);
    fanout.publish(pos('u1', 's1', 1));
    fanout.publish(pos('u1', 's1', 3));
    fanout.publish(pos('u1', 's1', 2));
    fanout.publish(pos('u2', 's2', 1));
    fanout.flush();
    expect(units('a')).toEqual([['u1@3', 'u2@1']]);
    expect(units('b')).toEqual([]);
  });

  it("coalesces per station and unit: two stations' units of the same id both go out", () => {
    const { fanout, viewer, received } = setup();
    const slow = viewer('slow', 'op', ['s1', 's2']);
    viewer('fast', 'op', ['s1', 's2']);
    fanout.publish(pos('car-01', 's1', 5));
    fanout.publish(pos('car-01', 's2', 3));
    fanout.flush();
    slow.congested = true;
    fanout.publish(pos('car-01', 's2', 4));
    fanout.publish(pos('car-01', 's1', 6));
    fanout.flush();
    slow.congested = false;
    fanout.flush();
    const seen = (id: string) =>
      (received.get(id) ?? []).map((m) => m.positions.map((p) => `${p.stationId}/${p.unitId}@${p.time}`).sort());
    expect(seen('fast')).toEqual([
      ['s1/car-01@5', 's2/car-01@3'],
      ['s1/car-01@6', 's2/car-01@4'],
    ]);
    expect(seen('slow')).toEqual(seen('fast'));
  });

  it('keeps a congested viewer out of broadcasts and later gives it only the newest fixes', () => {
    const { fanout, viewer, units } = setup();
    viewer('fast', 'op', ['s']);
    const slow = viewer('slow', 'op', ['s']);
    slow.congested = true;
    for (let t = 1; t <= 5; t++) {
      fanout.publish(pos('u1', 's', t));
      fanout.publish(pos('u2', 's', t * 10));
      fanout.flush();
    }
    expect(units('fast')).toHaveLength(5);
    expect(units('slow')).toEqual([]);
    slow.congested = false;
    fanout.publish(pos('u3', 's', 7));
    fanout.flush();
    expect(units('slow')).toEqual([['u1@5', 'u2@50', 'u3@7']]);
    expect(units('fast').at(-1)).toEqual(['u3@7']);
    fanout.flush();
    expect(units('slow')).toHaveLength(1);
  });

  it('stops sending to a removed viewer and forgets empty operations', () => {
    const { fanout, viewer, units } = setup();
    viewer('a', 'op', ['s']);
    fanout.removeViewer('op', 'a');
    expect(fanout.operationCount).toBe(0);
    fanout.publish(pos('u1', 's', 1));
    fanout.flush();
    expect(units('a')).toEqual([]);
  });
});
