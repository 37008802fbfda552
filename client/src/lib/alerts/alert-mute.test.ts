import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { Alert, AlertKind } from '@jointmap/shared';
import { AlertsFeed, type AlertsChannel } from './alerts-feed.svelte.ts';
import { memoryStorage } from '../state/memory-storage.test-support.ts';

const OP = 'op-1';

/** Every tone the page started: a running audio context that records its oscillators' frequencies. */
const played: number[] = [];
class RunningAudio {
  readonly state = 'running';
  readonly currentTime = 0;
  readonly destination = {};
  resume = () => Promise.resolve();
  createGain = () => ({
    gain: { setValueAtTime: () => undefined, exponentialRampToValueAtTime: () => undefined },
    connect: () => undefined,
  });
  createOscillator() {
    let freq = 0;
    return {
      type: 'sine',
      frequency: { setValueAtTime: (f: number) => (freq = f) },
      connect: () => undefined,
      start: () => played.push(freq),
      stop: () => undefined,
    };
  }
}

/** A ringing console's feed for `userId`, on a channel the test does not need. */
function consoleFeed(userId: string): AlertsFeed {
  const channel = { operationId: OP, listen: () => () => {} } as unknown as AlertsChannel;
  const feed = new AlertsFeed(channel, { sound: true, userId });
  feed.receive({ operationId: OP, serverTime: 0, full: true, alerts: [] });
  return feed;
}

let seq = 0;
/** A new open alert of `kind` as the live channel brings it. */
function raise(feed: AlertsFeed, kind: AlertKind): void {
  const alert: Alert = {
    id: `a-${++seq}`,
    operationId: OP,
    stationId: 'deqing-yuyue',
    unitId: 'yuyue-car-01',
    ruleId: kind === 'sos' ? null : 'depot',
    ruleScope: kind === 'sos' ? null : 'command',
    ruleName: kind === 'sos' ? 'SOS' : '油库禁入区',
    kind,
    time: 1_000 + seq,
    raisedAt: 1_100 + seq,
    lngLat: [120.3, 30.5],
    evidence: {},
    state: 'open',
    acknowledgedBy: null,
    acknowledgedAt: null,
    resolvedBy: null,
    resolvedAt: null,
  };
  feed.receive({ operationId: OP, serverTime: 0, full: false, alerts: [alert] });
}

beforeEach(() => {
  played.length = 0;
  vi.stubGlobal('localStorage', memoryStorage());
  vi.stubGlobal('AudioContext', RunningAudio);
  vi.stubGlobal('requestAnimationFrame', (fn: () => void) => setTimeout(fn, 0));
  vi.stubGlobal('cancelAnimationFrame', (id: ReturnType<typeof setTimeout>) => clearTimeout(id));
});
afterEach(() => vi.unstubAllGlobals());

describe('the alert mute on a shared desk PC', () => {
  test('is the muting dispatcher’s own: the next one to sign in hears alerts, the first stays muted', () => {
    const first = consoleFeed('u-deqing-a');
    first.setMuted(true);
    first.destroy();

    const next = consoleFeed('u-deqing-b');
    expect(next.muted).toBe(false);
    raise(next, 'zone_enter');
    expect(played).toEqual([988, 740]);

    played.length = 0;
    const again = consoleFeed('u-deqing-a');
    expect(again.muted).toBe(true);
    raise(again, 'zone_enter');
    expect(played).toEqual([]);
  });

  test('never silences an SOS: a muted console still sounds the panic triple beep', () => {
    const feed = consoleFeed('u-deqing-a');
    feed.setMuted(true);
    raise(feed, 'sos');
    expect(played).toEqual(Array(6).fill(1480));
  });
});
