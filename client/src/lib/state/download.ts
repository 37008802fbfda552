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
