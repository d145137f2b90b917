/**
 * The relay's handlers on their own: each takes the records and an input
 * and returns its outputs, with no relay, bus or socket behind it.
 */

import assert from "node:assert/strict";
import { CallControl } from "../../signaling/call_control.ts";
import { resolveConfig } from "../../signaling/config.ts";
import { EffectLoop } from "../../signaling/effect_loop.ts";
import { IceServerList } from "../../signaling/ice.ts";
import { RateLimiter } from "../../signaling/limits.ts";
import type { Dialect } from "../../signaling/protocol.ts";
import type {
  Connection,
  Effect,
  Member,
} from "../../signaling/relay_context.ts";
import type { Room } from "../../signaling/rooms.ts";
import { SessionLifecycle } from "../../signaling/session_lifecycle.ts";
import { ManualClock } from "./harness.ts";

const config = resolveConfig({});

/** Call control and sessions over one room map, and nothing else. */
function parts() {
  const clock = new ManualClock();
  const calls = new CallControl(config, clock);
  const rooms = new Map<string, Room<Member>>();
  const sessions = new SessionLifecycle({
    config,
    clock,
    ice: new IceServerList(config.iceServers, config.turn),
    rooms,
    calls,
  });
  let nextId = 1;
  const connect = (dialect: Dialect = "parley"): Connection => ({
    id: nextId++,
    dialect,
    roomName: "",
    address: "198.51.100.7",
    hasOrigin: true,
    limiter: new RateLimiter(100, 100, 1000, 0),
    openedAt: 0,
    member: null,
    errors: 0,
  });
  const login = (name: string, dialect: Dialect = "parley"): Member => {
    const conn = connect(dialect);
    sessions.login(conn, name);
    return conn.member!;
  };
  return { clock, calls, sessions, rooms, connect, login };
}

/** An output in a few words, to compare lists of them. */
function describe(effect: Effect): string {
  switch (effect.kind) {
    case "send":
      return `send ${effect.conn.id} ${JSON.parse(effect.frame).type}`;
    case "deliver":
    case "relay":
      return `${effect.kind} ${effect.to.name} ${
        JSON.parse(effect.frame).type
      }`;
    case "reject":
      return `reject ${effect.code}`;
    case "close":
      return `close ${effect.conn.id} ${effect.code}`;
    case "presence":
      return `presence ${effect.member.name}`;
    case "roster":
      return `roster`;
    case "setTimer":
      return `setTimer ${effect.ms}`;
    case "clearTimer":
      return `clearTimer`;
    case "log":
      return `log ${effect.record.event}`;
    case "then":
      return "then";
  }
}

/** How `call` answers, by the callee's situation. */
const CALL_TABLE: Array<
  [
    string,
    (p: ReturnType<typeof parts>) => [Member, Connection, string],
    string[],
  ]
> = [
  ["a free callee rings", (p) => {
    const ann = p.login("ann");
    p.login("bob");
    return [ann, conn(ann), "bob"];
  }, [
    `setTimer ${config.ringTimeoutMs}`,
    "presence ann",
    "presence bob",
    "log call-start",
    "send 1 ringing",
    "deliver bob incoming",
  ]],
  ["an unknown name is refused", (p) => {
    const ann = p.login("ann");
    return [ann, conn(ann), "zed"];
  }, ["reject unknown-user"]],
  ["calling oneself is refused", (p) => {
    const ann = p.login("ann");
    return [ann, conn(ann), "ann"];
  }, ["reject self-call"]],
  ["a tutorial-dialect callee is incompatible", (p) => {
    const ann = p.login("ann");
    p.login("tut", "tutorial");
    return [ann, conn(ann), "tut"];
  }, ["reject incompatible"]],
  ["a detached callee ends the call at once as reconnecting", (p) => {
    const ann = p.login("ann");
    p.sessions.detach(p.login("bob"));
    return [ann, conn(ann), "bob"];
  }, ["send 1 ended"]],
  ["a callee in a call ends it at once as busy", (p) => {
    const ann = p.login("ann");
    const bob = p.login("bob");
    const cat = p.login("cat");
    p.calls.call(conn(bob), bob, "cat", false);
    assert.ok(cat.call);
    return [ann, conn(ann), "bob"];
  }, ["send 1 ended"]],
];

function conn(member: Member): Connection {
  assert.equal(member.life.state, "live");
  return (member.life as { conn: Connection }).conn;
}

