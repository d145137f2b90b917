import assert from "node:assert/strict";
import { CALL_PHASES, type CallPhase } from "../../client/call/snapshot.ts";
import {
  loadRingtoneOn,
  RINGTONE_KEY,
  saveRingtoneOn,
  toneFor,
  type ToneName,
  TONES,
} from "../../client/ringing_tone.ts";
import { fakeSession } from "./fake_session.ts";
import { MemoryStore } from "./fakes.ts";

const PHASES = CALL_PHASES;
const DIRECTIONS = ["outgoing", "incoming", null] as const;
type Call = Parameters<typeof toneFor>[0];

/**
 * The rows that sound; every other phase × direction × setting × call id
 * is silent. Outgoing rings back only once the server named the call (it
 * rings); while dialing (no id yet) a refusal would make a blip.
 */
function expected(
  phase: CallPhase,
  direction: string | null,
  ringtone: boolean,
  named: boolean,
): ToneName | null {
  if (phase === "incoming" && direction === "incoming" && ringtone) {
    return "ringtone";
  }
  if (phase === "outgoing" && direction === "outgoing" && named) {
    return "ringback";
  }
  return null;
}

Deno.test("toneFor: ringtone while it rings us (unless silenced), ringback while it rings them, else nothing", () => {
  let rows = 0;
  for (const phase of PHASES) {
    for (const direction of DIRECTIONS) {
      for (const ringtone of [true, false]) {
        for (const named of [true, false]) {
          const callId = named ? "c1" : null;
          assert.equal(
            toneFor({ phase, direction, callId }, { ringtone }),
            expected(phase, direction, ringtone, named),
            `${phase} ${direction} ringtone=${ringtone} callId=${callId}`,
          );
          rows++;
        }
      }
    }
  }
  assert.equal(rows, 72);
  // The table above is not vacuous: each tone is reached, and the
  // setting silences the ringtone only.
  const ringing = { phase: "incoming", direction: "incoming", callId: "c" };
  const calling = { phase: "outgoing", direction: "outgoing", callId: "c" };
  assert.equal(toneFor(ringing as Call, { ringtone: true }), "ringtone");
  assert.equal(toneFor(ringing as Call, { ringtone: false }), null);
  assert.equal(toneFor(calling as Call, { ringtone: false }), "ringback");
});

Deno.test("the tones as data: ringback 425 Hz 1 s on 4 s off; ringtone a two-tone double ring every 3 s", () => {
  assert.deepEqual(TONES.ringback.hz, [425]);
  assert.deepEqual(TONES.ringback.cadence, [1000, 4000]);
  assert.deepEqual(TONES.ringtone.hz, [1000, 1025]);
  assert.deepEqual(TONES.ringtone.cadence, [400, 200, 400, 2000]);
  for (const tone of Object.values(TONES)) {
    assert.equal(tone.cadence.length % 2, 0, "ends with a pause");
    assert.ok(tone.level * tone.hz.length < 1, "never clips");
  }
});

Deno.test("the ringtone setting: on by default, remembered, storage trouble reads as on", () => {
  const store = new MemoryStore();
  assert.equal(loadRingtoneOn(store), true);
  assert.equal(loadRingtoneOn(null), true);
  saveRingtoneOn(store, false);
  assert.equal(store.getItem(RINGTONE_KEY), "off");
  assert.equal(loadRingtoneOn(store), false);
  saveRingtoneOn(store, true);
  assert.equal(loadRingtoneOn(store), true);
  const broken = {
    getItem(): string | null {
      throw new Error("denied");
    },
    setItem() {
      throw new Error("denied");
    },
    removeItem() {},
  };
  assert.equal(loadRingtoneOn(broken), true);
  saveRingtoneOn(broken, false);
});

Deno.test("a session reads the ringtone setting at start and setRingtone keeps it", () => {
  const prefs = new MemoryStore();
  saveRingtoneOn(prefs, false);
  const { session, state } = fakeSession(undefined, { prefs });
  assert.equal(state.ringtone.value, false);
  session.setRingtone(true);
  assert.equal(state.ringtone.value, true);
  assert.equal(prefs.getItem(RINGTONE_KEY), "on");
  session.close();
});
