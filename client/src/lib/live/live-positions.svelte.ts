import { io, type Socket } from 'socket.io-client';
import {
  LiveEvent,
  mergeNewest,
  PROTOCOL_VERSION,
  unitFreshness,
  unitKeyOf,
  type ClientToServerEvents,
  type LiveConnectErrorData,
  type LiveErrorMessage,
  type ServerToClientEvents,
} from '@jointmap/shared';
import { backoffDelay } from '../state/backoff.ts';
import { httpClock, type HttpClock } from '../state/http-clock.ts';
import { endsSession, readLiveBatch, worthRetrying } from './live-messages.ts';
import { PositionBoard, type LiveChange, type LiveState } from './position-board.svelte.ts';
import { fetchTrailHistory, gapRequests, type HistoryRequest } from './trail-history.ts';

const OFFSET_SAMPLES = 20;
/** After the server dropped or refused us (not for the token), try again after 1 s, 2 s, 4 s … up to this. */
const MAX_REJOIN_DELAY_MS = 30_000;
/** Failed (re)connect attempts in a row after which the channel counts as offline, not reconnecting. */
export const OFFLINE_AFTER_FAILURES = 2;

export interface LiveOptions {
  /** socket.io origin; default this page's. */
  url?: string;
  /** GET a JSON resource of our API (with the session's token). */
  getJson?: <T>(path: string) => Promise<T>;
  /** The estimate from our API's answers, used until the first live message: default this tab's `httpClock`. */
  httpClock?: Pick<HttpClock, 'offsetMs'>;
}

/**
 * The live channel of one operation: latest position per unit, each unit's freshness on the
 * server's clock, and a 15-minute trail per unit. Positions come from socket.io, never from Yjs.
 * A unit is its station and its id (`unitKey(stationId, unitId)` keys every map here): two
 * stations' `car-01` are two markers, two trails, two freshness grades.
 *
 * Map layers listen with {@link onChange} (raw, unbatched: they coalesce per animation frame);
 * Svelte components read {@link version} / {@link freshnessOf}, which re-run at most once a frame.
 */
export class LivePositions extends PositionBoard {
  state: LiveState = 'connecting';
  /** Last error the server reported (`connect_error` data or `live:error`), e.g. TOKEN_EXPIRED. */
  error: LiveErrorMessage | LiveConnectErrorData | null = null;
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private offsets: number[] = [];
  private offsetMs = 0;
  private tickTimer = 0;
  private uiFrame = 0;
  private freshChanged = false;
  private seeded = false;
  private destroyed = false;
  /** Units whose history is still to fetch (`from`, or undefined: the whole window), and the run fetching it. */
  private readonly historyDue = new Map<string, number | undefined>();
  private historyRun = 0;
  private everConnected = false;
  /** (Re)connect attempts that failed in a row. */
  private failedConnects = 0;
  /** Server disconnects and refused handshakes since the last snapshot (which proves we are joined again). */
  private rejoins = 0;
  private rejoinTimer = 0;
  private readonly auth: { token: string; protocolVersion: number; operationId: string };

