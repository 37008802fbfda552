import { describe, expect, it } from 'vitest';
import { CotFramer } from './cot-framing.ts';

const event = (uid: string) =>
  `<event version="2.0" uid="${uid}" type="a-f-G" how="m-g" time="t" start="t" stale="t"><point lat="1" lon="2"/></event>`;

describe('CoT stream framing', () => {
  it('splits events written back to back, with or without an XML declaration', () => {
    const f = new CotFramer({ maxEventBytes: 10_000 });
    const text = `${event('a')}\n<?xml version="1.0" encoding="UTF-8" standalone="yes"?>${event('b')}${event('c')}`;
    expect(f.push(text)).toEqual({ ok: true, events: [event('a'), event('b'), event('c')] });
    expect(f.pending).toBe(0);
  });

  it('joins an event split across chunks, also inside a multi-byte character', () => {
    const f = new CotFramer({ maxEventBytes: 10_000 });
    const bytes = Buffer.from(event('巡逻'));
    const cut = bytes.indexOf(Buffer.from('逻')) + 1;
    expect(f.push(bytes.subarray(0, cut))).toEqual({ ok: true, events: [] });
    expect(f.push(bytes.subarray(cut))).toEqual({ ok: true, events: [event('巡逻')] });
  });

  it('calls a stream that does not start like CoT garbage at once', () => {
    expect(new CotFramer({ maxEventBytes: 10_000 }).push('GET / HTTP/1.1\r\n')).toMatchObject({ ok: false });
    expect(new CotFramer({ maxEventBytes: 10_000 }).push(Buffer.from([0xbf, 0x01, 0xbf]))).toMatchObject({
      ok: false,
    });
  });

  it('calls an event without an end past the limit garbage, and text between events too', () => {
    const f = new CotFramer({ maxEventBytes: 200 });
    expect(f.push(`<event uid="x">${'a'.repeat(150)}`)).toEqual({ ok: true, events: [] });
    expect(f.push('a'.repeat(100))).toMatchObject({ ok: false });
    const g = new CotFramer({ maxEventBytes: 10_000 });
    expect(g.push(`${event('a')} junk ${event('b')}`)).toMatchObject({ ok: false });
  });
});
