/**
 * Names as people write them, and no look-alikes: one table, run through
 * the server's rules (the relay core, with nothing in front of it) and
 * through the page (a session that sends the name to that same relay core
 * and shows what comes back: the server is the one judge of names).
 */
import assert from "node:assert/strict";
import type { Session } from "../../client/session.ts";
import {
  checkName,
  nameKey,
  normalizeName,
  uniqueName,
} from "../../signaling/names.ts";
import { cleanChatText, isRejection } from "../../signaling/protocol.ts";
import {
  describeCharacter,
  graphemeCount,
  MAX_NAME_UNITS,
  neutralizeText,
} from "../../signaling/text_rules.ts";
import { fakeSession } from "../client/fake_session.ts";
import { type Frame, Harness } from "./harness.ts";

/** Who is in the room before each row logs in. */
const PRESENT = ["alice", "admin"];

type Row =
  /** Taken as `as` (the NFC, trimmed form), not renamed for a clash. */
  | { name: string; accepted: string }
  /** Looks like `of`, who is present: the name cannot be a second `of`. */
  | { name: string; duplicateOf: string }
  /** Refused; the message matches. */
  | { name: string; refused: RegExp };

const TABLE: Row[] = [
  // Look-alikes of the names present.
  { name: "\u0430lice", duplicateOf: "alice" }, // Cyrillic а
  { name: "ALICE", duplicateOf: "alice" },
  { name: "Alice", duplicateOf: "alice" },
  { name: "\uff41\uff4c\uff49\uff43\uff45", duplicateOf: "alice" }, // fullwidth
  { name: "a1ice", duplicateOf: "alice" },
  { name: "al\u0456ce", duplicateOf: "alice" }, // Cyrillic і
  { name: "\u0430dmin", duplicateOf: "admin" },
  { name: "adm\u0456n", duplicateOf: "admin" },
  { name: "ADMIN", duplicateOf: "admin" },
  { name: "\u0251dmin", duplicateOf: "admin" }, // Latin alpha
  // Invisible characters, each named in the refusal.
  { name: "alice\u3164", refused: /U\+3164 HANGUL FILLER is invisible/ },
  { name: "admin\u3164", refused: /U\+3164 HANGUL FILLER is invisible/ },
  {
    name: "alice\u115F",
    refused: /U\+115F HANGUL CHOSEONG FILLER is invisible/,
  },
  {
    name: "alice\u1160",
    refused: /U\+1160 HANGUL JUNGSEONG FILLER is invisible/,
  },
  {
    name: "alice\uFFA0",
    refused: /U\+FFA0 HALFWIDTH HANGUL FILLER is invisible/,
  },
  {
    name: "alice\u2800",
    refused: /U\+2800 BRAILLE PATTERN BLANK is invisible/,
  },
  {
    name: "alice\u034F",
    refused: /U\+034F COMBINING GRAPHEME JOINER is invisible/,
  },
  {
    name: "alice\uFE0F",
    refused: /U\+FE0F VARIATION SELECTOR-16 is invisible outside an emoji/,
  },
  {
    name: "ali\u200Dce",
    refused: /U\+200D ZERO WIDTH JOINER is invisible outside an emoji/,
  },
  { name: "al\u200Bice", refused: /U\+200B ZERO WIDTH SPACE is invisible/ },
  {
    name: "al\u200Cice",
    refused: /U\+200C ZERO WIDTH NON-JOINER is invisible/,
  },
  { name: "alice\u2060", refused: /U\+2060 WORD JOINER is invisible/ },
  {
    name: "alice\uFEFF",
    refused: /U\+FEFF ZERO WIDTH NO-BREAK SPACE is invisible/,
  },
  { name: "ali\u00ADce", refused: /U\+00AD SOFT HYPHEN is invisible/ },
  // Direction controls.
  {
    name: "\u202Eecila",
    refused: /U\+202E RIGHT-TO-LEFT OVERRIDE changes the direction/,
  },
  {
    name: "alice\u2066x",
    refused: /U\+2066 LEFT-TO-RIGHT ISOLATE changes the direction/,
  },
  {
    name: "alice\u200F",
    refused: /U\+200F RIGHT-TO-LEFT MARK changes the direction/,
  },
  {
    name: "alice\u061C",
    refused: /U\+061C ARABIC LETTER MARK changes the direction/,
  },
  // Controls, separators, private use, lone surrogates.
  { name: "alice\u0007", refused: /U\+0007 is a control character/ },
  { name: "ali\nce", refused: /U\+000A LINE FEED is a control character/ },
  { name: "alice\u2028", refused: /U\+2028 LINE SEPARATOR breaks the line/ },
  { name: "alice\uE000", refused: /U\+E000 is a private-use character/ },
  { name: "alice\uD800", refused: /U\+D800 is half of a character/ },
  // Length in characters as people count them.
  { name: "x".repeat(33), refused: /at most 32 characters/ },
  { name: "\u{1F44D}\u{1F3FD}".repeat(33), refused: /at most 32 characters/ },
  { name: "x".repeat(MAX_NAME_UNITS + 1), refused: /at most 32 characters/ },
  { name: "   ", refused: /enter a name/ },
  // Emoji sequences.
  {
    name: "\u{1F469}\u{1F3FD}\u200D\u{1F4BB} Zo\u00EB",
    accepted: "\u{1F469}\u{1F3FD}\u200D\u{1F4BB} Zo\u00EB",
  }, // 👩🏽‍💻 Zoë
  {
    name: "\u{1F3F3}\uFE0F\u200D\u{1F308} Sam",
    accepted: "\u{1F3F3}\uFE0F\u200D\u{1F308} Sam",
  }, // 🏳️‍🌈 Sam
  {
    name: "\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466} Family",
    accepted: "\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466} Family",
  }, // 👨‍👩‍👧‍👦 Family
  { name: "1\uFE0F\u20E3 Ana", accepted: "1\uFE0F\u20E3 Ana" }, // 1️⃣ Ana
  { name: "\u{1F1EF}\u{1F1F5} Yuki", accepted: "\u{1F1EF}\u{1F1F5} Yuki" }, // 🇯🇵
  { name: "\u2764\uFE0F Lee", accepted: "\u2764\uFE0F Lee" }, // ❤️ Lee
  {
    name:
      "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} Iain",
    accepted:
      "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} Iain",
  }, // 🏴󠁧󠁢󠁳󠁣󠁴󠁿 (Scotland)
  {
    name: "\u{1F9D1}\u{1F3FF}\u200D\u{1F91D}\u200D\u{1F9D1}\u{1F3FB} Pat",
    accepted: "\u{1F9D1}\u{1F3FF}\u200D\u{1F91D}\u200D\u{1F9D1}\u{1F3FB} Pat",
  }, // 🧑🏿‍🤝‍🧑🏻
  {
    name: "\u{1F469}\u{1F3FD}\u200D\u{1F4BB}".repeat(32),
    accepted: "\u{1F469}\u{1F3FD}\u200D\u{1F4BB}".repeat(32),
  },
  // Scripts and accents.
  { name: "\u0645\u062D\u0645\u062F", accepted: "\u0645\u062D\u0645\u062F" }, // محمد
  {
    name: "\u0639\u0644\u06CC\u200C\u0631\u0636\u0627",
    accepted: "\u0639\u0644\u06CC\u200C\u0631\u0636\u0627",
  }, // علی‌رضا: Persian writes ZWNJ between letters
  {
    name: "\u05D3\u05D5\u05D3 \u05DB\u05D4\u05DF",
    accepted: "\u05D3\u05D5\u05D3 \u05DB\u05D4\u05DF",
  }, // דוד כהן
  {
    name: "\u5C71\u7530\u3000\u592A\u90CE",
    accepted: "\u5C71\u7530\u3000\u592A\u90CE",
  }, // 山田, ideographic space, 太郎
  { name: "\uAE40\uBBFC\uC900", accepted: "\uAE40\uBBFC\uC900" }, // 김민준
  { name: "  Zoe\u0301 ", accepted: "Zo\u00E9" }, // combining accent, NFC
  {
    name: "Nguye\u0302\u0303n Va\u0306n An",
    accepted: "Nguy\u1EC5n V\u0103n An",
  },
  {
    name: "\u0905\u0928\u0928\u094D\u092F\u093E",
    accepted: "\u0905\u0928\u0928\u094D\u092F\u093E",
  }, // अनन्या
  {
    name: "\u041E\u043B\u044C\u0433\u0430",
    accepted: "\u041E\u043B\u044C\u0433\u0430",
  }, // Ольга
];

