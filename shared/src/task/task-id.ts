/** Web Crypto: global in browsers and in Node 20 (`shared/` is typed with neither DOM nor Node). */
declare const crypto: { getRandomValues(bytes: Uint8Array): Uint8Array };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

/**
 * A new task id: `t-` and 10 random url-safe characters (60 bits), so that `Unit.assignedTaskId`
 * names one task across every station's document (docs/tasks-and-search.md).
 */
export function newTaskId(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const bytes = random(new Uint8Array(10));
  let id = 't-';
  // 64 symbols: the low six bits of each byte pick one without bias.
  for (const b of bytes) id += ALPHABET[b & 63];
  return id;
}