  constructor(
    operationId: string,
    token: string,
    private readonly options: LiveOptions = {},
  ) {
    super(operationId);
    this.auth = { token, protocolVersion: PROTOCOL_VERSION, operationId };
    this.socket = io(options.url ?? location.origin, {
      // socket.io sends this object on every (re)connect: a renewed token goes into it.
      auth: this.auth,
      transports: ['websocket', 'polling'],
    });
    this.socket.on('connect', () => {
      this.everConnected = true;
      this.failedConnects = 0;
      this.error = null;
      this.setState('online');
    });
    this.socket.on('disconnect', (reason) => {
      if (reason === 'io server disconnect') {
        // socket.io does not reconnect after the server closed the socket: we do, unless the
        // token was refused (then only a new sign-in helps) or this client is too old (a reload).
        if (endsSession(this.error)) return this.setState('signedOut');
        if (!worthRetrying(this.error)) return this.setState('offline');
        this.rejoinLater();
      }
      this.setState('reconnecting');
    });
    this.socket.on('connect_error', (err: Error & { data?: LiveConnectErrorData }) => {
      if (err.data?.code) this.error = err.data;
      if (endsSession(this.error)) return this.setState('signedOut');
      this.failedConnects++;
      // A refused handshake (`active` false) is not retried by socket.io: a temporary refusal
      // (storage down while the session is checked) must not silence positions and alerts for good.
      if (!this.socket.active) {
        if (!worthRetrying(err.data)) return this.setState('offline');
        this.rejoinLater();
      }
      if (this.everConnected && this.failedConnects >= OFFLINE_AFTER_FAILURES) return this.setState('offline');
      this.setState(this.everConnected ? 'reconnecting' : 'connecting');
    });
    this.socket.on(LiveEvent.error, (e) => {
      this.error = e;
      this.notifyUi();
    });
    this.socket.on(LiveEvent.snapshot, (raw) => {
      const m = readLiveBatch(raw, operationId);
      if (!m) return;
      // The first snapshot: every unit's last 15 minutes. One after a reconnect: what each unit
      // sent while the link was down, or its trail would join the fixes either side by a straight line.
      const history: HistoryRequest[] = this.seeded
        ? gapRequests(this.latest, m.positions)
        : m.positions.map((p) => ({ key: unitKeyOf(p) }));
      this.seeded = true;
      this.rejoins = 0;
      this.sampleOffset(m.serverTime);
      if (m.thresholds) this.thresholds = m.thresholds;
      // A snapshot replaces what we hold but never moves a unit back in time. Units it leaves out
      // go: what this viewer may see shrinks once the operation closes (another station's units).
      const shown = new Set(m.positions.map(unitKeyOf));
      for (const key of [...this.latest.keys()]) {
        if (shown.has(key)) continue;
        this.latest.delete(key);
        this.trails.delete(key);
        this.freshness.delete(key);
      }
      mergeNewest(this.latest, m.positions);
      for (const p of m.positions) this.trails.add(unitKeyOf(p), p.lngLat[0], p.lngLat[1], p.time, p.deviceId);
      this.refreshFreshness();
      this.freshChanged = true;
      this.emit('all');
      this.restartTicker();
      void this.fetchHistory(history);
    });
    this.socket.on(LiveEvent.positions, (raw) => {
      // Positions are validated one by one: a malformed one is skipped, not the whole batch.
      const batch = readLiveBatch(raw, operationId);
      if (!batch) return;
      this.sampleOffset(batch.serverTime);
      const changed = mergeNewest(this.latest, batch.positions);
      if (!changed.length) return;
      const now = this.now();
      for (const key of changed) {
        const p = this.latest.get(key)!;
        this.trails.add(key, p.lngLat[0], p.lngLat[1], p.time, p.deviceId);
        const f = unitFreshness(p.time, now, this.thresholds);
        if (this.freshness.get(key) !== f) {
          this.freshness.set(key, f);
          this.freshChanged = true;
        }
      }
      this.emit(new Set(changed));
    });
    this.restartTicker();
  }

  /**
   * The server's clock now (epoch ms), estimated from the newest messages. Before the first one
   * (the channel still connecting, or refused) from the answers of our API that opened the
   * operation ({@link HttpClock}): a PC minutes off must not stamp its first records with its own clock.
   */
  now(): number {
    const offset = this.offsets.length ? this.offsetMs : ((this.options.httpClock ?? httpClock).offsetMs ?? 0);
    return Date.now() + offset;
  }

  get connection(): LiveState {
    this.subscribeUi();
    return this.state;
  }

  /** Use a renewed token from the next (re)connect on. */
  setToken(token: string): void {
    this.auth.token = token;
  }

  /** The server refused our token (expired or unknown): the session is over, sign in again. */
  get signedOut(): boolean {
    this.subscribeUi();
    return endsSession(this.error);
  }

  /** The server refused this client as too old (`CLIENT_TOO_OLD`): only a reload brings the new one. */
  get outdated(): boolean {
    this.subscribeUi();
    return this.error?.code === 'CLIENT_TOO_OLD';
  }

  // ---- other live events on this connection (e.g. search coverage) ----
  /**
   * Listen to another server event of the live channel on this same connection (socket.io
   * re-joins after a reconnect, so the listener keeps receiving). Returns the function that stops.
   */
  listen<E extends keyof ServerToClientEvents>(event: E, fn: ServerToClientEvents[E]): () => void {
    // socket.io's typed `on` cannot narrow a generic event name: the map above fixes the types.
    this.socket.on(event, fn as never);
    return () => void this.socket.off(event, fn as never);
  }

