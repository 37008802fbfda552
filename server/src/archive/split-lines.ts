/**
 * The longest line an archive file may hold, in bytes: above the largest update one line carries
 * (50,000,000 base64 characters, `ArchivedUpdate`) and far below V8's longest string (about 537
 * million characters), which a line read whole into one string must never reach.
 */
export const MAX_LINE_BYTES = 64 * 2 ** 20;

/**
 * The lines of a byte stream, split at `\n` (a `\r` before it dropped), decoded as UTF-8 one whole
 * line at a time (a character split across chunks comes out whole). A line longer than `maxBytes`
 * is never assembled: `tooLong(lineNumber)` is thrown as soon as it passes the limit, so a file of
 * one endless line costs at most `maxBytes` of memory. The last line needs no `\n`.
 *
 * Replaces `node:readline`, which builds each line as one string however long: past V8's limit
 * the `RangeError` is thrown inside the stream's event handler, out of reach of the reader's
 * `try`, and the process exits.
 */
export async function* splitLines(
  source: AsyncIterable<Buffer>,
  maxBytes: number,
  tooLong: (line: number) => Error,
): AsyncGenerator<string> {
  let parts: Buffer[] = [];
  let held = 0;
  let line = 0;
  const finish = (last: Buffer): string => {
    const whole = parts.length ? Buffer.concat([...parts, last]) : last;
    parts = [];
    held = 0;
    const end = whole.length && whole[whole.length - 1] === 0x0d ? whole.length - 1 : whole.length;
    return whole.toString('utf8', 0, end);
  };
  for await (const chunk of source) {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, newline === -1 ? chunk.length : newline);
      if (held + piece.length > maxBytes) throw tooLong(line + 1);
      if (newline === -1) {
        if (piece.length) {
          parts.push(piece);
          held += piece.length;
        }
        break;
      }
      line++;
      yield finish(piece);
      start = newline + 1;
    }
  }
  if (held) {
    line++;
    yield finish(Buffer.alloc(0));
  }
}