for (const [name, setup, expected] of CALL_TABLE) {
  Deno.test(`call control: ${name}`, () => {
    const p = parts();
    const [me, socket, to] = setup(p);
    const out = p.calls.call(socket, me, to, false);
    assert.deepEqual(out.map(describe), expected);
    assert.equal(p.clock.pending, 0, "a handler sets no timer itself");
  });
}

Deno.test("call control: accept, hangup and a second hangup, as outputs", () => {
  const p = parts();
  const ann = p.login("ann");
  const bob = p.login("bob");
  p.calls.call(conn(ann), ann, "bob", false);
  const id = ann.call!.id;
  assert.deepEqual(p.calls.accept(conn(bob), bob, id).map(describe), [
    "clearTimer",
    "deliver ann accepted",
    "send 2 accepted",
  ]);
  assert.deepEqual(
    p.calls.endByParty(conn(ann), ann, "hangup", id).map(describe),
    [
      "clearTimer",
      "presence ann",
      "presence bob",
      "deliver bob ended",
      "log call-end",
    ],
  );
  assert.deepEqual(
    p.calls.endByParty(conn(ann), ann, "hangup", id).map(describe),
    ["reject no-call"],
  );
  assert.equal(p.calls.active, 0);
});

Deno.test("sessions: a dropped member detaches, then ends with its call peer told peer-left", () => {
  const p = parts();
  const ann = p.login("ann");
  const bob = p.login("bob");
  p.calls.call(conn(ann), ann, "bob", false);
  assert.deepEqual(p.sessions.detach(bob).map(describe), [
    "presence bob",
    `setTimer ${config.resumeGraceMs}`,
    "log detach",
  ]);
  assert.equal(bob.life.state, "detached");
  assert.equal(p.sessions.detached, 1);
  assert.deepEqual(p.sessions.end(bob, "grace-expired").map(describe), [
    "clearTimer",
    "clearTimer",
    "presence ann",
    "presence bob",
    "deliver ann ended",
    "log call-end",
    "roster",
    "log leave",
  ]);
  assert.equal(bob.life.state, "gone");
  assert.deepEqual(
    p.sessions.end(bob, "left"),
    [],
    "ending twice does nothing",
  );
});

Deno.test("sessions: an overflowed outbox makes the session ending, and its end runs after what is queued", () => {
  const p = parts();
  const bob = p.login("bob");
  p.sessions.detach(bob);
  const out = p.sessions.overflow(bob);
  assert.equal(bob.life.state, "ending");
  assert.equal(p.sessions.detached, 0, "no longer resumable");
  assert.deepEqual(out.map(describe), ["clearTimer", "then"]);
  assert.deepEqual(p.sessions.overflow(bob), [], "a live or ending one cannot");
});

Deno.test("the loop applies outputs in order, and an input arriving meanwhile waits its turn", () => {
  const applied: string[] = [];
  const loop: EffectLoop = new EffectLoop((effect) => {
    if (effect.kind === "then") return loop.queue(effect.run());
    if (effect.kind !== "log") return;
    applied.push(effect.record.event);
    if (effect.record.event === "connect") {
      // As a bus that reports a close at once would.
      loop.input(() => [{ kind: "log", record: { event: "disconnect" } }]);
      loop.queue([{ kind: "log", record: { event: "leave" } }]);
    }
  }, (error) => {
    throw error;
  });
  loop.apply([
    { kind: "log", record: { event: "connect" } },
    { kind: "log", record: { event: "login" } },
  ]);
  // The input's handler runs after `login` (the outputs before it), and
  // its own outputs queue behind `leave`, queued before it ran.
  assert.deepEqual(applied, ["connect", "login", "leave", "disconnect"]);
  assert.equal(loop.running, false);
});

Deno.test("the loop goes on after an output that throws, and reports it", () => {
  const errors: unknown[] = [];
  const applied: string[] = [];
  const loop = new EffectLoop((effect) => {
    if (effect.kind !== "log") return;
    if (effect.record.event === "error") throw new Error("boom");
    applied.push(effect.record.event);
  }, (error) => errors.push(error));
  loop.apply([
    { kind: "log", record: { event: "error" } },
    { kind: "log", record: { event: "login" } },
  ]);
  assert.deepEqual(applied, ["login"]);
  assert.equal(errors.length, 1);
});
