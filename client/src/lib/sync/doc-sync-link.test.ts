import { afterEach, expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import { DocSync } from './doc-sync.ts';
import { scriptedSockets, serverStep1, serverStep2, stubPage } from './scripted-link.test-support.ts';

// Faked before anything is imported: y-websocket reads the clock through lib0, which keeps the
// `Date.now` it found when loaded; its own 30 s silence check then runs on the fake clock too.
vi.hoisted(() => vi.useFakeTimers());

afterEach(() => {
  vi.unstubAllGlobals();
});

/** Let the fake clock run `ms` (the page's checks run every second). */
const wait = (ms: number) => vi.advanceTimersByTimeAsync(ms);

/** The `n`th socket the provider made, once its reconnect delay (at most 2.5 s) has passed. */
async function socketNo(link: ReturnType<typeof scriptedSockets>, n: number) {
  for (let i = 0; i < 30 && link.sockets.length < n; i++) await wait(100);
  expect(link.sockets).toHaveLength(n);
  return link.last()!;
}

test('a sync answer slower than the silence limit gets twice the time on each new socket, and a synced link is judged by the limit again', async () => {
  const link = scriptedSockets();
  stubPage(link.Socket);
  const sync = new DocSync({
    wsBase: 'ws://127.0.0.1:9',
    operationId: 'op-1',
    scope: 'deqing-yuyue',
    token: 't',
    userId: 'u-1',
    access: 'write',
    persist: false,
  });
  try {
    // The server never answers: each socket is given 6, 12, 24, then 48 s of silence (past
    // y-websocket's own 30 s, which would otherwise drop it) before it is dropped and opened again.
    for (const [i, seconds] of [6, 12, 24, 48].entries()) {
      const socket = await socketNo(link, i + 1);
      socket.open();
      await wait(seconds * 1000 - 500);
      expect(socket.closed, `socket ${i + 1} still waits at ${seconds - 0.5} s`).toBe(false);
      await wait(1500);
      expect(socket.closed, `socket ${i + 1} dropped after ${seconds} s`).toBe(true);
      expect(sync.failedAttempts).toBe(i + 1);
    }

    // This one is answered: in sync, and a failed try no more.
    const answered = await socketNo(link, 5);
    answered.open();
    answered.receive(serverStep1(new Y.Doc()));
    answered.receive(serverStep2());
    expect(sync.synced).toBe(true);
    expect(sync.failedAttempts).toBe(0);
    // Synced, it is a dead link after 6 s of silence (the server's keepalive stopped)…
    await wait(5_500);
    expect(answered.closed).toBe(false);
    await wait(1_500);
    expect(answered.closed).toBe(true);
    // …and the next socket's wait for its answer starts from 6 s again.
    const next = await socketNo(link, 6);
    next.open();
    await wait(7_500);
    expect(next.closed).toBe(true);
  } finally {
    sync.destroy();
  }
});
