/**
 * How the parts reach the page's session: the app island
 * (`islands/Parley.tsx`) provides it through Preact context, so nothing is
 * shared at module level and the server, which has no session, renders the
 * same parts from a fresh idle state.
 */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { SessionActions } from "../../client/session.ts";
import type { SessionState } from "../../client/state.ts";

/** What the parts see: state to draw, actions once a session runs. */
export interface SessionView {
  state: SessionState;
  /** Null on the server and until the session has started. */
  actions: SessionActions | null;
}

/** Provided by the app island; see the module doc. */
export const SessionContext = createContext<SessionView | null>(null);

/** The session the enclosing app island provides. */
export function useSession(): SessionView {
  const view = useContext(SessionContext);
  if (!view) throw new Error("a part rendered outside the Parley island");
  return view;
}
