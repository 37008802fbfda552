import { session } from './session.svelte.ts';

/** The bearer header of the signed-in user, for requests `session.get` does not cover (bodies, files). */
export const authHeader = (): Record<string, string> =>
  session.token ? { authorization: `Bearer ${session.token}` } : {};

/** Hand a blob to the browser as a file download named `name`. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * The file name a `content-disposition` header gives: its UTF-8 `filename*` (RFC 5987/6266, which
 * keeps a Chinese title) where present and readable, else its ASCII `filename`, else `fallback`.
 */
export function attachmentName(header: string | null, fallback: string): string {
  const value = header ?? '';
  const extended = /filename\*\s*=\s*UTF-8''([^;\s]+)/i.exec(value)?.[1];
  if (extended) {
    try {
      const name = decodeURIComponent(extended);
      if (name) return name;
    } catch {
      // A broken escape: the plain name below still serves.
    }
  }
  return /filename\s*=\s*"([^"]+)"/i.exec(value)?.[1] ?? fallback;
}
