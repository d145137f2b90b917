/**
 * A session (`createSession`) wired to the fakes in `fakes.ts`, for
 * session-level tests. Each session has its own state, so nothing needs
 * resetting between tests but the fakes' registries.
 */
import { createSession, type SessionOptions } from "../../client/session.ts";
import {
  FakeClock,
  fakeGetUserMedia,
  FakePeerConnection,
  FakeSocket,
  FakeStream,
} from "./fakes.ts";

/**
 * Resets the fake registries (they outlive a test), then builds a session
 * in room `r` on a fake clock. `extra` adds or overrides options such as
 * `storage`. `state` is the session's signals.
 */
export function fakeSession(
  clock = new FakeClock(),
  extra: Partial<SessionOptions> = {},
) {
  FakeSocket.instances = [];
  FakePeerConnection.instances = [];
  const session = createSession({
    room: "r",
    timers: clock,
    relay: {
      url: "ws://x/ws?room=r",
      createSocket: (url, protocols) => new FakeSocket(url, protocols),
      random: () => 0.5,
    },
    call: {
      createPeerConnection: (c) => new FakePeerConnection(c),
      getUserMedia: fakeGetUserMedia(),
      createStream: () => new FakeStream(),
    },
    ...extra,
  });
  const socket = () => FakeSocket.instances.at(-1)!;
  return { session, clock, socket, state: session.state };
}
