// @vitest-environment jsdom
import { expect, onTestFinished, test, vi } from 'vitest';
import { flushSync, mount, unmount, type Component } from 'svelte';
import { offlineSession } from '../state/offline-session-harness.test-support.ts';
import { session as login } from '../state/session.svelte.ts';
import type { SessionUser } from '../state/stored-session.ts';
import { pendingKey } from '../sync/local-copies.ts';
import LoginPage from './LoginPage.svelte';
import LogoutButton from './LogoutButton.svelte';

const DESK: SessionUser = { id: 'u-deqing', name: '禹越值班民警', role: 'dispatcher', stationId: 'deqing' };

/** `DESK` signed in, with three edits another tab of theirs left unconfirmed on this workstation. */
function signedInWithAnotherTabsEdits(): void {
  localStorage.clear();
  localStorage.setItem(pendingKey(DESK.id, 'op-2/deqing'), '3');
  login.current = { token: 't-deqing', expiresAt: Date.now() + 3600_000, user: DESK };
  // The server hears of the sign-out.
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => new Response(null, { status: 204 })),
  );
  onTestFinished(() => {
    login.current = null;
    login.endedUser = null;
    localStorage.clear();
    vi.unstubAllGlobals();
  });
}

function show<P extends Record<string, unknown>>(component: Component<P>, props: P): HTMLElement {
  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(component, { target, props });
  onTestFinished(() => {
    unmount(app);
    target.remove();
  });
  flushSync();
  return target;
}

test('signing out warns of the unsent edits the same user’s other tab left, though this tab has none', () => {
  signedInWithAnotherTabsEdits();
  const op = offlineSession(DESK, ['deqing']);
  const asked = vi.fn(() => false);
  vi.stubGlobal('confirm', asked);
  const button = show(LogoutButton, { session: op }).querySelector('button')!;
  expect(op.pending).toBe(0);
  button.click();
  expect(asked).toHaveBeenCalledTimes(1);
  expect(asked.mock.calls[0]).toEqual([expect.stringContaining('禹越值班民警还有 3 项修改未发送到服务器')]);
  // Dismissed: still signed in.
  expect(login.user?.id).toBe(DESK.id);
});

test('after a chosen sign-out the login page says whose edits stay on this workstation', () => {
  signedInWithAnotherTabsEdits();
  login.logout();
  expect(login.endedBecause).toBeNull();
  const page = show(LoginPage, { next: null });
  const unsent = page.querySelector<HTMLElement>('[data-testid=unsent-edits]');
  expect(unsent?.dataset.count).toBe('3');
  expect(unsent?.textContent).toContain('禹越值班民警还有 3 项修改未发送到服务器');
  expect(page.querySelector('[data-testid=session-ended]')).toBeNull();
});