function label(row: Row): string {
  return JSON.stringify(row.name).slice(0, 60);
}

/** A relay with {@linkcode PRESENT} logged in. */
function roomWithPresent(): Harness {
  const h = new Harness();
  h.users(PRESENT);
  return h;
}

Deno.test("the server refuses every look-alike as a duplicate, every invisible or direction character by name, and takes emoji and every script", () => {
  for (const row of TABLE) {
    const h = roomWithPresent();
    const reply = h.login(row.name).frames()[0];
    if ("refused" in row) {
      assert.equal(reply.type, "error", label(row));
      assert.equal(reply.code, "bad-name", label(row));
      assert.match(reply.message, row.refused, label(row));
      // The same sentence the shared rule gives, then what to do in general.
      const verdict = checkName(row.name);
      assert.ok(!verdict.ok && reply.message.startsWith(verdict.problem));
    } else if ("duplicateOf" in row) {
      assert.equal(reply.type, "welcome", label(row));
      assert.equal(reply.renamed, true, label(row));
      assert.notEqual(nameKey(reply.name), nameKey(row.duplicateOf));
      assert.equal(nameKey(row.name), nameKey(row.duplicateOf), label(row));
    } else {
      assert.equal(reply.type, "welcome", label(row));
      assert.equal(reply.name, row.accepted, label(row));
      assert.equal(reply.renamed, row.accepted !== row.name, label(row));
    }
  }
});

