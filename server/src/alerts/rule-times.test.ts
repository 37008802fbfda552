import { expect, it } from 'vitest';
import * as Y from 'yjs';
import type { AlertRule } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import type { LoggedUpdate } from '../storage/update-log-types.ts';
import { ring } from './alert-test-doubles.ts';
import { ruleTimesFromLog } from './rule-times.ts';

const SINCE = 1_000_000;

const zone = (id: string): AlertRule =>
  ({
    ...fixtures.ruleCommon(id, { name: id, updatedAt: 1 }),
    type: 'zone',
    polygon: { type: 'Polygon', coordinates: [ring] },
    trigger: 'enter',
  }) as AlertRule;

/** A document's log: each step one update (a change of `rules`, or of `notes` when `rule` is null), at its time. */
function log(steps: Array<{ time: number; rule: AlertRule | null }>): LoggedUpdate[] {
  const doc = new Y.Doc();
  const out: LoggedUpdate[] = [];
  doc.on('update', (update: Uint8Array) => {
    out.push({ seq: out.length + 1, update, sessionId: null, userId: null, time: steps[out.length]!.time });
  });
  for (const { rule } of steps) {
    if (rule) doc.getMap('rules').set(rule.id, rule);
    else doc.getMap('notes').set('n', Math.random());
  }
  return out;
}

/** The log as the store serves it: pages in seq order, no checkpoint. */
const store = (updates: LoggedUpdate[]) => ({
  readReplayCheckpoint: async () => null,
  readUpdateLogPage: async (_doc: string, afterSeq: number, limit: number) =>
    updates.filter((u) => u.seq > afterSeq).slice(0, limit),
});

it('a rule written before `since` counts as always there; one written after takes its update’s time', async () => {
  const times = await ruleTimesFromLog(
    store(
      log([
        { time: SINCE - 500, rule: zone('old') },
        { time: SINCE + 200, rule: zone('new') },
      ]),
    ),
    'op/command',
    SINCE,
  );
  expect(times.get('old')).toMatchObject({ armedAt: -Infinity, changedAt: -Infinity });
  expect(times.get('new')).toMatchObject({ armedAt: SINCE + 200, changedAt: SINCE + 200 });
});

it('an update stored after `since` but with an earlier time behind it (clocks that disagree) still dates the rule it wrote', async () => {
  // seq 1 writes the zone at since+5; seq 2, from an instance whose clock is behind, says since-5.
  const times = await ruleTimesFromLog(
    store(
      log([
        { time: SINCE + 5, rule: zone('zone-1') },
        { time: SINCE - 5, rule: null },
        { time: SINCE - 3, rule: zone('zone-2') },
      ]),
    ),
    'op/command',
    SINCE,
  );
  expect(times.get('zone-1')).toMatchObject({ armedAt: SINCE + 5 });
  // Stored after zone-1: never dated before it.
  expect(times.get('zone-2')).toMatchObject({ armedAt: SINCE + 5 });
});
