export type Route =
  | { name: 'login'; next: string | null }
  | { name: 'operations' }
  | { name: 'console'; operationId: string }
  | { name: 'wall'; operationId: string }
  | { name: 'report'; operationId: string }
  | { name: 'replay'; operationId: string; at: number | null };

/** Parse a location hash: `#/op/<id>`, `#/wall/<id>`, `#/report/<id>`, `#/login?next=…`, anything else the list. */
export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const [pathname = '', query = ''] = path.split('?');
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'op' && parts[1]) return { name: 'console', operationId: parts[1] };
  if (parts[0] === 'wall' && parts[1]) return { name: 'wall', operationId: parts[1] };
  if (parts[0] === 'report' && parts[1]) return { name: 'report', operationId: parts[1] };
  if (parts[0] === 'replay' && parts[1]) {
    const at = Number(new URLSearchParams(query).get('at') ?? NaN);
    return { name: 'replay', operationId: parts[1], at: Number.isFinite(at) ? at : null };
  }
  if (parts[0] === 'login') return { name: 'login', next: new URLSearchParams(query).get('next') };
  return { name: 'operations' };
}

/** The hash route of the page. */
export class Router {
  hash = $state(location.hash);
  readonly route = $derived(parseHash(this.hash));
  /**
   * Asked before the page's route changes (a link, Back): false keeps the page, and its address is
   * put back. A page holding what would be lost with it sets this while it is shown.
   */
  leaveGuard: (() => boolean) | null = null;
  /** The place of the page's history entry, stamped on each entry (`jointmap.entry`), to tell Back from Forward. */
  private entry: number;

  constructor() {
    this.entry = entryOf(history.state) ?? 0;
    stampEntry(this.entry);
    window.addEventListener('hashchange', () => {
      if (location.hash === this.hash) return;
      const to = entryOf(history.state);
      if (this.leaveGuard && !this.leaveGuard()) {
        // Back to the page's own entry: forward again after Back, back after Forward or a link.
        history.go(to !== null && to < this.entry ? 1 : -1);
        return;
      }
      if (to === null) stampEntry((this.entry += 1));
      else this.entry = to;
      this.hash = location.hash;
    });
  }

  go(hash: string): void {
    location.hash = hash;
  }
}

/** The entry number stamped on a history entry's state (null: a new entry, from a link or `go`). */
function entryOf(state: unknown): number | null {
  const n = (state as { 'jointmap.entry'?: unknown } | null)?.['jointmap.entry'];
  return typeof n === 'number' ? n : null;
}

function stampEntry(n: number): void {
  history.replaceState({ ...((history.state as object | null) ?? {}), 'jointmap.entry': n }, '');
}

export const router = new Router();
