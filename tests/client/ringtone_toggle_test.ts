import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { h } from "preact";
import NameForm from "../../islands/_parts/NameForm.tsx";
import { SessionContext } from "../../islands/_parts/session_context.ts";
import { createSessionState } from "../../client/state.ts";

function renderHeader(ringtone: boolean, me: string | null = "ann") {
  const state = createSessionState();
  state.me.value = me;
  state.ringtone.value = ringtone;
  return renderToString(
    h(
      SessionContext.Provider,
      { value: { state, actions: null } },
      h(NameForm, {}),
    ),
  );
}

Deno.test("the ringtone toggle sits by the name once joined, with a name and its state in aria-pressed", () => {
  const on = renderHeader(true);
  assert.match(on, /data-testid="ringtone-toggle"/);
  assert.match(on, /aria-label="Ringtone"/);
  assert.match(on, /aria-pressed="true"/);
  assert.match(on, /#bell"/);
  const off = renderHeader(false);
  assert.match(off, /aria-pressed="false"/);
  assert.match(off, /#bell-off"/);
  assert.ok(
    !renderHeader(true, null).includes("ringtone-toggle"),
    "not on the name form",
  );
});
