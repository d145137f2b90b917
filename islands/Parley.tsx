/**
 * The whole app as one island: header (identity and status), people, call
 * and chat, plus the incoming-call prompt. The parts (`_parts/`) are plain
 * components, not islands, so the page loads one island file; they share
 * state through `client/state.ts`.
 */
/** @jsxRuntime classic */
/** @jsx h */
import { h } from "preact";
import "./_parts/hooks.ts";
import CallView from "./_parts/CallView.tsx";
import Chat from "./_parts/Chat.tsx";
import IncomingCall from "./_parts/IncomingCall.tsx";
import NameForm from "./_parts/NameForm.tsx";
import UserList from "./_parts/UserList.tsx";

/** Props: the room ("" or absent for the lobby). */
export interface ParleyProps {
  room?: string;
}

/** The app layout; see the module doc. */
export default function Parley({ room = "" }: ParleyProps) {
  return (
    <div class="app">
      <header class="app__header">
        <div class="brand">
          <span class="brand__mark" aria-hidden="true">◗</span>
          <span class="brand__name">Parley</span>
          <span class="brand__room" data-testid="room-name">
            {room ? `# ${room}` : "Lobby"}
          </span>
        </div>
        <NameForm room={room} />
      </header>
      <main class="app__main">
        <UserList />
        <CallView />
        <Chat />
      </main>
      <IncomingCall />
    </div>
  );
}