  destroy(): void {
    this.destroyed = true;
    clearInterval(this.tickTimer);
    clearTimeout(this.rejoinTimer);
    cancelAnimationFrame(this.uiFrame);
    this.socket.removeAllListeners();
    this.socket.disconnect();
    this.listeners.clear();
  }

  /**
   * Connect again after the server closed the socket or refused the handshake, backing off while
   * it keeps doing so. Only while socket.io itself is not trying (`active` false).
   */
  private rejoinLater(): void {
    clearTimeout(this.rejoinTimer);
    const delay = backoffDelay(this.rejoins++, { baseMs: 1000, maxMs: MAX_REJOIN_DELAY_MS });
    this.rejoinTimer = window.setTimeout(() => {
      if (!this.destroyed && !this.socket.active) this.socket.connect();
    }, delay);
  }

  private setState(s: LiveState): void {
    this.state = s;
    this.freshChanged = true;
    this.notifyUi();
  }

  private emit(change: LiveChange): void {
    for (const fn of this.listeners) fn(change);
    this.notifyUi();
  }

  /** Components re-read at most once a frame. */
  private notifyUi(): void {
    if (this.uiFrame || !this.watched) return;
    this.uiFrame = requestAnimationFrame(() => {
      this.uiFrame = 0;
      const fresh = this.freshChanged;
      this.freshChanged = false;
      this.bumpVersions(fresh);
    });
  }

  /**
   * Latency only ever makes `serverTime` look older, so the largest recent sample is the best. Live
   * samples replace the estimate from HTTP answers (they keep coming; see {@link now}).
   */
  private sampleOffset(serverTime: number): void {
    this.offsets.push(serverTime - Date.now());
    if (this.offsets.length > OFFSET_SAMPLES) this.offsets.shift();
    this.offsetMs = Math.max(...this.offsets);
  }

  /**
   * Re-grade every unit on the clock and trim the trails to their window: the keys whose freshness
   * changed, and those whose trail lost points (its drawn line is out of date).
   */
  private refreshFreshness(): { changed: Set<string>; pruned: Set<string> } {
    const now = this.now();
    const changed = new Set<string>();
    for (const [key, p] of this.latest) {
      const f = unitFreshness(p.time, now, this.thresholds);
      if (this.freshness.get(key) !== f) {
        this.freshness.set(key, f);
        changed.add(key);
      }
    }
    return { changed, pruned: this.trails.pruneAll(now) };
  }

  /**
   * Freshness only changes with time: a coarse ticker (a tenth of the stale threshold, 0.25–1 s).
   * Trails shrink with time too: a map where no unit reports any more still loses its old trails.
   */
  private restartTicker(): void {
    clearInterval(this.tickTimer);
    const every = Math.min(1000, Math.max(250, this.thresholds.staleAfterMs / 10));
    this.tickTimer = window.setInterval(() => {
      const { changed, pruned } = this.refreshFreshness();
      if (changed.size) {
        this.freshChanged = true;
        this.emit(changed);
      }
      // Trails only: not on the change feed, where every layer and board would redo those units.
      if (pruned.size) for (const fn of this.trailListeners) fn(pruned);
    }, every);
  }

  /**
   * Merge fetched history into the trails (no point twice: a fix held already is kept once). A
   * newer snapshot (the link dropped again) stops the run before and takes over what it had not
   * fetched yet, so a gap measured then is not lost to the positions the newer snapshot replaced.
   */
  private async fetchHistory(requests: HistoryRequest[]): Promise<void> {
    const getJson = this.options.getJson;
    if (!getJson) return;
    for (const r of requests) {
      const due = this.historyDue.has(r.key) ? this.historyDue.get(r.key) : r.from;
      this.historyDue.set(r.key, due === undefined || r.from === undefined ? undefined : Math.min(due, r.from));
    }
    for (const key of [...this.historyDue.keys()]) if (!this.latest.has(key)) this.historyDue.delete(key);
    if (!this.historyDue.size) return;
    const run = ++this.historyRun;
    const current = () => !this.destroyed && run === this.historyRun;
    await fetchTrailHistory(
      getJson,
      [...this.historyDue].map(([key, from]) => (from === undefined ? { key } : { key, from })),
      (key, points) => {
        // A unit the server stopped sharing meanwhile (a newer snapshot left it out) stays gone.
        if (!this.latest.has(key)) return;
        this.trails.seed(key, points);
        this.emit(new Set([key]));
      },
      () => !current(),
      (key) => current() && this.historyDue.delete(key),
    );
  }
}
