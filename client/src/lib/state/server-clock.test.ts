import { expect, test, vi } from 'vitest';
import type { Unit } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { saveUnit } from '../live/roster.ts';
import { Editor } from './editor.svelte.ts';
import { liveServerAhead } from './live-server-harness.test-support.ts';
import { offlineSession } from './offline-session-harness.test-support.ts';
import { serverNow } from './server-clock.ts';

test('writes are stamped with the live layer’s server-clock estimate, not Date.now()', () => {
  const fast = Date.now() + 5 * 60_000;
  const serverTime = fast - 5 * 60_000;
  expect(serverNow({ live: { now: () => serverTime } } as never)).toBe(serverTime);
});

test('a PC 15 minutes slow stamps roster edits and drawings with the server’s clock', async () => {
  const SLOW_MS = 15 * 60_000;
  const wsBase = await liveServerAhead(SLOW_MS);
  const session = offlineSession(
    { id: 'u-cmd', name: '指挥', role: 'commander', stationId: null },
    ['deqing-yuyue'],
    wsBase,
  );
  await vi.waitFor(() => expect(session.live.now() - Date.now()).toBeGreaterThan(SLOW_MS - 5_000), {
    timeout: 10_000,
  });
  const near = (t: number | undefined) => Math.abs((t ?? 0) - (Date.now() + SLOW_MS)) < 5_000;

  const unit = fixtures.unit();
  saveUnit(session, unit);
  const saved = session.doc('deqing-yuyue')!.doc.getMap<Unit>('units').get(unit.id);

  const editor = new Editor(session);
  editor.setTool('point');
  expect(editor.clickAt([120.3, 30.5])).toBe(true);
  const drawn = editor.selectedRecord();
  expect(editor.update({ label: '集合点' })).toBe(true);
  const edited = editor.selectedRecord();

  expect({
    unit: near(saved?.updatedAt),
    drawnCreated: near(drawn?.createdAt),
    drawnUpdated: near(drawn?.updatedAt),
    edited: near(edited?.updatedAt),
  }).toEqual({ unit: true, drawnCreated: true, drawnUpdated: true, edited: true });
});
