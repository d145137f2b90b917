/**
 * Server-renders a part of the app island drawing a given session state,
 * as the island does (through the session context, with no actions), so
 * unit tests can read the markup a state gives.
 */
import assert from "node:assert/strict";
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

/** The opening tag of the first element whose markup has `attribute`. */
export function openingTag(html: string, attribute: string): string {
  const at = html.indexOf(attribute);
  assert.ok(at >= 0, `${attribute} is missing`);
  return html.slice(html.lastIndexOf("<", at), html.indexOf(">", at) + 1);
}