/**
 * The page's path for one row: what the session sends goes to a relay core
 * with {@linkcode PRESENT} in the room, whose answer comes back to the page.
 */
function throughThePage(name: string): {
  accepted: boolean;
  sent: Frame[];
  session: Session;
} {
  const { session, socket } = fakeSession();
  const accepted = session.join(name);
  if (!accepted) return { accepted, sent: [], session };
  socket().open();
  const sent = socket().sent as Frame[];
  // fakeSession's room is "r".
  const h = new Harness();
  h.users(PRESENT, "parley", "r");
  const wire = h.connect("parley", "r");
  for (const frame of sent) wire.send(frame);
  for (const frame of wire.frames()) socket().receive(frame);
  return { accepted, sent, session };
}

Deno.test("the page shows the same table: the server's refusals by the form (a blank name before sending), look-alikes told why they were renamed, emoji and scripts joined as typed", () => {
  for (const row of TABLE) {
    const { accepted, sent, session } = throughThePage(row.name);
    const { me, nameError, notices } = session.state;
    try {
      if ("refused" in row) {
        const blank = row.name.trim() === "";
        assert.equal(accepted, !blank, label(row));
        assert.equal(sent.length, blank ? 0 : 1, label(row));
        assert.match(nameError.value ?? "", row.refused, label(row));
        const verdict = checkName(row.name);
        assert.ok(!verdict.ok && nameError.value!.startsWith(verdict.problem));
        assert.equal(me.value, null, label(row));
      } else if ("duplicateOf" in row) {
        assert.equal(accepted, true, label(row));
        assert.ok(me.value !== null, label(row));
        assert.notEqual(nameKey(me.value!), nameKey(row.duplicateOf));
        const told = notices.value.at(-1)?.text ?? "";
        assert.match(told, /was taken|looks the same as a name in use/);
        assert.ok(told.includes(`“${me.value}”`), told);
      } else {
        assert.equal(accepted, true, label(row));
        assert.equal(me.value, row.accepted, label(row));
        assert.equal(nameError.value, null);
        // Normalised or trimmed by the server is not renamed: no notice.
        assert.deepEqual(notices.value, [], label(row));
      }
    } finally {
      session.close();
    }
  }
});

Deno.test("a name that looks like someone else's is explained as a look-alike, an exact one in any case as taken", () => {
  const lookAlike = throughThePage("\u0430lice").session;
  lookAlike.close();
  assert.equal(
    lookAlike.state.notices.value.at(-1)?.text,
    "“\u0430lice” is taken or looks the same as a name in use, so you are “\u0430lice 2”.",
  );
  const taken = throughThePage("ALICE").session;
  taken.close();
  assert.equal(
    taken.state.notices.value.at(-1)?.text,
    "That name was taken, so you are “ALICE 2”.",
  );
});

