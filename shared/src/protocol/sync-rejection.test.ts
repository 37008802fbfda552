import { describe, expect, test } from 'vitest';
import { decodeRejection, encodeRejection, type SyncRejection } from './index.ts';

describe('sync rejections', () => {
  test('a refusal of entries round-trips with its issues', () => {
    const r: SyncRejection = {
      code: 'INVALID_PAYLOAD',
      message: 'units/car-01/callsign: Expected string length less or equal to 40',
      doc: 'op-1/deqing-yuyue',
      issues: [{ path: '/callsign', kind: 'maxLength', limit: 40, message: 'Expected …', entry: 'units/car-01' }],
    };
    expect(decodeRejection(encodeRejection(r))).toEqual(r);
    const plain: SyncRejection = { code: 'FORBIDDEN', message: 'no', doc: 'op-1/command' };
    expect(decodeRejection(encodeRejection(plain))).toEqual(plain);
  });

  test('what comes over the network is checked: issues not of the shape are dropped, unknown fields too', () => {
    const reason = JSON.stringify({
      code: 'INVALID_PAYLOAD',
      message: 'm',
      doc: 'd',
      extra: 1,
      issues: [null, 'x', { path: 3, kind: 'maxLength' }, { path: '/a', kind: 'type', limit: '4', more: true }],
    });
    expect(decodeRejection(reason)).toEqual({
      code: 'INVALID_PAYLOAD',
      message: 'm',
      doc: 'd',
      issues: [{ path: '/a', kind: 'type', message: '' }],
    });
    expect(decodeRejection('not json')).toBeNull();
    expect(decodeRejection('null')).toBeNull();
    expect(decodeRejection(JSON.stringify({ code: 'FORBIDDEN' }))).toBeNull();
  });
});
