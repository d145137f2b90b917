/**
 * TURN credentials for a socket whose room runs on another instance: the
 * edge forwards whether the upgrade carried an `Origin`, and the room's
 * instance mints a credential only for such a socket, as for its own. Two
 * instances on one Deno KV file, in this process.
 */
import assert from "node:assert/strict";
import { KvBroker } from "../../../signaling/cluster/kv_broker.ts";
import { granted } from "../../helpers/permissions.ts";
import { startServer, type TestServer, WsClient } from "../ws_helpers.ts";

const TURN = {
  urls: ["turn:turn.test:3478"],
  secret: "coturn-shared-secret",
  ttlSeconds: 600,
};

Deno.test({
  name:
    "a forwarded socket gets a TURN credential only if its upgrade carried an Origin",
  ignore: !granted("net", "read", "write", "env"),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "parley-kv-" });
    const servers: TestServer[] = [];
    const clients: WsClient[] = [];
    const instance = async () => {
      const broker = KvBroker.open({
        kv: await Deno.openKv(`${dir}/cluster.kv`),
        leaseMs: 1000,
        closeKv: true,
      });
      const server = await startServer({ turn: TURN, broker });
      servers.push(server);
      return server;
    };
    const login = async (url: string, name: string, origin?: string) => {
      const client = await WsClient.open(
        `${url}?room=team`,
        "parley.v1",
        origin ? { origin } : undefined,
      );
      clients.push(client);
      client.send({ type: "login", name });
      const welcome = await client.next("welcome");
      client.send({ type: "ice-servers" });
      const again = await client.next("ice-servers");
      return [welcome.iceServers, again.iceServers];
    };
    try {
      const a = await instance();
      const b = await instance();
      // The room starts on `a`: its first user is there.
      const origin = (s: TestServer) => `http://127.0.0.1:${s.port}`;
      for (const list of await login(a.url, "ann", origin(a))) {
        assert.equal(list.length, 1, "the room's own browser user");
      }
      assert.equal(a.signaling.stats().cluster?.ownedRooms, 1);
      for (const list of await login(b.url, "bob", origin(b))) {
        assert.equal(list.length, 1, "a forwarded browser user");
        assert.match(list[0].username, /^\d+:bob$/);
      }
      for (const list of await login(b.url, "bot")) {
        assert.deepEqual(list, [], "a forwarded script");
      }
      assert.ok(b.signaling.stats().cluster!.forwarded >= 2);
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await Promise.all(servers.map((s) => s.close().catch(() => {})));
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
