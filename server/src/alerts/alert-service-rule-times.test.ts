import { expect, it } from 'vitest';
import * as Y from 'yjs';
import type { UnitPosition } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { AlertService, type AlertServiceOptions } from './alert-service.ts';
import { carInside, commandDoc, failingOptions, ring } from './alert-test-doubles.ts';

const COMMAND = 'op-1/command';

/**
 * An operation loaded by a fresh engine whose command document holds a zone far away (so the load
 * walks the update log for rule times), with car-1 parked where a dispatcher draws zone-1 while
 * the walk reads the log's end. `unloadDuringWalk`: meanwhile the command document's room is
 * unloaded (idle) and the zone is written into the room loaded afresh. `logged`: the zone's
 * update is stored in the log (after the walk read it), and the car reports a moment later, while
 * the load still runs.
 */
async function walkLoad(opts: { unloadDuringWalk?: boolean; logged?: boolean } = {}) {
  const op = { id: 'op-1', status: 'active', stations: ['st-1'] };
  const farZone = {
    ...fixtures.ruleCommon('zone-far', { name: '远处禁区', updatedAt: 1 }),
    type: 'zone',
    polygon: { type: 'Polygon', coordinates: [ring.map(([x, y]) => [x! + 0.5, y!])] },
    trigger: 'enter',
  };
  let command = new Y.Doc();
  command.getMap('rules').set('zone-far', farZone);
  const farUpdate = Y.encodeStateAsUpdate(command);
  const raised: Array<{ kind: string; time: number }> = [];
  const t0 = Date.now();
  // Parked inside the zone to come, received a minute ago: stored before the zone was drawn.
  const parked = carInside(t0 - 60_000, t0 - 60_000);
  let drawn = false;
  const drawZone = () => {
    drawn = true;
    if (opts.unloadDuringWalk) {
      const reloaded = new Y.Doc();
      Y.applyUpdate(reloaded, Y.encodeStateAsUpdate(command));
      command.destroy();
      command = reloaded;
    }
    command.once('update', (update: Uint8Array) => {
      if (opts.logged) log.push({ seq: 2, update, sessionId: null, userId: null, time: Date.now() });
    });
    command.getMap('rules').set('zone-1', commandDoc().getMap('rules').get('zone-1'));
    alerts.onCommitted({ operationId: 'op-1', scope: 'command', kind: 'command', name: COMMAND }, new Set(['rules']));
    if (opts.logged) {
      const at = log[1]!.time + 1;
      reported.push(at);
      pass({ ...parked, time: at, receivedAt: at });
    }
  };
  const log = [{ seq: 1, update: farUpdate, sessionId: null, userId: null, time: t0 - 3_600_000 }];
  const reported: number[] = [];
  let pass!: (pos: UnitPosition) => void;
  const alerts = new AlertService({
    ...failingOptions(0).options,
    replayMs: 300_000,
    storage: {
      listOperations: async () => [op],
      getOperation: async () => op,
      listAlerts: async () => [],
      track: async () => [{ ...parked, lng: parked.lngLat[0], lat: parked.lngLat[1], speed: 0 }],
      insertAlert: async (a: { kind: string; time: number }) => {
        raised.push(a);
        return true;
      },
      readReplayCheckpoint: async () => null,
      // The log: the far zone, written long ago; as the walk reads its end, the zone is stored.
      readUpdateLogPage: async (doc: string, afterSeq: number) => {
        if (doc !== COMMAND) return [];
        if (!drawn) {
          const read = log.filter((u) => u.seq > afterSeq);
          setTimeout(drawZone, 0);
          await new Promise((r) => setTimeout(r, 10));
          return read;
        }
        return log.filter((u) => u.seq > afterSeq);
      },
    } as unknown as AlertServiceOptions['storage'],
    rooms: { get: async (name: string) => ({ doc: name === COMMAND ? command : new Y.Doc() }) as never },
    live: {
      onFix: (cb) => {
        pass = cb;
        return () => undefined;
      },
      snapshot: () => [parked],
    },
  });
  await alerts.start();
  await alerts.whenIdle();
  expect(drawn).toBe(true);
  /** The car reports again, still inside; resolves with every alert raised so far. */
  const reportAgain = async () => {
    pass({ ...parked, time: Date.now(), receivedAt: Date.now() });
    await alerts.whenIdle();
    await alerts.close();
    return raised.map((a) => a.kind);
  };
  return { raised, reported, reportAgain };
}

it('a zone drawn around a parked car while the load walks the update log for rule times stands from then: the car enters it at its next fix, as after a restart', async () => {
  const { raised, reportAgain } = await walkLoad();
  // The minute-old fix came in before the zone stood: judged without it (a car already inside a
  // zone when it stood would raise nothing, ever).
  expect(raised).toEqual([]);
  // Still inside: it enters now, as a restart judges it from the log.
  expect(await reportAgain()).toEqual(['zone_enter']);
});

it('a zone drawn while the load walks the log, into a room unloaded and loaded afresh meanwhile, is followed', async () => {
  const { raised, reportAgain } = await walkLoad({ unloadDuringWalk: true });
  expect(raised).toEqual([]);
  expect(await reportAgain()).toEqual(['zone_enter']);
});

it('a zone drawn and stored while the load walks the update log stands from its time in the log: a fix that came in after it, during the load, enters it, as after a restart', async () => {
  const { raised, reported, reportAgain } = await walkLoad({ logged: true });
  expect(reported).toHaveLength(1);
  // The minute-old stored fix came in before the zone: judged without it; the one after, with it.
  expect(raised).toEqual([expect.objectContaining({ kind: 'zone_enter', time: reported[0] })]);
  expect(await reportAgain()).toEqual(['zone_enter']);
});
