import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { SyncLiveness, type LivenessSocket } from './sync-liveness.ts';

const KEEPALIVE = Uint8Array.of(1, 1, 0);

class FakeSocket implements LivenessSocket {
  isOpen = true;
  sent: Uint8Array[] = [];
  pings = 0;
  terminated = false;
  send(data: Uint8Array): void {
    this.sent.push(data);
  }
  ping(): void {
    this.pings++;
  }
  terminate(): void {
    this.terminated = true;
    this.isOpen = false;
  }
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const liveness = () => new SyncLiveness({ heartbeatMs: 30_000, keepaliveMs: 2_000, keepalive: KEEPALIVE });

test('one timer watches every socket, and none runs once the last socket left', () => {
  const watch = liveness();
  const links = Array.from({ length: 50 }, () => watch.watch(new FakeSocket()));
  expect(vi.getTimerCount()).toBe(1);
  for (const link of links) link.remove();
  expect(vi.getTimerCount()).toBe(0);
  watch.watch(new FakeSocket());
  expect(vi.getTimerCount()).toBe(1);
});

test('the keepalive goes only to a socket that was sent nothing for the window', () => {
  const watch = liveness();
  const busy = new FakeSocket();
  const idle = new FakeSocket();
  const busyLink = watch.watch(busy);
  watch.watch(idle);
  for (let t = 0; t < 10; t++) {
    vi.advanceTimersByTime(500);
    busyLink.sent();
  }
  expect(busy.sent).toHaveLength(0);
  // 5 s idle: keepalives at 2 and 4 s (checked every second).
  expect(idle.sent).toEqual([KEEPALIVE, KEEPALIVE]);
});

test('a socket that answers pings stays; one that does not is dropped at the next ping', () => {
  const watch = liveness();
  const answering = new FakeSocket();
  const silent = new FakeSocket();
  const answeringLink = watch.watch(answering);
  watch.watch(silent);
  vi.advanceTimersByTime(30_000);
  expect([answering.pings, silent.pings]).toEqual([1, 1]);
  answeringLink.heard();
  vi.advanceTimersByTime(30_000);
  expect(answering.terminated).toBe(false);
  expect(answering.pings).toBe(2);
  expect(silent.terminated).toBe(true);
});

test('a closed socket is sent no keepalive', () => {
  const watch = liveness();
  const socket = new FakeSocket();
  watch.watch(socket);
  socket.isOpen = false;
  vi.advanceTimersByTime(5_000);
  expect(socket.sent).toHaveLength(0);
});

test('a heartbeat shorter than the keepalive window is kept: the sweep runs twice a heartbeat', () => {
  const watch = new SyncLiveness({ heartbeatMs: 400, keepaliveMs: 2_000, keepalive: KEEPALIVE });
  const socket = new FakeSocket();
  watch.watch(socket);
  vi.advanceTimersByTime(400);
  expect(socket.pings).toBe(1);
  vi.advanceTimersByTime(400);
  expect(socket.terminated).toBe(true);
});
