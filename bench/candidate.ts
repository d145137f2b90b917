/**
 * The ICE candidate the cluster bench's pairs and the calls generator's
 * calls trickle: one module, so that both load the servers with the same
 * bytes.
 */

/** A server-reflexive candidate as a browser trickles it: ~290 B a signal. */
export const CANDIDATE = JSON.stringify({
  candidate:
    "candidate:1467250027 1 udp 1686052607 198.51.100.23 61094 typ srflx raddr 192.168.0.12 rport 61094 generation 0 ufrag Qx7p network-id 1 network-cost 10",
  sdpMid: "0",
  sdpMLineIndex: 0,
  usernameFragment: "Qx7p",
});
