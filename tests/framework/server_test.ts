/**
 * Over real TCP: raw request targets that a `Request` object would have
 * normalised, `ctx.upgrade()` WebSockets and `ctx.info`.
 */
import assert from "node:assert/strict";
import { App, staticFiles } from "fresh";
import { needsRun } from "../helpers/permissions.ts";
import { fakeBuild, FIXTURE } from "./helpers.ts";

async function rawGet(port: number, target: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(
      `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    ),
  );
  // The connection closes after the response (Connection: close).
  return await new Response(conn.readable).text();
}

Deno.test({
  name: "raw traversal targets, WebSocket upgrade and remote address over TCP",
  ignore: needsRun,
  async fn() {
    const buildDir = await Deno.makeTempDir();
    await fakeBuild(buildDir);
    const app = new App({ root: FIXTURE, buildDir })
      .use(staticFiles())
      .get(
        "/whoami",
        (ctx) => new Response((ctx.info.remoteAddr as Deno.NetAddr).hostname),
      )
      .get("/ws", (ctx) => {
        const { socket, response } = ctx.upgrade({ protocol: "json" });
        socket.onmessage = (e) => socket.send(`echo ${e.data}`);
        return response;
      })
      .fsRoutes();
    const server = await app.listen({
      port: 0,
      hostname: "127.0.0.1",
      onListen() {},
    });
    const port = server.addr.port;
    try {
      for (
        const target of [
          "/../secret.txt",
          "/..%2fsecret.txt",
          "/%2e%2e/secret.txt",
          "/%2e%2e%2fsecret.txt",
          "/static/../../secret.txt",
          "/hello.txt/../../secret.txt",
        ]
      ) {
        const reply = await rawGet(port, target);
        assert.ok(!reply.includes("TOP-SECRET"), target);
        assert.match(reply, /^HTTP\/1.1 (404|400)/, target);
      }
      assert.match(
        await rawGet(port, "/hello.txt"),
        /^HTTP\/1.1 200[\s\S]*hello static/,
      );

      const who = await fetch(`http://127.0.0.1:${port}/whoami`);
      assert.equal(await who.text(), "127.0.0.1");

      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, "json");
      const { promise, resolve, reject } = Promise.withResolvers<string>();
      ws.onopen = () => ws.send("hi");
      ws.onmessage = (e) => resolve(e.data);
      ws.onerror = () => reject(new Error("websocket failed"));
      assert.equal(await promise, "echo hi");
      assert.equal(ws.protocol, "json");
      const closed = new Promise((r) => ws.onclose = r);
      ws.close();
      await closed;
    } finally {
      await server.shutdown();
      await Deno.remove(buildDir, { recursive: true });
    }
  },
});
