import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { coalesceWrites } from "../../signaling/write_coalescing.ts";

/** A real Node stream that records each write it is asked to make. */
function recordingStream() {
  const writes: string[][] = [];
  const stream = new Writable({
    writev(chunks, callback) {
      writes.push(chunks.map((c) => String(c.chunk)));
      callback();
    },
    write(chunk, _encoding, callback) {
      writes.push([String(chunk)]);
      callback();
    },
  });
  return { stream, writes };
}

/** Runs `fn` in a task of its own and waits until its microtasks ran. */
function nextTask(fn: () => void): Promise<void> {
  return new Promise((resolve) =>
    setTimeout(() => {
      fn();
      setTimeout(resolve, 0);
    }, 0)
  );
}

Deno.test("frames written in one task leave the stream in one write", async () => {
  const { stream, writes } = recordingStream();
  const hold = coalesceWrites(stream);
  await nextTask(() => {
    for (const frame of ["a", "b", "c"]) {
      hold();
      stream.write(frame);
    }
  });
  assert.deepEqual(writes, [["a", "b", "c"]]);
});

Deno.test("a writer that corks each frame itself (as ws does) still makes one write", async () => {
  const { stream, writes } = recordingStream();
  const hold = coalesceWrites(stream);
  await nextTask(() => {
    for (const frame of ["head1", "head2"]) {
      hold();
      stream.cork();
      stream.write(frame);
      stream.write(frame + "-payload");
      stream.uncork();
    }
  });
  assert.deepEqual(writes, [[
    "head1",
    "head1-payload",
    "head2",
    "head2-payload",
  ]]);
});

Deno.test("frames of separate tasks are not held for each other", async () => {
  const { stream, writes } = recordingStream();
  const hold = coalesceWrites(stream);
  for (const frame of ["first", "second"]) {
    await nextTask(() => {
      hold();
      stream.write(frame);
    });
    // Written by the end of its own task, before the next one starts.
    assert.equal(writes.at(-1)?.[0], frame);
  }
  assert.equal(writes.length, 2);
});

Deno.test("the socket is corked once per task and uncorked once", () => {
  const calls: string[] = [];
  const releases: (() => void)[] = [];
  const hold = coalesceWrites(
    { cork: () => calls.push("cork"), uncork: () => calls.push("uncork") },
    (release) => releases.push(release),
  );
  hold();
  hold();
  hold();
  assert.deepEqual(calls, ["cork"]);
  assert.equal(releases.length, 1);
  releases[0]();
  hold();
  assert.deepEqual(calls, ["cork", "uncork", "cork"]);
});
