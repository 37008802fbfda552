/** An IndexedDB whose open answers only when the test says so, holding `stored` updates. */
export function slowIndexedDb(stored: Uint8Array[]) {
  let request: { result?: unknown; onsuccess?: () => void; onerror?: () => void; onupgradeneeded?: () => void } = {};
  const store = {
    add: () => ({}),
    getAll: () => {
      const all: { result?: unknown; onsuccess?: () => void } = {};
      setTimeout(() => {
        all.result = stored;
        all.onsuccess?.();
      }, 0);
      return all;
    },
  };
  const db = { transaction: () => ({ objectStore: () => store }), close: () => undefined };
  return {
    indexedDB: { open: () => (request = {}) },
    succeed: () => {
      request.result = db;
      request.onsuccess?.();
    },
    fail: () => request.onerror?.(),
  };
}
