import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** What a fake AudioContext was asked to play: one entry per oscillator. */
interface Played {
  wave: string;
  freq: number;
  start: number;
  stop: number;
  peak: number;
}

/** A stand-in for the browser's AudioContext: starts suspended, records every oscillator. */
class FakeAudioContext {
  static made: FakeAudioContext[] = [];
  state: 'suspended' | 'running' = 'suspended';
  currentTime = 5;
  resumes = 0;
  destination = {};
  played: Played[] = [];
  constructor() {
    FakeAudioContext.made.push(this);
  }
  resume(): Promise<void> {
    this.resumes++;
    this.state = 'running';
    return Promise.resolve();
  }
  createGain() {
    let peak = 0;
    return {
      gain: {
        setValueAtTime: () => undefined,
        exponentialRampToValueAtTime: (v: number) => (peak = Math.max(peak, v)),
      },
      connect: () => undefined,
      get peak() {
        return peak;
      },
    };
  }
  createOscillator() {
    const entry: Played = { wave: '', freq: 0, start: 0, stop: 0, peak: 0 };
    const osc = {
      set type(t: string) {
        entry.wave = t;
      },
      frequency: { setValueAtTime: (f: number) => (entry.freq = f) },
      connect: (gain: { peak: number }) => (entry.peak = gain.peak),
      start: (t: number) => {
        entry.start = t;
        this.played.push(entry);
      },
      stop: (t: number) => (entry.stop = t),
    };
    return osc;
  }
}

describe('page sounds', () => {
  beforeEach(() => {
    FakeAudioContext.made = [];
    vi.resetModules();
    vi.stubGlobal('AudioContext', FakeAudioContext);
    vi.stubGlobal('window', new EventTarget());
  });
  afterEach(() => vi.unstubAllGlobals());

  it('plays nothing until a click or key press has resumed the audio, then voices each tone on one context', async () => {
    const { playTones, unlockSoundOnGesture } = await import('./sound.ts');
    const chime = [
      { freq: 988, at: 0, length: 0.22 },
      { freq: 740, at: 0.26, length: 0.3 },
    ];
    expect(playTones(chime, { wave: 'sine', peak: 0.25 })).toBe(false);

    unlockSoundOnGesture();
    window.dispatchEvent(new Event('keydown'));
    expect(playTones(chime, { wave: 'sine', peak: 0.25 })).toBe(true);
    expect(playTones([{ freq: 1480, at: 0.16, length: 0.1 }], { wave: 'square', peak: 0.2 })).toBe(true);

    expect(FakeAudioContext.made).toHaveLength(1);
    const [ctx] = FakeAudioContext.made;
    const round = (p: Played) => ({ ...p, start: +p.start.toFixed(3), stop: +p.stop.toFixed(3) });
    expect(ctx!.played.map(round)).toEqual([
      { wave: 'sine', freq: 988, start: 5.02, stop: 5.26, peak: 0.25 },
      { wave: 'sine', freq: 740, start: 5.28, stop: 5.6, peak: 0.25 },
      { wave: 'square', freq: 1480, start: 5.18, stop: 5.3, peak: 0.2 },
    ]);
  });

  it('stops listening after the first gesture, and when told to stop before one', async () => {
    const { unlockSoundOnGesture } = await import('./sound.ts');
    unlockSoundOnGesture();
    window.dispatchEvent(new Event('pointerdown'));
    window.dispatchEvent(new Event('pointerdown'));
    expect(FakeAudioContext.made[0]!.resumes).toBe(1);

    const stop = unlockSoundOnGesture();
    stop();
    window.dispatchEvent(new Event('keydown'));
    expect(FakeAudioContext.made[0]!.resumes).toBe(1);
  });
});
