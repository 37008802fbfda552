import { describe, expect, test } from 'vitest';
import { canSeeOperation, docAccess, type Principal } from './permissions.ts';

const stations = ['deqing-yuyue', 'linping-yunhe', 'tongxiang-zhouquan'];
const commander: Principal = { id: 'c', role: 'commander', stationId: null };
const deqing: Principal = { id: 'd', role: 'dispatcher', stationId: 'deqing-yuyue' };
const outsider: Principal = { id: 'o', role: 'dispatcher', stationId: 'wuxing-zhili' };
const wall: Principal = { id: 'w', role: 'viewer', stationId: null };
const device: Principal = { id: 'x', role: 'device', stationId: null };

describe('docAccess', () => {
  test('commanders write every document of an operation', () => {
    for (const scope of ['command', ...stations]) expect(docAccess(commander, stations, scope)).toBe('write');
  });
  test('a dispatcher writes only its own station document and reads the rest', () => {
    expect(docAccess(deqing, stations, 'deqing-yuyue')).toBe('write');
    expect(docAccess(deqing, stations, 'linping-yunhe')).toBe('read');
    expect(docAccess(deqing, stations, 'command')).toBe('read');
  });
  test('a dispatcher of a station outside the operation sees nothing', () => {
    expect(canSeeOperation(outsider, stations)).toBe(false);
    expect(docAccess(outsider, stations, 'command')).toBe('none');
  });
  test('viewers read, devices see nothing', () => {
    expect(docAccess(wall, stations, 'deqing-yuyue')).toBe('read');
    expect(docAccess(wall, stations, 'command')).toBe('read');
    expect(docAccess(device, stations, 'command')).toBe('none');
  });
  test('unknown scopes are not documents of the operation', () => {
    expect(docAccess(commander, stations, 'wuxing-zhili')).toBe('none');
  });
});
