import assert from "node:assert/strict";
import { Socket } from "node:net";
import { Writable } from "node:stream";
import { skipRedundantEnds } from "../../signaling/redundant_ends.ts";
import { needsNet } from "../helpers/permissions.ts";
import { parleyUser, startServer, until } from "./ws_helpers.ts";

/** A real Writable that has finished, with its own `end` counted. */
async function finishedStream() {
  const stream = new Writable({ write: (_c, _e, done) => done() });
  stream.end();
  await new Promise((resolve) => stream.once("finish", resolve));
  let reached = 0;
  const end = stream.end;
  stream.end = function (this: Writable, ...args: unknown[]) {
    reached++;
    return (end as (...a: unknown[]) => Writable).apply(this, args);
  } as Writable["end"];
  return { stream, reached: () => reached };
}

Deno.test("end() on a finished stream answers with the stream and builds nothing", async () => {
  const { stream, reached } = await finishedStream();
  skipRedundantEnds(stream);
  assert.equal(stream.end(), stream);
  assert.equal(reached(), 0);
});

Deno.test("end() with a callback still reaches the stream and hears it was finished", async () => {
  const { stream, reached } = await finishedStream();
  skipRedundantEnds(stream);
  const error = await new Promise<Error | null | undefined>((resolve) =>
    stream.end(resolve)
  );
  assert.equal(reached(), 1);
  assert.equal(
    (error as { code?: string })?.code,
    "ERR_STREAM_ALREADY_FINISHED",
  );
});

Deno.test("the first end() of a stream still ends it", async () => {
  const stream = new Writable({ write: (_c, _e, done) => done() });
  skipRedundantEnds(stream);
  stream.write("x");
  stream.end();
  await new Promise((resolve) => stream.once("finish", resolve));
  assert.equal(stream.writableFinished, true);
});

Deno.test({
  name:
    "after a close handshake the server ends each socket and frame parser once, not again",
  ignore: needsNet,
  async fn() {
    // Counts the ends that reach a stream already finished or destroyed,
    // which Node answers by building an error and dropping it.
    const calls = { first: new Set<object>(), redundant: 0 };
    type Ends = { end: (...args: unknown[]) => unknown };
    const spy = (proto: Ends) => {
      const original = proto.end;
      proto.end = function (this: Writable, ...args: unknown[]) {
        if (args.length === 0 && (this.writableFinished || this.destroyed)) {
          calls.redundant++;
        } else calls.first.add(this);
        return original.apply(this, args);
      };
      return () => (proto.end = original);
    };
    const restore = [
      spy(Socket.prototype as unknown as Ends),
      spy(Writable.prototype as unknown as Ends),
    ];
    const server = await startServer();
    try {
      const { client } = await parleyUser(server.url, "ana");
      client.socket.close(1000);
      await client.closed;
      // The server has closed its side too once every stream it ended is.
      const closed = await until(
        () =>
          calls.first.size >= 2 &&
          [...calls.first].every((s) => (s as Writable).closed),
        5000,
      );
      assert.ok(closed, "the server ended and closed its socket and parser");
      assert.equal(calls.redundant, 0);
    } finally {
      restore.forEach((undo) => undo());
      await server.close();
    }
  },
});
