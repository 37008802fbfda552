import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a TCP stream of CoT XML into events. TAK clients (ATAK, WinTAK, iTAK) write `<event>`
 * documents back to back, each optionally preceded by an XML declaration, with no length prefix;
 * an event ends at `</event>`. Anything else is garbage: a stream that does not start like an
 * event, an event larger than `maxEventBytes`, or text between events.
 */
export interface CotFramerOptions {
  /** Largest event accepted (characters); a larger one is garbage. */
  maxEventBytes: number;
}

export type FrameResult = { ok: true; events: string[] } | { ok: false; reason: string };

const END = '</event>';
const OPENINGS = ['<?xml', '<event'];

export class CotFramer {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';

  constructor(private readonly options: CotFramerOptions) {}

  /** Feed a chunk; returns the complete events it finished, or why the stream is garbage. */
  push(chunk: Buffer | string): FrameResult {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const events: string[] = [];
    for (;;) {
      this.buffer = this.buffer.trimStart();
      if (this.buffer === '') break;
      const opening = checkOpening(this.buffer);
      if (opening) return { ok: false, reason: opening };
      const end = this.buffer.indexOf(END);
      if (end < 0) {
        if (this.buffer.length > this.options.maxEventBytes)
          return { ok: false, reason: `an event longer than ${this.options.maxEventBytes} characters` };
        break;
      }
      const text = this.buffer.slice(0, end + END.length);
      this.buffer = this.buffer.slice(end + END.length);
      if (text.length > this.options.maxEventBytes)
        return { ok: false, reason: `an event longer than ${this.options.maxEventBytes} characters` };
      const start = text.indexOf('<event');
      if (start < 0) return { ok: false, reason: 'an end tag without an <event>' };
      // Only an XML declaration may come before the event.
      const before = text.slice(0, start).trim();
      if (before !== '' && !/^<\?xml[^>]*\?>$/.test(before)) return { ok: false, reason: 'text before an <event>' };
      events.push(text.slice(start));
    }
    return { ok: true, events };
  }

  /** Characters held waiting for the end of an event. */
  get pending(): number {
    return this.buffer.length;
  }
}

/** Why the buffer (trimmed) cannot be the start of an event; null when it can. */
function checkOpening(buffer: string): string | null {
  const head = buffer.slice(0, 6);
  if (OPENINGS.some((o) => o.startsWith(head) || head.startsWith(o))) return null;
  return 'not CoT XML';
}