Deno.test("a name the server refuses shows its sentence and the status leaves Connecting…", () => {
  const { session, socket, state } = fakeSession();
  const { relayStatus, me, nameError } = state;
  assert.ok(session.join("ann"));
  socket().open();
  assert.equal(relayStatus.value, "connecting");
  // The server's real refusal of another name stands in for one this page
  // could not foresee (a server with newer rules, say).
  const h = new Harness();
  const wire = h.connect("parley", "r");
  wire.send({ type: "login", name: "ann\u3164" });
  socket().receive(wire.one());
  assert.match(nameError.value!, /U\+3164 HANGUL FILLER is invisible/);
  assert.equal(me.value, null);
  assert.equal(relayStatus.value, "connected");
  session.close();
});

Deno.test("keys fold case, ß and confusables, and ignore invisible characters and repeated spaces", () => {
  assert.equal(nameKey("Stra\u00DFe"), nameKey("STRASSE"));
  assert.equal(nameKey("\u212Cob"), nameKey("bob")); // ℬ's prototype is a capital
  assert.equal(nameKey("rn"), nameKey("m"));
  assert.equal(nameKey("ann  lee"), nameKey("ann lee"));
  assert.equal(nameKey("alice\u3164"), nameKey("alice"));
  assert.notEqual(nameKey("Zo\u00EB"), nameKey("Zoe"));
  assert.notEqual(
    nameKey("\u041E\u043B\u044C\u0433\u0430"),
    nameKey("\u0410\u043D\u043D\u0430"),
  );
});

Deno.test("a renamed variant is cut at whole characters, so no emoji loses half of itself", () => {
  const coder = "\u{1F469}\u{1F3FD}\u200D\u{1F4BB}";
  const taken = new Set([nameKey(coder.repeat(32))]);
  const picked = uniqueName(coder.repeat(32), (k) => taken.has(k));
  assert.equal(picked.name, coder.repeat(30) + " 2");
  assert.equal(graphemeCount(picked.name), 32);
  assert.equal(normalizeName(picked.name), picked.name);
});

Deno.test("a refusal names characters without a listed name by code point", () => {
  assert.equal(describeCharacter(0x3164), "U+3164 HANGUL FILLER");
  assert.equal(describeCharacter(0xe0100), "U+E0100 VARIATION SELECTOR-17");
  assert.equal(describeCharacter(0x7), "U+0007");
});

const CHAT_CASES: Array<[string, string]> = [
  ["look \u202Eevil\u202C here", "look evil here"],
  ["\u2066isolated\u2069 text", "isolated text"],
  ["zero\u200Bwidth\u2060 and \u3164 fillers\u2800", "zerowidth and  fillers"],
  ["alice\uFE0F", "alice"],
  [
    "\u{1F469}\u{1F3FD}\u200D\u{1F4BB} and \u{1F3F3}\uFE0F\u200D\u{1F308} stay",
    "\u{1F469}\u{1F3FD}\u200D\u{1F4BB} and \u{1F3F3}\uFE0F\u200D\u{1F308} stay",
  ],
  [
    "\u05E9\u05DC\u05D5\u05DD \u05E2\u05D5\u05DC\u05DD",
    "\u05E9\u05DC\u05D5\u05DD \u05E2\u05D5\u05DC\u05DD",
  ],
  [
    "\u0645\u0631\u062D\u0628\u0627 \u200Fok",
    "\u0645\u0631\u062D\u0628\u0627 \u200Fok",
  ],
  ["tab\tand\nnewline\u0007", "tab\tand\nnewline"],
  ["line\u2028break", "line\nbreak"],
  ["half \uD800 pair", "half \uFFFD pair"],
];

Deno.test("chat loses direction overrides and invisible characters, keeps emoji, right-to-left text and its marks, on the server", () => {
  for (const [text, shown] of CHAT_CASES) {
    assert.equal(neutralizeText(text), shown, JSON.stringify(text));
    assert.equal(cleanChatText(text, 2000), shown.trim(), JSON.stringify(text));
  }
  const blank = cleanChatText("\u3164\u200B\u2800", 2000);
  assert.ok(isRejection(blank) && blank.reject === "bad-message");
});

Deno.test("room chat reaches the others neutralised", () => {
  const h = new Harness();
  const [ann, bob] = h.users(["ann", "bob"]);
  ann.send({ type: "chat", text: "pay \u202Eevil\u202C\u200B now" });
  const got = bob.frames().find((f) => f.type === "chat");
  assert.equal(got?.text, "pay evil now");
});
