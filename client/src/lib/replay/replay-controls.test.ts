// @vitest-environment jsdom
import { afterEach, expect, test, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import ReplayControls from './ReplayControls.svelte';
import { ReplayPlayer } from './replay-player.svelte.ts';
import { recordingSession, timelineOf } from './replay-player.test-support.ts';

vi.mock('./replay-api.ts', async () => (await import('./replay-player.test-support.ts')).instantReplayApi);
vi.mock('../state/session.svelte.ts', () => ({ session: { token: null } }));

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

test("the slider's far end is the operation's end, though the operation did not last whole seconds", async () => {
  // The event marks are drawn into a canvas: jsdom has neither its context nor ResizeObserver.
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
  vi.stubGlobal(
    'ResizeObserver',
    class {
      observe(): void {}
      disconnect(): void {}
    },
  );
  const from = 1_780_000_000_000;
  const to = from + 284_500;
  const { session, states } = recordingSession();
  const player = new ReplayPlayer(session, timelineOf(from, to), from);
  const target = document.createElement('div');
  document.body.append(target);
  const app = mount(ReplayControls, { target, props: { player } });
  flushSync();

  // A browser's range input steps from its minimum: its far end is the last whole second, 0.5 s short.
  const slider = target.querySelector<HTMLInputElement>('[data-testid=replay-slider]')!;
  slider.value = String(from + 284_000);
  slider.dispatchEvent(new Event('input', { bubbles: true }));
  await vi.waitFor(() => expect(player.shown).toBe(to));

  expect(player.at).toBe(to);
  expect(states.at(-1)).toBe(to);
  // A second before it is a moment of its own.
  slider.value = String(from + 283_000);
  slider.dispatchEvent(new Event('input', { bubbles: true }));
  expect(player.at).toBe(from + 283_000);

  player.destroy();
  unmount(app);
  target.remove();
});
