/**
 * Plays the tones of `ringing_tone.ts` with Web Audio: no audio files, just
 * an oscillator per frequency into one gain node whose automation draws the
 * cadence. It owns the page's AudioContext, the nodes and its two timers;
 * {@link TonePlayer.dispose} releases all of them.
 *
 * Autoplay rules let a page make sound only after the person has used it,
 * so the context is made in {@link TonePlayer.unlock}, which the page calls
 * from a gesture (`browser_session.ts`). Browsers remember that gesture
 * (sticky activation), so the context may rest (`suspend`) between calls
 * and wake (`resume`) when one rings, without a new one. Where that is
 * refused, or Web Audio is missing, nothing sounds and nothing complains.
 */
import type { ToneName, TonePattern } from "./ringing_tone.ts";
import { TONES } from "./ringing_tone.ts";
import { realTimers, type Timers } from "./timers.ts";

/** The slice of `AudioParam` used. */
export interface AudioParamLike {
  value: number;
  setValueAtTime(value: number, time: number): unknown;
  linearRampToValueAtTime(value: number, time: number): unknown;
  setTargetAtTime(value: number, time: number, constant: number): unknown;
  cancelScheduledValues(time: number): unknown;
}

/** The slice of `AudioNode` used. */
export interface AudioNodeLike {
  connect(destination: unknown): unknown;
  disconnect(): void;
}

/** The slice of `OscillatorNode` used. */
export interface OscillatorLike extends AudioNodeLike {
  readonly frequency: AudioParamLike;
  start(when?: number): void;
  stop(when?: number): void;
}

/** The slice of `GainNode` used. */
export interface GainLike extends AudioNodeLike {
  readonly gain: AudioParamLike;
}

/** The slice of `AudioContext` used (so a fake can stand in). */
export interface AudioContextLike {
  readonly currentTime: number;
  readonly destination: unknown;
  createOscillator(): OscillatorLike;
  createGain(): GainLike;
  resume(): Promise<unknown>;
  suspend(): Promise<unknown>;
  close(): Promise<unknown>;
}

/** What a player is built from. */
export interface TonePlayerDeps {
  /** `new AudioContext()`; may throw (no Web Audio). */
  createContext(): AudioContextLike;
  timers?: Timers;
}

/** Seconds from "now" to a cycle's first sound: lets the nodes be set up. */
const LEAD_S = 0.05;
/**
 * A cycle is scheduled this long before it is due: a hidden tab's timers
 * may fire up to a second late, and the tones matter most there.
 */
const AHEAD_S = 1;
/** Fade in and out of each burst, so it starts and ends without a click. */
const RAMP_S = 0.015;
/** Time after a tone stops to release its nodes and rest the context. */
const REST_MS = 250;

/** A tone that is sounding: its nodes. */
interface Voice {
  gain: GainLike;
  oscillators: OscillatorLike[];
}

// Promises of the context reject when the browser refuses (autoplay) or it
// is closed: a tone that cannot sound is no error for the person.
function quietly(p: Promise<unknown> | undefined): void {
  p?.catch(() => {});
}

/** Plays one tone at a time; see the module doc. */
export class TonePlayer {
  #deps: TonePlayerDeps;
  #timers: Timers;
  #ctx: AudioContextLike | null = null;
  #wanted: ToneName | null = null;
  #voice: Voice | null = null;
  /** Voices stopped and fading out, disconnected at the next rest. */
  #spent: Voice[] = [];
  #cycleTimer: number | undefined;
  #restTimer: number | undefined;

  constructor(deps: TonePlayerDeps) {
    this.#deps = deps;
    this.#timers = deps.timers ?? realTimers;
  }

  /** Whether the context exists (made during a gesture). */
  get unlocked(): boolean {
    return this.#ctx !== null;
  }

  /**
   * Makes the AudioContext; call it from a gesture (click, key). Returns
   * whether there is one now. A tone asked for before starts at once.
   */
  unlock(): boolean {
    if (this.#ctx) return true;
    try {
      this.#ctx = this.#deps.createContext();
    } catch {
      return false;
    }
    // Started within the gesture (some browsers make it suspended even
    // then, and Safari frees a context to play only once it has started).
    quietly(this.#ctx.resume());
    if (this.#wanted) this.#start(TONES[this.#wanted]);
    else this.#rest();
    return true;
  }

  /**
   * Plays `name` (null: silence), stopping any other tone. Asking for the
   * tone already playing changes nothing, so it can follow every change of
   * the call.
   */
  play(name: ToneName | null): void {
    if (name === this.#wanted) return;
    this.#stop();
    this.#wanted = name;
    if (name && this.#ctx) this.#start(TONES[name]);
  }

  /** Stops the tone, clears the timers and closes the context. */
  dispose(): void {
    this.play(null);
    this.#timers.clearTimeout(this.#restTimer);
    quietly(this.#ctx?.close());
    this.#ctx = null;
    this.#spent = [];
  }

  #start(pattern: TonePattern): void {
    const ctx = this.#ctx!;
    quietly(ctx.resume());
    const gain = ctx.createGain();
    gain.gain.value = 0;
    gain.connect(ctx.destination);
    const oscillators = pattern.hz.map((hz) => {
      const osc = ctx.createOscillator();
      osc.frequency.value = hz;
      osc.connect(gain);
      osc.start();
      return osc;
    });
    this.#voice = { gain, oscillators };
    const cycleS = pattern.cadence.reduce((a, b) => a + b, 0) / 1000;
    let next = 0;
    const tick = () => {
      // Late timers (or a context still waking) push the cycle back
      // rather than cramming bursts into the past.
      const at = Math.max(next, ctx.currentTime + LEAD_S);
      burst(gain.gain, pattern, at);
      next = at + cycleS;
      this.#cycleTimer = this.#timers.setTimeout(
        tick,
        Math.max(0, next - ctx.currentTime - AHEAD_S) * 1000,
      );
    };
    tick();
  }

  #stop(): void {
    this.#timers.clearTimeout(this.#cycleTimer);
    const voice = this.#voice;
    const ctx = this.#ctx;
    this.#voice = null;
    if (!voice || !ctx) return;
    // A quick fade from wherever the cadence was, then the oscillators end.
    const now = ctx.currentTime;
    voice.gain.gain.cancelScheduledValues(now);
    voice.gain.gain.setTargetAtTime(0, now, RAMP_S / 3);
    for (const osc of voice.oscillators) osc.stop(now + RAMP_S * 3);
    this.#spent.push(voice);
    this.#rest();
  }

  /** Soon: disconnects spent voices and, with nothing playing, suspends. */
  #rest(): void {
    this.#timers.clearTimeout(this.#restTimer);
    this.#restTimer = this.#timers.setTimeout(() => {
      for (const v of this.#spent.splice(0)) v.gain.disconnect();
      if (!this.#voice) quietly(this.#ctx?.suspend());
    }, REST_MS);
  }
}

/** Schedules one cycle of `pattern`'s cadence on `gain` from time `at`. */
function burst(gain: AudioParamLike, pattern: TonePattern, at: number): void {
  let t = at;
  pattern.cadence.forEach((ms, i) => {
    const end = t + ms / 1000;
    if (i % 2 === 0) {
      gain.setValueAtTime(0, t);
      gain.linearRampToValueAtTime(pattern.level, t + RAMP_S);
      gain.setValueAtTime(pattern.level, end - RAMP_S);
      gain.linearRampToValueAtTime(0, end);
    }
    t = end;
  });
}
