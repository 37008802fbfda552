import type { FastifyReply } from 'fastify';

/**
 * The longest file name sent, extension included, in UTF-8 bytes: below the 255 most file systems
 * take, with room for the " (2)" a browser adds to a name already in the folder.
 */
export const MAX_FILE_NAME_BYTES = 200;

/** A download's name: what people read, and the plain ASCII one for clients that know no better. */
export interface AttachmentName {
  /** The name people read, without the extension: an operation's title may be Chinese. */
  name: string;
  /** After `name`, kept whole when a long name is cut: `-annotations`, an archive's id. */
  suffix?: string;
  /** The base of the ASCII `filename=` (default `name` and `suffix`), sanitised as file names always were. */
  ascii?: string;
  /** The ASCII base when `ascii` leaves nothing of use: `export`, `track`, an archive's id. */
  fallback: string;
  /** Without the dot: `geojson`, `tar.gz`. */
  extension: string;
}

/**
 * Send a download: `content-type` and `content-disposition: attachment` with both an ASCII
 * `filename` and the UTF-8 `filename*` (RFC 6266, RFC 5987), which browsers prefer, so a title like
 * 德清-临平联合搜索 reaches the saved file instead of `-`.
 */
export function sendAttachment(reply: FastifyReply, type: string, file: AttachmentName): FastifyReply {
  return reply.type(type).header('content-disposition', contentDisposition(file));
}

/** `attachment; filename="<ASCII>"; filename*=UTF-8''<percent-encoded UTF-8>` for `file`. */
export function contentDisposition(file: AttachmentName): string {
  const ascii = asciiFileName(file);
  const utf8 = utf8FileName(file.name, file.extension, file.suffix) ?? ascii;
  return `attachment; filename="${ascii}"; filename*=UTF-8''${rfc5987(utf8)}`;
}

/**
 * The ASCII name: anything but letters, digits, `_`, `.` and `-` made `-` (as before), no leading
 * dots, bounded; `fallback` (then `download`) when that leaves no letter or digit.
 */
export function asciiFileName(file: AttachmentName): string {
  const room = MAX_FILE_NAME_BYTES - file.extension.length - 1;
  const sanitise = (s: string) =>
    s
      .replace(/[^A-Za-z0-9_.-]+/g, '-')
      .replace(/^\.+/, '')
      .slice(0, room);
  const base = [file.ascii ?? `${file.name}${file.suffix ?? ''}`, file.fallback]
    .map(sanitise)
    .find((s) => /[A-Za-z0-9]/.test(s));
  return `${base ?? 'download'}.${file.extension}`;
}

/**
 * The UTF-8 name: CJK, letters of any script and safe punctuation kept; control and format
 * characters dropped, path separators and the characters Windows refuses made `-`, quotes dropped,
 * white space collapsed, no leading dots nor trailing dots or spaces; `name` cut to keep the whole
 * within {@link MAX_FILE_NAME_BYTES} bytes. `undefined` when `name` keeps no letter or digit.
 */
export function utf8FileName(name: string, extension: string, suffix = ''): string | undefined {
  const tail = `${clean(suffix)}.${extension}`;
  const room = MAX_FILE_NAME_BYTES - Buffer.byteLength(tail);
  let base = trim(clean(name));
  if (Buffer.byteLength(base) > room) {
    let bytes = 0;
    const kept: string[] = [];
    for (const c of base) {
      bytes += Buffer.byteLength(c);
      if (bytes > room) break;
      kept.push(c);
    }
    base = trim(kept.join(''));
  }
  return /[\p{L}\p{N}]/u.test(base) ? `${base}${tail}` : undefined;
}

const clean = (s: string) =>
  s
    .normalize('NFC')
    // Controls (newlines, tabs), format characters (bidi overrides), lone surrogates.
    .replace(/[\p{Cc}\p{Cf}\p{Cs}]+/gu, '')
    .replace(/["'`]+/g, '')
    .replace(/[\\/<>:|?*]+/g, '-')
    .replace(/\s+/gu, ' ');
const trim = (s: string) => s.replace(/^[\s.]+/u, '').replace(/[\s.]+$/u, '');

/** RFC 5987 `value-chars`: UTF-8, percent-encoded, `'()*` too (not `attr-char`s). */
const rfc5987 = (s: string) =>
  encodeURIComponent(s).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
