/**
 * A live microphone level for the pre-call check: an `AnalyserNode` on the
 * microphone's track, read about 15 times a second, its loudness turned
 * into a 0..1 level a meter can show. The math is pure (`rmsOf`,
 * `levelOf`, `smoothLevel`); `startLevelMeter` owns the audio graph and the
 * timer and releases both in `stop()`.
 */

/** The part of an `AnalyserNode` the meter reads. */
export interface AnalyserLike {
  fftSize: number;
  getFloatTimeDomainData(buffer: Float32Array<ArrayBuffer>): void;
  disconnect(): void;
}

/** The part of a `MediaStreamAudioSourceNode` the meter wires. */
export interface AudioSourceLike {
  connect(node: unknown): unknown;
  disconnect(): void;
}

/** The part of an `AudioContext` the meter uses. */
export interface AudioContextLike {
  readonly state?: string;
  createMediaStreamSource(stream: MediaStream): AudioSourceLike;
  createAnalyser(): AnalyserLike;
  resume?(): Promise<void>;
  close(): Promise<void>;
}

/** Root mean square of samples in -1..1 (0 for none). */
export function rmsOf(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return Math.sqrt(sum / samples.length);
}

/** Quietest level that still lights the meter, in dBFS. */
const FLOOR_DB = -60;

/**
 * A level 0..1 for an RMS: decibels from {@link FLOOR_DB} (0) to full
 * scale (1). Linear RMS would leave speech (about 0.01–0.1) a sliver at the
 * bottom of the meter; ears, and so people, judge loudness in decibels.
 */
export function levelOf(rms: number): number {
  if (!(rms > 0)) return 0;
  const db = 20 * Math.log10(rms);
  return Math.min(1, Math.max(0, (db - FLOOR_DB) / -FLOOR_DB));
}

/** Share of the previous level kept per reading while the sound fades. */
const RELEASE = 0.75;

/**
 * The next shown level: up at once, down gradually, so that a short sound
 * (a consonant, a click) is seen rather than lost between two readings.
 */
export function smoothLevel(previous: number, next: number): number {
  if (next >= previous) return next;
  const eased = previous * RELEASE + next * (1 - RELEASE);
  // Let it reach zero instead of creeping towards it for ever.
  return eased < 0.01 ? 0 : eased;
}

/** What {@link startLevelMeter} needs. */
export interface LevelMeterOptions {
  /** The microphone's track; the meter never stops it. */
  track: MediaStreamTrack;
  /** Makes the AudioContext the meter owns (and closes). */
  createContext: () => AudioContextLike;
  /** Gets each smoothed level, 0..1. */
  onLevel: (level: number) => void;
  /** Time between readings; about 15 a second by default. */
  intervalMs?: number;
  /** A stream holding just `track`, as the audio graph takes streams. */
  streamOf?: (track: MediaStreamTrack) => MediaStream;
}

/** A running meter. */
export interface LevelMeter {
  /** Stops reading, disconnects the graph and closes its AudioContext. */
  stop(): void;
}

/**
 * Starts reading the level of `track`. A timer rather than animation
 * frames: frames stop in a hidden tab and run at the screen's rate, while
 * a meter needs neither more than ~15 readings a second nor to stall.
 */
export function startLevelMeter(options: LevelMeterOptions): LevelMeter {
  const ctx = options.createContext();
  const streamOf = options.streamOf ?? ((t) => new MediaStream([t]));
  const source = ctx.createMediaStreamSource(streamOf(options.track));
  const analyser = ctx.createAnalyser();
  // 2048 samples is ~43 ms at 48 kHz: long enough to catch a short sound
  // between two readings 66 ms apart, short enough to follow speech.
  analyser.fftSize = 2048;
  source.connect(analyser);
  // Opened after a click, so the browser should let it run. Firefox at
  // times leaves a new context suspended all the same (seen headless, with
  // its audio output still starting): asking again each second gets it
  // going.
  const wake = () => {
    if (ctx.state === "suspended") ctx.resume?.().catch(() => {});
  };
  wake();
  const buffer = new Float32Array(analyser.fftSize);
  let level = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    if (++ticks % 15 === 0) wake();
    analyser.getFloatTimeDomainData(buffer);
    level = smoothLevel(level, levelOf(rmsOf(buffer)));
    options.onLevel(level);
  }, options.intervalMs ?? 66);
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      source.disconnect();
      analyser.disconnect();
      ctx.close().catch(() => {});
    },
  };
}
