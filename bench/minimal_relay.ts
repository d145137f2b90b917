/**
 * The physical-limit baseline for relay benchmarks: the least a Deno relay
 * can do. `{"type":"login","name"}` claims a name; any other frame is parsed
 * for `target` and forwarded untouched to that name's socket. No validation,
 * limits, rooms or presence.
 *
 * Run: deno run --allow-net=127.0.0.1 bench/minimal_relay.ts [port]
 * Prints `listening <port>` once ready.
 */

import { memoryProbe } from "./memory_probe.ts";

const sockets = new Map<string, WebSocket>();

function handle(req: Request): Response {
  const probe = memoryProbe(req);
  if (probe) return probe;
  const { socket, response } = Deno.upgradeWebSocket(req);
  let name: string | null = null;
  socket.onmessage = (event) => {
    let msg;
    try {
      msg = JSON.parse(event.data);
    } catch {
      return;
    }
    if (msg.type === "login") {
      name = String(msg.name);
      sockets.set(name, socket);
      socket.send('{"type":"welcome"}');
      return;
    }
    const target = sockets.get(msg.target);
    if (target?.readyState === WebSocket.OPEN) target.send(event.data);
  };
  socket.onclose = () => {
    if (name !== null && sockets.get(name) === socket) sockets.delete(name);
  };
  return response;
}

if (import.meta.main) {
  Deno.serve({
    hostname: "127.0.0.1",
    port: Number(Deno.args[0] ?? 0),
    onListen: ({ port }) => console.log(`listening ${port}`),
  }, handle);
}
