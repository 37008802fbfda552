import { describe, expect, it } from 'vitest';
import { LiveEvent, type Alert, type AlertsMessage } from '@jointmap/shared';
import type { OperationData } from '../state/operation-data.ts';
import type { SessionUser } from '../state/session.svelte.ts';
import { ReplaySession } from './replay-session.svelte.ts';

const data = {
  view: { id: 'op', name: 'op', stations: ['deqing-yuyue'], stationDetails: [] },
  jurisdictions: { type: 'FeatureCollection', features: [] },
  context: { type: 'FeatureCollection', features: [] },
  fromCache: false,
} as unknown as OperationData;
const user = { id: 'u', role: 'commander' } as unknown as SessionUser;
const msg = (alerts: unknown[]): AlertsMessage => ({
  operationId: 'op',
  serverTime: 0,
  full: true,
  alerts: alerts as Alert[],
});

describe('ReplaySession', () => {
  it('hands the alerts of a moment to the map and boards only when they differ from the last moment', () => {
    const session = new ReplaySession(data, user);
    const seen: number[] = [];
    session.live.listen(LiveEvent.alerts, (m) => seen.push(m.alerts.length));
    const open = { id: 'a1', state: 'open' };
    session.applyAlerts(msg([open]));
    session.applyAlerts(msg([{ ...open }]));
    session.applyAlerts(msg([{ ...open }]));
    // Once: dropped and set again (a moment may go back in time).
    expect(seen).toEqual([0, 1]);
    session.applyAlerts(msg([{ ...open, state: 'acknowledged' }]));
    expect(seen).toEqual([0, 1, 0, 1]);
    session.destroy();
  });
});
