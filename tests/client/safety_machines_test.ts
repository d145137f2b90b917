import assert from "node:assert/strict";
import {
  EXCHANGE_START,
  type ExchangeEffect,
  type ExchangeEvent,
  type ExchangeState,
  stepExchange,
} from "../../client/safety/exchange.ts";
import {
  stepVerdict,
  VERDICT_START,
  type VerdictEffect,
  type VerdictEvent,
  type VerdictState,
} from "../../client/safety/verdict.ts";

const C = "c".repeat(43);
const N = "n".repeat(43);

function runExchange(events: ExchangeEvent[]) {
  let state: ExchangeState = EXCHANGE_START;
  const effects: ExchangeEffect["kind"][] = [];
  for (const event of events) {
    const next = stepExchange(state, event);
    state = next.state;
    effects.push(...next.effects.map((e) => e.kind));
  }
  return { state: state.kind, effects };
}

Deno.test("the exchange reveals our value only after holding the peer's commitment", () => {
  const open = { kind: "open" } as const;
  const commit = { kind: "peerCommit", commit: C } as const;
  const reveal = { kind: "peerReveal", nonce: N } as const;
  const ok = { kind: "checked", ok: true } as const;
  const bad = { kind: "checked", ok: false } as const;
  const table: [string, ExchangeEvent[], string, string[]][] = [
    ["we open first", [open], "committed", ["sendCommit"]],
    ["their commitment first", [commit], "waiting", []],
    ["then we open", [commit, open], "revealed", ["sendCommit", "sendReveal"]],
    ["we open, they commit", [open, commit], "revealed", [
      "sendCommit",
      "sendReveal",
    ]],
    ["their value is checked", [open, commit, reveal], "checking", [
      "sendCommit",
      "sendReveal",
      "check",
    ]],
    ["an honest value agrees", [open, commit, reveal, ok], "agreed", [
      "sendCommit",
      "sendReveal",
      "check",
      "agreed",
    ]],
    [
      "a value that is not the committed one fails",
      [
        open,
        commit,
        reveal,
        bad,
      ],
      "failed",
      ["sendCommit", "sendReveal", "check", "failed"],
    ],
    ["a value before any commitment fails", [open, reveal], "failed", [
      "sendCommit",
      "failed",
    ]],
    ["a value before we committed fails", [commit, reveal], "failed", [
      "failed",
    ]],
    ["a second commitment fails", [open, commit, commit], "failed", [
      "sendCommit",
      "sendReveal",
      "failed",
    ]],
    [
      "nothing moves an agreed exchange",
      [
        open,
        commit,
        reveal,
        ok,
        commit,
        reveal,
      ],
      "agreed",
      ["sendCommit", "sendReveal", "check", "agreed"],
    ],
    ["a second open sends nothing", [open, open], "committed", [
      "sendCommit",
    ]],
  ];
  for (const [name, events, state, effects] of table) {
    assert.deepEqual(runExchange(events), { state, effects }, name);
  }
});

Deno.test("the check is made against the commitment the peer sent first", () => {
  let s = stepExchange(EXCHANGE_START, { kind: "peerCommit", commit: C }).state;
  s = stepExchange(s, { kind: "open" }).state;
  const { effects } = stepExchange(s, { kind: "peerReveal", nonce: N });
  assert.deepEqual(effects, [{ kind: "check", nonce: N, commit: C }]);
});

const FP = "sha-256 AA:BB";
const OTHER = "sha-256 CC:DD";
const code = (known: string | null): VerdictEvent => ({
  kind: "code",
  code: "1234 5678 9012",
  peerFp: FP,
  known,
});
const mine = (match: boolean): VerdictEvent => ({ kind: "mine", match });
const theirs = (match: boolean): VerdictEvent => ({ kind: "theirs", match });

function runVerdict(events: VerdictEvent[]) {
  let state: VerdictState = VERDICT_START;
  const effects: string[] = [];
  for (const event of events) {
    const next = stepVerdict(state, event);
    state = next.state;
    effects.push(...next.effects.map(describe));
  }
  const detail = state.kind === "differ"
    ? `:${state.by}`
    : "warning" in state
    ? `:${state.warning}`
    : "";
  return { state: state.kind + detail, effects };
}

function describe(e: VerdictEffect): string {
  return e.kind === "tell" ? `tell:${e.match}` : e.kind;
}

Deno.test("a code is verified when both people say it matches, in either order", () => {
  const table: [string, VerdictEvent[], string, string[]][] = [
    ["a new person", [code(null)], "open:new", []],
    ["a changed number warns", [code(OTHER)], "open:changed", []],
    ["known and the same: verified at once", [code(FP)], "verified", []],
    ["we say match first", [code(null), mine(true)], "mineSaid:new", [
      "tell:true",
    ]],
    ["then they do", [code(null), mine(true), theirs(true)], "verified", [
      "tell:true",
      "remember",
    ]],
    ["they say match first", [code(null), theirs(true)], "theirsSaid:new", []],
    ["then we do", [code(null), theirs(true), mine(true)], "verified", [
      "tell:true",
      "remember",
    ]],
    [
      "they said match before our code was ready",
      [
        theirs(true),
        code(OTHER),
      ],
      "theirsSaid:changed",
      [],
    ],
    ["we say they differ", [code(null), mine(false)], "differ:me", [
      "tell:false",
    ]],
    [
      "they say they differ",
      [code(null), mine(true), theirs(false)],
      "differ:peer",
      [
        "tell:true",
      ],
    ],
    [
      "they said differ before our code was ready",
      [
        theirs(false),
        code(null),
      ],
      "differ:peer",
      [],
    ],
    [
      "a verified browser answers a forgetful peer once",
      [
        code(FP),
        theirs(true),
        theirs(true),
      ],
      "verified",
      ["tell:true"],
    ],
    [
      "a peer who forgot, answered at once",
      [theirs(true), code(FP)],
      "verified",
      [
        "tell:true",
      ],
    ],
    [
      "verified, then we say they differ: forgotten",
      [
        code(FP),
        mine(false),
      ],
      "differ:me",
      ["tell:false", "forget"],
    ],
    [
      "verified, then they say they differ: forgotten",
      [
        code(FP),
        theirs(false),
      ],
      "differ:peer",
      ["forget"],
    ],
    [
      "pressing match twice tells once",
      [
        code(null),
        mine(true),
        mine(true),
      ],
      "mineSaid:new",
      ["tell:true"],
    ],
    ["our answer before a code is ignored", [mine(true)], "pending", []],
    [
      "nothing leaves differ",
      [
        code(null),
        mine(false),
        theirs(true),
        mine(true),
      ],
      "differ:me",
      ["tell:false"],
    ],
  ];
  for (const [name, events, state, effects] of table) {
    assert.deepEqual(runVerdict(events), { state, effects }, name);
  }
});

Deno.test("the fingerprint remembered is the one the code was made with", () => {
  let s = stepVerdict(VERDICT_START, code(null)).state;
  s = stepVerdict(s, mine(true)).state;
  const { effects } = stepVerdict(s, theirs(true));
  assert.deepEqual(effects, [{ kind: "remember", peerFp: FP }]);
});
