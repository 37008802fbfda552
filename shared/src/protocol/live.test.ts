import { describe, expect, it } from 'vitest';
import { parseJoinRequest, parseLiveAuth, parsePositionsMessage, type UnitPosition } from './live.ts';

const pos = (unitId: string, time: number, receivedAt = time): UnitPosition => ({
  unitId,
  stationId: 's1',
  deviceId: 'd1',
  lngLat: [120.3, 30.5],
  time,
  receivedAt,
  speedMps: 1,
  bearing: 90,
  altitude: null,
  accuracy: 5,
  battery: 80,
  alarm: null,
});

describe('live protocol', () => {
  it('validates handshake auth and join requests', () => {
    expect(parseLiveAuth({ token: 't.s', protocolVersion: 1, operationId: 'op-1' })).toMatchObject({ ok: true });
    expect(parseLiveAuth({ protocolVersion: 1 })).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
    expect(parseLiveAuth({ token: 't', protocolVersion: '1' })).toMatchObject({ ok: false, code: 'INVALID_PAYLOAD' });
    expect(parseLiveAuth({ token: 't', protocolVersion: 1, extra: true })).toMatchObject({
      ok: false,
      code: 'INVALID_PAYLOAD',
    });
    expect(parseJoinRequest({ operationId: 'demo-tricounty' })).toMatchObject({ ok: true });
    expect(parseJoinRequest({ operationId: '../x' })).toMatchObject({ ok: false, code: 'INVALID_PAYLOAD' });
    expect(parseJoinRequest(null)).toMatchObject({ ok: false });
  });

  it('validates inbound position batches', () => {
    expect(parsePositionsMessage({ operationId: 'op', serverTime: 1, positions: [pos('u1', 1)] }).ok).toBe(true);
    const bad = { operationId: 'op', serverTime: 1, positions: [{ ...pos('u1', 1), lngLat: [200, 30] }] };
    expect(parsePositionsMessage(bad)).toMatchObject({ ok: false, code: 'INVALID_PAYLOAD' });
  });
});
