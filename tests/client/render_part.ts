/**
 * Server-renders a part of the app island drawing a given session state,
 * as the island does (through the session context, with no actions), so
 * unit tests can read the markup a state gives.
 */
import { renderToString } from "preact-render-to-string";
import { type ComponentChild, h } from "preact";
import { SessionContext } from "../../islands/_parts/session_context.ts";
import type { SessionState } from "../../client/state.ts";

/** The HTML of `node` drawing `state`. */
export function renderPart(node: ComponentChild, state: SessionState): string {
  return renderToString(
    h(SessionContext.Provider, { value: { state, actions: null } }, node),
  );
}
