/**
 * Names against a real server over real sockets: a look-alike of a present
 * name does not become a second one, an invisible character is refused by
 * name, and an emoji name joins as typed.
 */
import assert from "node:assert/strict";
import { needsNet } from "../helpers/permissions.ts";
import { nameKey } from "../../signaling/names.ts";
import { parleyUser, startServer, WsClient } from "./ws_helpers.ts";

Deno.test({
  name:
    "with alice logged in, a Cyrillic аlice is renamed, alice with a Hangul filler is refused by name, and an emoji name logs in as typed",
  ignore: needsNet,
}, async () => {
  const server = await startServer();
  const open: WsClient[] = [];
  try {
    const alice = await parleyUser(server.url, "alice");
    open.push(alice.client);
    assert.equal(alice.welcome.name, "alice");

    const lookalike = await parleyUser(server.url, "\u0430lice");
    open.push(lookalike.client);
    assert.equal(lookalike.welcome.renamed, true);
    assert.equal(lookalike.welcome.name, "\u0430lice 2");
    assert.notEqual(nameKey(lookalike.welcome.name), nameKey("alice"));

    const filler = await WsClient.open(server.url, "parley.v1");
    open.push(filler);
    filler.send({ type: "login", name: "alice\u3164" });
    const refused = await filler.next("error");
    assert.equal(refused.code, "bad-name");
    assert.match(refused.message, /U\+3164 HANGUL FILLER is invisible/);

    const zoe = "\u{1F469}\u{1F3FD}\u200D\u{1F4BB} Zo\u00EB";
    const emoji = await parleyUser(server.url, zoe);
    open.push(emoji.client);
    assert.equal(emoji.welcome.name, zoe);
    assert.equal(emoji.welcome.renamed, false);

    // The others see the emoji name whole, and chat from it arrives
    // without the override it carried.
    emoji.client.send({ type: "chat", text: "hi \u202Eereht\u202C" });
    const chat = await alice.client.next("chat");
    assert.equal(chat.from, zoe);
    assert.equal(chat.text, "hi ereht");
  } finally {
    await Promise.all(open.map((c) => c.close()));
    await server.close();
  }
});
