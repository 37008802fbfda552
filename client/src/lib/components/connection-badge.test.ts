// @vitest-environment jsdom
import { expect, onTestFinished, test, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { Server } from 'socket.io';
import { OUTDATED_RELOAD_GAP_MS } from '../live/outdated-reload.ts';
import { fixtures } from '@jointmap/shared/fixtures/records';
import { SyncCloseCode } from '@jointmap/shared';
import { i18n } from '../i18n/i18n.svelte.ts';
import { pendingKey } from '../sync/local-copies.ts';
import { syncingSockets } from '../state/syncing-sockets.test-support.ts';
import { offlineSession } from '../state/offline-session-harness.test-support.ts';
import type { OperationSession } from '../state/operation-session.svelte.ts';
import type { SessionUser } from '../state/stored-session.ts';
import ConnectionBadge from './ConnectionBadge.svelte';

const COMMANDER: SessionUser = { id: 'u-cmd', name: '指挥', role: 'commander', stationId: null };

/** A live channel of a server upgraded past this client: every handshake refused with CLIENT_TOO_OLD. */
async function upgradedServer(): Promise<string> {
  const server = new Server(0);
  server.use((_socket, next) =>
    next(Object.assign(new Error('too old'), { data: { code: 'CLIENT_TOO_OLD', message: 'reload the page' } })),
  );
  onTestFinished(() => void server.close());
  const { port } = server.httpServer.address() as { port: number };
  return `ws://127.0.0.1:${port}`;
}

/** The badge of `session` on a page whose `location.reload` is counted. */
function badgeOf(session: OperationSession, reloadWhenOutdated = true) {
  const reload = vi.fn();
  vi.stubGlobal('location', { ...location, reload });
  sessionStorage.clear();
  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(ConnectionBadge, { target, props: { session, large: reloadWhenOutdated, reloadWhenOutdated } });
  onTestFinished(() => {
    unmount(app);
    target.remove();
  });
  const badge = () => {
    flushSync();
    return target.querySelector<HTMLElement>('[data-testid=connection]')!;
  };
  return { badge, reload };
}

test('a console the upgraded server refuses says to reload and reloads itself, once only', async () => {
  // Timers run on their own and can be jumped: socket.io keeps working, the reload's wait is skipped.
  vi.useFakeTimers({ shouldAdvanceTime: true });
  const wsBase = await upgradedServer();
  const { badge, reload } = badgeOf(offlineSession(COMMANDER, [], wsBase));
  await vi.waitFor(() => expect(badge().querySelector('[data-testid=outdated]')).not.toBeNull(), { timeout: 10_000 });
  expect(badge().dataset.live).toBe('offline');
  expect(badge().textContent).toContain('请刷新页面以使用新版本');
  await vi.advanceTimersByTimeAsync(25_000);
  expect(reload).toHaveBeenCalledTimes(1);
  // Still refused after the reload (a proxy serving the old build): no loop.
  await vi.advanceTimersByTimeAsync(OUTDATED_RELOAD_GAP_MS / 2);
  expect(reload).toHaveBeenCalledTimes(1);
});

test('a refused console holding unsent edits does not reload: they would wait for a sign-in here again', async () => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  const wsBase = await upgradedServer();
  const session = offlineSession(COMMANDER, [], wsBase);
  session.putAnnotation('command', fixtures.lastKnownPoint({ id: 'a-1' }));
  const { badge, reload } = badgeOf(session);
  await vi.waitFor(() => expect(badge().querySelector('[data-testid=outdated]')).not.toBeNull(), { timeout: 10_000 });
  expect(session.pending).toBeGreaterThan(0);
  await vi.advanceTimersByTimeAsync(5 * 60_000);
  expect(reload).not.toHaveBeenCalled();
});

test('a desk console the upgraded server refuses says to reload, and leaves the reload to the dispatcher', async () => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  const wsBase = await upgradedServer();
  const { badge, reload } = badgeOf(offlineSession(COMMANDER, [], wsBase), false);
  await vi.waitFor(() => expect(badge().querySelector('[data-testid=outdated]')).not.toBeNull(), { timeout: 10_000 });
  expect(badge().dataset.live).toBe('offline');
  await vi.advanceTimersByTimeAsync(25_000);
  expect(reload).not.toHaveBeenCalled();
});

test('a wall does not reload while its user’s other tab holds unsent edits: the reload would hold them up', async () => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  const wsBase = await upgradedServer();
  localStorage.clear(); // counts an earlier test's session left
  const session = offlineSession(COMMANDER, [], wsBase);
  // Another tab of this browser, signed in as the same user, left two edits unconfirmed.
  localStorage.setItem(pendingKey(COMMANDER.id, 'op-2/command'), '2');
  onTestFinished(() => localStorage.removeItem(pendingKey(COMMANDER.id, 'op-2/command')));
  const { badge, reload } = badgeOf(session);
  await vi.waitFor(() => expect(badge().querySelector('[data-testid=outdated]')).not.toBeNull(), { timeout: 10_000 });
  expect(session.pending).toBe(0);
  await vi.advanceTimersByTimeAsync(5 * 60_000);
  expect(reload).not.toHaveBeenCalled();
});

test('a station document the server closed for good reads offline, naming the document and why', async () => {
  const sync = syncingSockets();
  const session = offlineSession(COMMANDER, ['deqing'], 'ws://127.0.0.1:9', sync.Socket);
  const { badge } = badgeOf(session, false);
  await vi.waitFor(() => expect(session.connection).toBe('online'));

  sync.closeBy('op-1/deqing', SyncCloseCode.forbidden, 'FORBIDDEN');
  // It does not reconnect (the provider stops on 4400–4499): never "reconnecting" for ever.
  expect(badge().dataset.docs).toBe('offline');
  expect(session.closedDocs).toEqual([{ scope: 'deqing', reason: 'FORBIDDEN' }]);
  expect(session.doc('command')!.synced).toBe(true);
  const closed = () => badge().querySelector<HTMLElement>('[data-testid=doc-closed]');
  expect(closed()?.textContent).toBe('deqing文档已停止同步（无权访问）');
  expect(closed()?.dataset.scope).toBe('deqing');
  i18n.locale = 'en';
  onTestFinished(() => void (i18n.locale = 'zh-CN'));
  expect(closed()?.textContent).toBe('deqing document stopped syncing (access refused)');
});
