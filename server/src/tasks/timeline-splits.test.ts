import { describe, expect, it } from 'vitest';
import type { Change, Search, Sector, TimelineEvent } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { ScriptedDoc, TASK, as, put } from './task-timeline.test-support.ts';

const SEARCH = 's-task-missing';
const polygon = fixtures.searchPolygon().geometry as Sector['polygon'];

const search = (splitId: string, time: number): Search => ({
  id: SEARCH,
  taskId: TASK,
  taskStationId: 'linping-yunhe',
  name: '走失老人搜寻',
  area: polygon,
  lastKnown: null,
  lastSeenAt: null,
  travelMode: null,
  status: 'active',
  found: null,
  createdBy: 'u-commander',
  createdAt: time,
  updatedAt: time,
  splitId,
});

const sector = (splitId: string, name: string, time: number, extra: Partial<Sector> = {}): Sector => ({
  id: `${SEARCH}-${splitId}-${name}`,
  name,
  taskId: TASK,
  polygon,
  assignedStationId: 'deqing-yuyue',
  assignedUnitIds: [],
  status: 'assigned',
  sweepWidthM: 50,
  searchId: SEARCH,
  splitId,
  assignedAt: time,
  updatedAt: time,
  ...extra,
});

/** One creation of the search, as the console's `createSearch` writes it: the record and its split. */
const creation = (splitId: string, names: readonly string[], time: number): Change => ({
  type: 'batch',
  changes: [put('searches', search(splitId, time)), ...names.map((n) => put('sectors', sector(splitId, n, time)))],
});

/** The events about sectors, each as its type and the sector ids it names. */
const sectorLines = (events: readonly TimelineEvent[]) =>
  events.flatMap((e): Array<[number, TimelineEvent['type'], string[]]> => {
    if (e.type === 'sectors_created' || e.type === 'sectors_removed') {
      return [[e.time, e.type, e.detail.sectors.map((s) => s.sectorId)]];
    }
    if (e.type === 'sector_assigned' || e.type === 'sector_status') return [[e.time, e.type, [e.detail.sectorId]]];
    return [];
  });

const id = (splitId: string, name: string) => `${SEARCH}-${splitId}-${name}`;

describe('replayTaskTimeline: splits of the search', () => {
  for (const first of ['the losing split', 'the winning split'] as const) {
    it(`of two concurrent splits lists only the winner's sectors (${first} reaching the room first)`, () => {
      const doc = new ScriptedDoc('op-1/command', 'command');
      // Both commanders' consoles hold the document without a search; the higher client id wins.
      const loser = doc.console(10).write(creation('lose01', ['A1', 'A2'], 1000));
      const winner = doc.console(20).write(creation('win001', ['A1', 'A2', 'A3'], 1000));
      const cmd = as('commander');
      const other = as('commander', 's-cmd-2');
      if (first === 'the losing split') doc.receive(loser, other, 1000).receive(winner, cmd, 1200);
      else doc.receive(winner, cmd, 1000).receive(loser, other, 1200);
      // Someone tidies away the loser's leftover sectors: no line for sectors never listed either.
      doc.write({ type: 'delete', map: 'sectors', key: id('lose01', 'A1') }, cmd, 2000);
      doc.write(put('sectors', sector('win001', 'A2', 3000, { status: 'cleared' })), cmd, 3000);

      const events = doc.replay();
      expect(events.filter((e) => e.type === 'search_created')).toHaveLength(1);
      expect(sectorLines(events)).toEqual([
        [first === 'the losing split' ? 1200 : 1000, 'sectors_created', ['A1', 'A2', 'A3'].map((n) => id('win001', n))],
        [3000, 'sector_status', [id('win001', 'A2')]],
      ]);
    });
  }

  it('keeps a replaced split that was worked on, as it was while in force, and lists the split that replaced it', () => {
    const doc = new ScriptedDoc('op-1/command', 'command');
    // The second commander's console never saw the first split: it creates the search again later.
    const late = doc.console(20);
    const early = doc.console(10);
    const cmd = as('commander');
    const other = as('commander', 's-cmd-2');
    doc.receive(early.write(creation('early1', ['A1', 'A2'], 1000)), cmd, 1000);
    doc.receive(early.write(put('sectors', sector('early1', 'A1', 2000, { assignedUnitIds: ['unit-b'] }))), cmd, 2000);
    const cleared = sector('early1', 'A1', 3000, { assignedUnitIds: ['unit-b'], status: 'cleared' });
    doc.receive(early.write(put('sectors', cleared)), cmd, 3000);
    doc.receive(late.write(creation('late01', ['B1', 'B2', 'B3'], 4000)), other, 4000);
    // The first console, not yet given the new split, still changes its old sector: no console lists it now.
    doc.receive(early.write(put('sectors', sector('early1', 'A2', 5000, { status: 'searching' }))), cmd, 5000);
    doc.write(put('sectors', sector('late01', 'B1', 6000, { assignedStationId: 'tongxiang-zhouquan' })), other, 6000);
    doc.write({ type: 'delete', map: 'sectors', key: id('early1', 'A1') }, other, 7000);

    const events = doc.replay();
    expect(events[0]?.type).toBe('search_created');
    expect(sectorLines(events)).toEqual([
      [1000, 'sectors_created', [id('early1', 'A1'), id('early1', 'A2')]],
      [2000, 'sector_assigned', [id('early1', 'A1')]],
      [3000, 'sector_status', [id('early1', 'A1')]],
      [4000, 'sectors_created', ['B1', 'B2', 'B3'].map((n) => id('late01', n))],
      [6000, 'sector_assigned', [id('late01', 'B1')]],
      [7000, 'sectors_removed', [id('early1', 'A1')]],
    ]);
  });

  it('drops a replaced split nobody worked on even when it was in force for a while', () => {
    const doc = new ScriptedDoc('op-1/command', 'command');
    const [early, late] = [doc.console(10), doc.console(20)];
    doc.receive(early.write(creation('early1', ['A1', 'A2'], 1000)), as('commander'), 1000);
    doc.receive(late.write(creation('late01', ['B1'], 60_000)), as('commander', 's-cmd-2'), 60_000);
    expect(sectorLines(doc.replay())).toEqual([[60_000, 'sectors_created', [id('late01', 'B1')]]]);
  });
});
