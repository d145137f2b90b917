/**
 * The whole app as one island: header (identity and status), people, call
 * and chat, plus the incoming-call prompt. Pages may render this alone, or
 * the five islands it is made of separately; both share state through
 * `client/state.ts`.
 */
import CallView from "./CallView.tsx";
import Chat from "./Chat.tsx";
import IncomingCall from "./IncomingCall.tsx";
import NameForm from "./NameForm.tsx";
import UserList from "./UserList.tsx";

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
