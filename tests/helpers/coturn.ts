/**
 * A real coturn TURN server on loopback for tests, with `use-auth-secret`
 * so it accepts the short-lived credentials Parley mints.
 */
import { freePort } from "./ports.ts";

/** A running coturn and how to reach and stop it. */
export interface Coturn {
  url: string;
  secret: string;
  realm: string;
  stop(): Promise<void>;
}

/**
 * Starts `turnserver`; resolves once it accepts TCP on its port. (Its log
 * does not reliably say when the listeners are up, and a UDP probe would
 * need Deno's unstable datagram API; the TCP and UDP listeners open together.)
 */
export async function startCoturn(): Promise<Coturn> {
  const dir = await Deno.makeTempDir({ prefix: "parley-turn-" });
  const port = freePort();
  const low = 40_000 + Math.floor(Math.random() * 200) * 100;
  const secret = crypto.randomUUID();
  const realm = "parley.test";
  const log = `${dir}/turn.log`;
  const child = new Deno.Command("turnserver", {
    args: [
      "-n",
      "--listening-ip=127.0.0.1",
      "--relay-ip=127.0.0.1",
      `--listening-port=${port}`,
      `--min-port=${low}`,
      `--max-port=${low + 99}`,
      "--use-auth-secret",
      `--static-auth-secret=${secret}`,
      `--realm=${realm}`,
      "--allow-loopback-peers",
      "--no-cli",
      "--fingerprint",
      "--no-tls",
      "--no-dtls",
      "--no-rfc5780",
      `--log-file=${log}`,
      "--simple-log",
      "--no-stdout-log",
      `--pidfile=${dir}/turn.pid`,
      `--db=${dir}/turndb.sqlite`,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      const probe = await Deno.connect({ hostname: "127.0.0.1", port });
      probe.close();
      return { url: `turn:127.0.0.1:${port}`, secret, realm, stop };
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(
    `coturn did not start listening within 10 s; see ${log}.`,
  );
}
