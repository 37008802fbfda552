import { describe, expect, it } from 'vitest';
import { altNames } from './cot-certificate.ts';

describe('altNames', () => {
  it('reads the DNS and URI entries Node prints, quoted ones included', () => {
    expect(altNames('DNS:ANDROID-0001, IP Address:127.0.0.1, URI:urn:uuid:1b4e28ba, email:a@b.cn')).toEqual([
      'ANDROID-0001',
      'urn:uuid:1b4e28ba',
    ]);
    expect(altNames('DNS:"a, b", DNS:c')).toEqual(['a, b', 'c']);
    expect(altNames('')).toEqual([]);
  });
});
