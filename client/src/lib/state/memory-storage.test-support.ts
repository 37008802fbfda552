/**
 * A page's localStorage in memory (one desk PC's, kept across sign-ins when a test shares it),
 * holding at most `quota` characters of keys and values when given, like a browser's 5 MB.
 */
export function memoryStorage(quota = Infinity): Storage {
  const items = new Map<string, string>();
  const used = () => [...items].reduce((n, [k, v]) => n + k.length + v.length, 0);
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (k) => items.get(k) ?? null,
    key: (i) => [...items.keys()][i] ?? null,
    removeItem: (k) => void items.delete(k),
    setItem: (k, v) => {
      const value = String(v);
      if (quota !== Infinity && used() - (items.get(k)?.length ?? -k.length) + value.length > quota)
        throw new DOMException('quota', 'QuotaExceededError');
      items.set(k, value);
    },
  };
}
