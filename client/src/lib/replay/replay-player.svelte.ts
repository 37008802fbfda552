import type { ReplayTimeline } from '@jointmap/shared';
import { errorText } from '../i18n/error-text.ts';
import { MomentLoader } from './moment-loader.ts';
import type { ReplaySession } from './replay-session.svelte.ts';

/** Playback speeds offered (× real time). */
export const SPEEDS = [1, 5, 10, 30, 60] as const;
/** One step of the step buttons (ms of operation time). */
export const STEP_MS = 60_000;
/**
 * While playing, the clock advances and the moment is fetched this often (ms of real time): each
 * moment redraws the map's sources and the boards, which in software WebGL costs tens of ms, so the
 * page shows at most two moments a second (at 60×, one every 30 s of operation time; units send a
 * fix a minute). At 4 a second the page was over its main-thread budget.
 */
export const MOMENT_EVERY_MS = 500;
/** While playing, coverage (a recomputation over the sectors' tracks) is fetched at most this often. */
const COVERAGE_EVERY_MS = 2_000;
/** The slider's step (ms of operation time): a second, but its far end is the operation's end (`sliderMoment`). */
export const SLIDER_STEP_MS = 1_000;

/**
 * The moment a slider position stands for. The slider steps by a second from the start, so unless
 * the operation lasted whole seconds its far end stops short of the end: that position is the end.
 *
 * @example sliderMoment(from + 284_000, from + 284_500) // from + 284_500
 */
export function sliderMoment(value: number, to: number): number {
  return to - value < SLIDER_STEP_MS ? to : value;
}

/**
 * The replay clock of one page: the moment shown, play/pause at 1×–60×, steps and jumps. Each
 * moment is fetched from the server (documents and positions); at most one fetch is in flight and
 * a newer target replaces a waiting one, so dragging the slider never queues stale moments.
 */
export class ReplayPlayer {
  /** The moment the slider points at (epoch ms). */
  at = $state(0);
  /** The moment whose state is on screen (lags `at` by one fetch). */
  shown = $state<number | null>(null);
  playing = $state(false);
  speed = $state<number>(10);
  error = $state<string | null>(null);
  private inFlight = false;
  private wanted: number | null = null;
  private timer = 0;
  private lastTick = 0;
  private destroyed = false;
  private coverageAt = 0;
  /** The moment of the coverage last asked for (shown, or on its way). */
  private coverageFor: number | null = null;
  private readonly loader = new MomentLoader();

  constructor(
    private readonly session: ReplaySession,
    readonly timeline: ReplayTimeline,
    start: number,
  ) {
    this.seek(start);
  }

  get from(): number {
    return this.timeline.from;
  }

  get to(): number {
    return this.timeline.to;
  }

  seek(at: number): void {
    this.at = Math.min(this.to, Math.max(this.from, Math.round(at)));
    this.request(this.at);
  }

  step(direction: 1 | -1): void {
    this.scrub(this.at + direction * STEP_MS);
  }

  /** Jump to the previous / next event (strictly before / after the moment shown). */
  jump(direction: 1 | -1): void {
    const events = this.timeline.events;
    const e =
      direction > 0 ? events.find((x) => x.time > this.at) : [...events].reverse().find((x) => x.time < this.at);
    if (e) this.scrub(e.time);
  }

  play(): void {
    if (this.playing) return;
    if (this.at >= this.to) this.seek(this.from);
    this.playing = true;
    this.lastTick = performance.now();
    this.timer = window.setInterval(() => this.tick(), MOMENT_EVERY_MS);
  }

  /**
   * Stop on the moment on the clock. While playing, coverage comes at most every
   * `COVERAGE_EVERY_MS`: the moment stopped on is fetched again with its own coverage.
   */
  pause(): void {
    if (this.destroyed) return;
    this.halt();
    if (this.coverageFor !== this.at) this.request(this.at);
  }

  /** Stop the clock on the way to another moment (a step, a jump, the slider), which is fetched with its coverage. */
  scrub(at: number): void {
    this.halt();
    this.seek(at);
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  destroy(): void {
    this.destroyed = true;
    this.halt();
    this.loader.destroy();
  }

  private halt(): void {
    this.playing = false;
    clearInterval(this.timer);
  }

  private tick(): void {
    const now = performance.now();
    const next = this.at + (now - this.lastTick) * this.speed;
    this.lastTick = now;
    // Stopped before the last moment is asked for, so that it comes with its coverage.
    if (next >= this.to) this.halt();
    this.seek(next);
  }

  private request(at: number): void {
    this.wanted = at;
    if (!this.inFlight) void this.fetchWanted();
  }

  private async fetchWanted(): Promise<void> {
    while (this.wanted !== null && !this.destroyed) {
      const at = this.wanted;
      this.wanted = null;
      this.inFlight = true;
      try {
        const id = this.timeline.operationId;
        const withCoverage = !this.playing || performance.now() - this.coverageAt >= COVERAGE_EVERY_MS;
        if (withCoverage) {
          this.coverageAt = performance.now();
          this.coverageFor = at;
        }
        const { changes, state, positions, alerts, coverage } = await this.loader.load(id, at, withCoverage);
        if (this.destroyed) return;
        if (changes) this.session.applyChanges(changes);
        else if (state) this.session.applyState(state);
        this.session.applyPositions(positions);
        this.session.applyAlerts(alerts);
        if (coverage) this.session.applyCoverage(coverage);
        this.shown = at;
        this.error = null;
      } catch (err) {
        this.error = errorText(err);
        this.halt();
      } finally {
        this.inFlight = false;
      }
    }
  }
}
