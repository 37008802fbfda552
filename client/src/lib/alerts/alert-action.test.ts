import { afterEach, describe, expect, test, vi } from 'vitest';
import type { Alert } from '@jointmap/shared';
import { handleAlert } from './alert-action.ts';
import { AlertsFeed, type AlertsChannel } from './alerts-feed.svelte.ts';

const OP = 'op-1';
const open: Alert = {
  id: 'a-1',
  operationId: OP,
  stationId: 'deqing-yuyue',
  unitId: 'yuyue-car-01',
  ruleId: 'depot',
  ruleScope: 'command',
  ruleName: '油库禁入区',
  kind: 'zone_enter',
  time: 1_000,
  raisedAt: 1_100,
  lngLat: [120.3, 30.5],
  evidence: {},
  state: 'open',
  acknowledgedBy: null,
  acknowledgedAt: null,
  resolvedBy: null,
  resolvedAt: null,
};
const acked: Alert = {
  ...open,
  state: 'acknowledged',
  acknowledgedBy: { id: 'u-c', name: '联合指挥长' },
  acknowledgedAt: 2_000,
};

/** A feed on a channel the test pushes `live:alerts` messages into, holding `alerts`. */
function feedWith(alerts: Alert[]): { feed: AlertsFeed; push: (a: Alert) => void } {
  let listener: (msg: unknown) => void = () => {};
  const channel = {
    operationId: OP,
    listen: (_event: string, fn: (msg: unknown) => void) => {
      listener = fn;
      return () => {};
    },
  } as unknown as AlertsChannel;
  const feed = new AlertsFeed(channel, { sound: false });
  feed.receive({ operationId: OP, serverTime: 0, full: true, alerts });
  return { feed, push: (a) => listener({ operationId: OP, serverTime: 0, full: false, alerts: [a] }) };
}

/** The server's answer when another console acknowledged first. */
function serverSaysConflict(): void {
  const body = { error: { code: 'CONFLICT', message: 'the alert is acknowledged, not open' } };
  vi.stubGlobal('fetch', async () => new Response(JSON.stringify(body), { status: 409 }));
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('handleAlert on a CONFLICT', () => {
  test('acknowledging an alert another console acknowledged first is no error once its live update arrives', async () => {
    serverSaysConflict();
    const { feed, push } = feedWith([open]);
    const pending = handleAlert(feed, open.id, 'acknowledge');
    setTimeout(() => push(acked), 20);
    expect(await pending).toBeNull();
  });

  test('an alert this console still holds as open after the wait gets one Chinese sentence, not the server English', async () => {
    vi.useFakeTimers();
    serverSaysConflict();
    const { feed } = feedWith([open]);
    const pending = handleAlert(feed, open.id, 'acknowledge');
    await vi.runAllTimersAsync();
    const text = await pending;
    expect(text).toBe('此告警已被他人改动，请查看它的当前状态后再操作');
    expect(text).not.toMatch(/[a-z]{3,}/);
  });
});
