/**
 * The relay core's cost per relayed ICE candidate, without sockets, next to
 * the JSON.parse that any relay (the minimal one included) must pay.
 *
 * Run: deno bench bench/relay_core_bench.ts
 */
import type { Bus } from "../signaling/bus.ts";
import { resolveConfig } from "../signaling/config.ts";
import { Relay } from "../signaling/relay.ts";

const CANDIDATE =
  '{"candidate":"candidate:842163049 1 udp 1677729535 203.0.113.77 51234 typ srflx raddr 192.168.1.10 rport 51234 generation 0 ufrag EbCd network-id 1 network-cost 10","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"EbCd"}';

let callId = "";
let delivered = 0;
const bus: Bus = {
  attach() {},
  detach() {},
  send(_id, frame) {
    if (!callId && frame.includes('"ringing"')) {
      callId = JSON.parse(frame).callId;
    }
    delivered++;
    return true;
  },
  close() {},
};
const relay = new Relay({
  config: resolveConfig({ ratePerSecond: 1e12, rateBurst: 1e12 }),
  bus,
});
relay.open(1, "parley", "");
relay.open(2, "parley", "");
relay.receive(1, '{"type":"login","name":"ann"}');
relay.receive(2, '{"type":"login","name":"bob"}');
relay.receive(1, '{"type":"call","to":"bob"}');
relay.receive(2, JSON.stringify({ type: "accept", callId }));
relay.dispose();
const frame =
  `{"type":"signal","callId":"${callId}","candidate":${CANDIDATE},"t":12345.678}`;

Deno.bench("JSON.parse of a ~300 B candidate frame (every relay pays this)", {
  baseline: true,
}, () => {
  if (JSON.parse(frame).type !== "signal") throw new Error("unreachable");
});

Deno.bench(
  "Parley relay.receive: limits, parse, validate, route, stamp",
  () => {
    relay.receive(1, frame);
  },
);
