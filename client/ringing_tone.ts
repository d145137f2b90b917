/**
 * What should sound while a call rings, decided from the call's snapshot
 * alone, and the two tones as data. `tone_player.ts` plays them;
 * `browser_session.ts` ties the two together.
 *
 * The tones follow telephone conventions, so people know them without
 * being told, and differ in every way that matters, so neither is taken
 * for the other:
 * - ringback (the caller hears the other end ringing): 425 Hz, 1 s on, 4 s
 *   off, the values ITU-T E.180 recommends and most of the world's
 *   exchanges use. One low burst every five seconds says "waiting" without
 *   nagging through a long ring.
 * - ringtone (someone calls us): a double ring, 0.4 s on, 0.2 s off, 0.4 s
 *   on, 2 s off (the British telephone's cadence, the one most people
 *   picture as "a phone ringing"), every 3 s. Its two tones, 1000 and
 *   1025 Hz, sound together and beat 25 times a second, like the clapper of
 *   a bell; they sit over an octave above the ringback, where small
 *   speakers are loud and the ear is keen, so it calls for attention.
 */
import type { CallSnapshot } from "./call/snapshot.ts";
import type { KeyValueStore } from "./saved_session.ts";

/** The tones that can sound. */
export type ToneName = "ringtone" | "ringback";

/** A tone as data: what sounds, and when, in a cycle that repeats. */
export interface TonePattern {
  /** Frequencies (Hz) that sound together during every burst. */
  readonly hz: readonly number[];
  /**
   * Milliseconds on, off, on, off… from the start of a cycle; the cycle is
   * their sum and repeats until the tone stops.
   */
  readonly cadence: readonly number[];
  /** Gain of each frequency during a burst (0–1): their sum stays < 1. */
  readonly level: number;
}

/** The two tones; see the module doc for why these. */
export const TONES: Readonly<Record<ToneName, TonePattern>> = {
  ringback: { hz: [425], cadence: [1000, 4000], level: 0.15 },
  ringtone: { hz: [1000, 1025], cadence: [400, 200, 400, 2000], level: 0.2 },
};

/** What the person chose about sound. */
export interface SoundSettings {
  /** Whether an incoming call rings (the caller's ringback always plays). */
  ringtone: boolean;
}

/**
 * The tone `call` asks for: the ringtone while someone rings us (unless
 * the person silenced it), the ringback once the server says the other
 * side rings (not while dialing: a refusal then would be a blip), else
 * none. Everything that ends ringing (accept, decline, cancel, busy, no
 * answer, hang-up) moves the phase on, so the tone stops with it.
 */
export function toneFor(
  call: Pick<CallSnapshot, "phase" | "direction" | "callId">,
  settings: SoundSettings,
): ToneName | null {
  if (call.phase === "incoming" && call.direction === "incoming") {
    return settings.ringtone ? "ringtone" : null;
  }
  if (call.phase === "outgoing" && call.direction === "outgoing") {
    return call.callId !== null ? "ringback" : null;
  }
  return null;
}

/**
 * Where the ringtone setting is kept, in `localStorage`: it is the
 * person's, for every tab and visit, unlike the per-tab session.
 */
export const RINGTONE_KEY = "parley.ringtone";

/** The saved ringtone setting: on unless it was turned off. */
export function loadRingtoneOn(store: KeyValueStore | null): boolean {
  try {
    return store?.getItem(RINGTONE_KEY) !== "off";
  } catch {
    return true;
  }
}

/** Saves the ringtone setting; storage errors only cost the memory of it. */
export function saveRingtoneOn(store: KeyValueStore | null, on: boolean) {
  try {
    store?.setItem(RINGTONE_KEY, on ? "on" : "off");
  } catch {
    // Full or disabled storage: the setting lasts for this page only.
  }
}
