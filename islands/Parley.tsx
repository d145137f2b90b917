/**
 * The whole app as one island: header (identity and status), people, call
 * and chat, plus the incoming-call prompt. The parts (`_parts/`) are plain
 * components, not islands, so the page loads one island file; they reach
 * the session through context (`_parts/session_context.ts`).
 *
 * This island owns the session: it starts it once, after hydration. The
 * server has none, and the first render in the browser must match the
 * server's markup, so both draw a fresh idle state until then.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { startBrowserSession } from "../client/browser_session.ts";
import type { Session } from "../client/session.ts";
import { createSessionState } from "../client/state.ts";
import CallView from "./_parts/CallView.tsx";
import Chat from "./_parts/Chat.tsx";
import IncomingCall from "./_parts/IncomingCall.tsx";
import NameForm from "./_parts/NameForm.tsx";
import NotifyBanner from "./_parts/NotifyBanner.tsx";
import { ChatSheetHost } from "./_parts/ChatSheet.tsx";
import RoomShare from "./_parts/RoomShare.tsx";
import { SessionContext } from "./_parts/session_context.ts";
import { SettingsHost } from "./_parts/SettingsButton.tsx";
import UserList from "./_parts/UserList.tsx";

/** Props: the room ("" or absent for the lobby). */
export interface ParleyProps {
  room?: string;
}

/** The app layout; see the module doc. */
export default function Parley({ room = "" }: ParleyProps) {
  const [session, setSession] = useState<Session | null>(null);
  // Once per page: the session lives as long as the page (it closes itself
  // on pagehide), so there is nothing to undo here.
  useEffect(() => setSession(startBrowserSession(room)), []);
  const idle = useMemo(() => createSessionState(room), [room]);
  const view = useMemo(
    () => ({ state: session?.state ?? idle, actions: session }),
    [session, idle],
  );
  return (
    <SessionContext.Provider value={view}>
      <SettingsHost>
        <ChatSheetHost>
          <div class="app">
            <header class="app__header">
              <div class="brand-line">
                <h1 class="brand">
                  <span class="brand__mark" aria-hidden="true">◗</span>
                  <span class="brand__name">Parley</span>
                  {room
                    ? <span class="visually-hidden">, private room</span>
                    : (
                      <span class="brand__room" data-testid="room-name">
                        Lobby
                      </span>
                    )}
                </h1>
                {room && <RoomShare room={room} />}
              </div>
              <NameForm />
            </header>
            <NotifyBanner />
            <main class="app__main">
              <UserList />
              <CallView />
              <Chat />
            </main>
            <IncomingCall />
          </div>
        </ChatSheetHost>
      </SettingsHost>
    </SessionContext.Provider>
  );
}
