/**
 * A `Session` wired to the fakes in `fakes.ts`, with the shared signals reset,
 * for session-level tests.
 */
import { Session, type SessionOptions } from "../../client/session.ts";
import {
  chat,
  me,
  nameError,
  notices,
  quality,
  users,
} from "../../client/state.ts";
import {
  FakeClock,
  fakeGetUserMedia,
  FakePeerConnection,
  FakeSocket,
  FakeStream,
} from "./fakes.ts";

/**
 * Resets the module-level signals and fake registries (they outlive a test),
 * then builds a session in room `r` on a fake clock. `extra` adds or
 * overrides options such as `storage`.
 */
export function fakeSession(
  clock = new FakeClock(),
  extra: Partial<SessionOptions> = {},
) {
  FakeSocket.instances = [];
  FakePeerConnection.instances = [];
  me.value = null;
  users.value = [];
  chat.value = [];
  notices.value = [];
  nameError.value = null;
  quality.value = null;
  const session = new Session({
    room: "r",
    timers: clock,
    signaling: {
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
  return { session, clock, socket };
}
