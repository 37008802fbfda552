import { expect, test, vi } from 'vitest';
import { i18n } from '../i18n/i18n.svelte.ts';
import { liveServerAhead } from '../state/live-server-harness.test-support.ts';
import { offlineSession } from '../state/offline-session-harness.test-support.ts';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import { ageLabel } from './clock.svelte.ts';

const SKEW_MS = 15 * 60_000;

/** A dispatcher's console whose PC runs `aheadMs` behind the server (ahead when negative), once it has heard the server's time. */
async function consoleBehindServerBy(aheadMs: number): Promise<OperationSession> {
  const wsBase = await liveServerAhead(aheadMs);
  const session = offlineSession(
    { id: 'u-deqing', name: '德清', role: 'dispatcher', stationId: 'deqing-yuyue' },
    ['deqing-yuyue'],
    wsBase,
  );
  await vi.waitFor(() => expect(Math.abs(session.live.now() - Date.now() - aheadMs)).toBeLessThan(5_000), {
    timeout: 10_000,
  });
  i18n.locale = 'zh-CN';
  return session;
}

test('on a PC 15 minutes slow, a task raised 15 minutes ago by the server’s clock reads 15 分钟前, not 刚刚', async () => {
  const session = await consoleBehindServerBy(SKEW_MS);
  const serverTime = session.live.now();
  expect(ageLabel(session, serverTime - SKEW_MS)).toBe('15 分钟前');
  expect(ageLabel(session, serverTime)).toBe('刚刚');
});

test('on a PC 15 minutes fast, a task raised just now by the server’s clock reads 刚刚, not 15 分钟前', async () => {
  const session = await consoleBehindServerBy(-SKEW_MS);
  const serverTime = session.live.now();
  expect(ageLabel(session, serverTime)).toBe('刚刚');
  expect(ageLabel(session, serverTime - 3 * 60_000)).toBe('3 分钟前');
});
