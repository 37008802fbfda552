import { expect, test, vi } from 'vitest';
import type { Unit } from '@jointmap/shared';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { i18n } from '../i18n/i18n.svelte.ts';
import { saveUnit } from '../live/roster.ts';
import { HttpClock } from './http-clock.ts';
import { liveServerAhead } from './live-server-harness.test-support.ts';
import { memoryStorage } from './memory-storage.test-support.ts';
import { offlineSession } from './offline-session-harness.test-support.ts';
import { loadOperationData } from './operation-data.ts';
import { Session } from './session.svelte.ts';

/** This PC runs 10 minutes slow: the server's clock is that much ahead. */
const SLOW_MS = 10 * 60_000;
const LEG_MS = 150;
const view = { id: 'op-1', name: '联合搜索', kind: 'search', status: 'active', stations: [], documents: [] };
const collection = { type: 'FeatureCollection', features: [] };
const commander = { id: 'u-cmd', name: '指挥', role: 'commander', stationId: null } as const;

/**
 * The server answering the console's requests: each request takes `LEG_MS` to arrive and its
 * answer as long to come back, stamped `x-server-time` with the server's clock when it left. The
 * stand-ins go with the session's (`offlineSession` restores the globals when the test finishes).
 */
function serverAhead(): void {
  vi.stubGlobal('localStorage', memoryStorage());
  vi.stubGlobal(
    'fetch',
    vi.fn(async (path: string) => {
      await new Promise((r) => setTimeout(r, LEG_MS));
      const serverTime = Date.now() + SLOW_MS;
      await new Promise((r) => setTimeout(r, LEG_MS));
      const body = path.endsWith('.geojson') ? collection : view;
      return new Response(JSON.stringify(body), { headers: { 'x-server-time': String(serverTime) } });
    }),
  );
}

function signedIn(): Session {
  const session = new Session();
  session.current = { token: 't', expiresAt: Date.now() + 3600_000, user: commander };
  return session;
}

test('a record stamped before any live message carries the server’s time that opening the operation brought', async () => {
  serverAhead();
  await loadOperationData(signedIn(), 'op-1');
  // The live channel is refused (nothing listens there): no live message ever comes.
  const session = offlineSession(commander, ['deqing-yuyue']);
  const unit = fixtures.unit();
  saveUnit(session, unit);
  const saved = session.doc('deqing-yuyue')!.doc.getMap<Unit>('units').get(unit.id)!;
  expect(Math.abs(saved.updatedAt - (Date.now() + SLOW_MS))).toBeLessThan(1000);
});

test('live messages take over from the estimate of the HTTP answers', async () => {
  serverAhead();
  await loadOperationData(signedIn(), 'op-1');
  // The live channel says the server is only 2 minutes ahead: its samples win once they come.
  const session = offlineSession(commander, [], await liveServerAhead(2 * 60_000));
  expect(Math.abs(session.live.now() - (Date.now() + SLOW_MS))).toBeLessThan(1000);
  await vi.waitFor(() => expect(Math.abs(session.live.now() - (Date.now() + 2 * 60_000))).toBeLessThan(1000), {
    timeout: 10_000,
  });
});

test('whether a stamp is of today goes by the server’s clock, not the slow PC’s', async () => {
  serverAhead();
  await loadOperationData(signedIn(), 'op-1');
  offlineSession(commander);
  vi.useFakeTimers({ toFake: ['Date'] });
  // 23:55 on 2 December by this PC, already 00:05 on the 3rd by the server (China time, UTC+8).
  vi.setSystemTime(Date.UTC(2026, 11, 2, 15, 55));
  const justAfterMidnight = Date.UTC(2026, 11, 2, 16, 2);
  const lateYesterday = Date.UTC(2026, 11, 2, 15, 50);
  expect(i18n.formatStamp(justAfterMidnight)).toBe('00:02');
  expect(i18n.formatStamp(lateYesterday)).toBe('12/2 23:50');
});

test('half the round trip corrects a sample; an answer from the cache or without the header cannot pull the estimate', () => {
  const clock = new HttpClock();
  const answer = (serverTime: number | null) => ({
    headers: new Headers(serverTime === null ? {} : { 'x-server-time': String(serverTime) }),
  });
  clock.sample(answer(null), 1_000, 1_400);
  expect(clock.offsetMs).toBeNull();
  // Sent at 1 000, answered at 1 400 by this PC; stamped 60 200 by the server: 60 000 ahead.
  clock.sample(answer(61_200), 1_000, 1_400);
  expect(clock.offsetMs).toBe(60_000);
  // The counties from the browser's cache: stamped an hour ago.
  clock.sample(answer(61_200 - 3_600_000), 2_000, 2_001);
  clock.sample(answer(Number.NaN), 2_000, 2_001);
  expect(clock.offsetMs).toBe(60_000);
});
