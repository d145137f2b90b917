/**
 * The safety number of one peer connection: runs the exchange
 * (`exchange.ts`) over the call's private channel, reads the fingerprints
 * the connection uses, derives the code (`code.ts`) and follows what the
 * two people say of it (`verdict.ts`). The I/O around the two machines.
 */
import type { PeerConnectionLike } from "../peer.ts";
import type { StatsEntry } from "../quality.ts";
import type { SafetyMessage } from "../call/peer_channel.ts";
import {
  commitmentOf,
  fingerprintOfSdp,
  newNonce,
  normalizeFingerprint,
  safetyCode,
} from "./code.ts";
import {
  EXCHANGE_START,
  type ExchangeEffect,
  type ExchangeEvent,
  type ExchangeState,
  stepExchange,
} from "./exchange.ts";
import {
  stepVerdict,
  VERDICT_START,
  type VerdictEffect,
  type VerdictEvent,
  type VerdictState,
} from "./verdict.ts";

/** What a view shows of the safety number. */
export interface SafetyView {
  /** `pending` until there is a code; `failed` when none can be made. */
  status: VerdictState["kind"] | "failed";
  code: string | null;
  /** Why an unconfirmed code is shown: a new person or a changed number. */
  warning: "new" | "changed" | null;
  /** Who said the codes differ. */
  differBy: "me" | "peer" | null;
}

/** What a link's safety number needs from the call. */
export interface SafetyHooks {
  /** The fingerprint verified before under the peer's name, or null. */
  known(): string | null;
  remember(fingerprint: string): void;
  forget(): void;
  /** The view changed. */
  changed(): void;
}

/** The two fingerprints a connection uses, ours first, or null. */
export async function connectionFingerprints(
  pc: PeerConnectionLike,
): Promise<[string, string] | null> {
  // Chromium names the certificates of the DTLS transport it uses;
  // Firefox has no certificate stats, so there the applied descriptions,
  // whose fingerprints the handshake enforced, say it.
  const entries: StatsEntry[] = [];
  try {
    (await pc.getStats?.())?.forEach((e) => entries.push(e));
  } catch {
    // Fall back to the descriptions.
  }
  const byId = new Map(entries.map((e) => [e.id, e]));
  const certificate = (id: unknown) => {
    const c = typeof id === "string" ? byId.get(id) : undefined;
    return c && typeof c.fingerprint === "string" &&
        typeof c.fingerprintAlgorithm === "string"
      ? normalizeFingerprint(c.fingerprintAlgorithm, c.fingerprint)
      : null;
  };
  for (const t of entries) {
    if (t.type !== "transport" || t.dtlsState !== "connected") continue;
    const local = certificate(t.localCertificateId);
    const remote = certificate(t.remoteCertificateId);
    if (local && remote) return [local, remote];
  }
  const local = fingerprintOfSdp(pc.localDescription?.sdp);
  const remote = fingerprintOfSdp(pc.remoteDescription?.sdp);
  return local && remote ? [local, remote] : null;
}

/** One connection's safety number; see the module doc. */
export class LinkSafety {
  #pc: PeerConnectionLike;
  #send: (message: SafetyMessage) => boolean;
  #hooks: SafetyHooks;
  #nonce = newNonce();
  #commit: Promise<string>;
  /** Our commitment once computed; the exchange starts only then. */
  #commitText = "";
  #exchange: ExchangeState = EXCHANGE_START;
  #verdict: VerdictState = VERDICT_START;
  #failed = false;
  #view: SafetyView = toView(VERDICT_START, false);
  #closed = false;
  /** Exchange effects still running (hashing, reading the certificates). */
  #running = new Set<Promise<void>>();

  constructor(
    pc: PeerConnectionLike,
    send: (message: SafetyMessage) => boolean,
    hooks: SafetyHooks,
  ) {
    this.#pc = pc;
    this.#send = send;
    this.#hooks = hooks;
    this.#commit = commitmentOf(this.#nonce);
  }

  /** What a view shows; the same object until something changes. */
  get view(): SafetyView {
    return this.#view;
  }

  /** The channel opened: our commitment goes out once it is ready. */
  async opened(): Promise<void> {
    this.#commitText = await this.#commit;
    this.#onExchange({ kind: "open" });
  }

  /** A safety message from the peer. */
  receive(message: SafetyMessage): void {
    if (message.type === "safety-commit") {
      this.#onExchange({ kind: "peerCommit", commit: message.commit });
    } else if (message.type === "safety-reveal") {
      this.#onExchange({ kind: "peerReveal", nonce: message.nonce });
    } else this.#onVerdict({ kind: "theirs", match: message.match });
  }

  /** Our person says whether the two codes match. */
  say(match: boolean): void {
    this.#onVerdict({ kind: "mine", match });
  }

  /** Nothing is sent or shown any more. */
  close(): void {
    this.#closed = true;
  }

  /**
   * Resolves once the work that what came in so far started is done, and
   * the view shows its outcome: the hashing and the certificates take an
   * unknown number of tasks.
   */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running);
  }

  #onExchange(event: ExchangeEvent): void {
    if (this.#closed) return;
    const { state, effects } = stepExchange(this.#exchange, event);
    this.#exchange = state;
    for (const effect of effects) {
      const running = this.#runExchange(effect);
      this.#running.add(running);
      void running.finally(() => this.#running.delete(running));
    }
  }

  async #runExchange(effect: ExchangeEffect): Promise<void> {
    switch (effect.kind) {
      case "sendCommit":
        // Sent before anything else in the same step (no await before
        // it): the peer fails an exchange whose value comes first.
        this.#send({ type: "safety-commit", commit: this.#commitText });
        return;
      case "sendReveal":
        this.#send({ type: "safety-reveal", nonce: this.#nonce });
        return;
      case "check": {
        const ok = await commitmentOf(effect.nonce) === effect.commit;
        return this.#onExchange({ kind: "checked", ok });
      }
      case "agreed":
        return await this.#derive(effect.peerNonce);
      case "failed":
        console.warn("safety number:", effect.reason);
        return this.#fail();
    }
  }

  async #derive(peerNonce: string): Promise<void> {
    const fingerprints = await connectionFingerprints(this.#pc);
    if (this.#closed) return;
    if (!fingerprints) return this.#fail();
    const [mine, theirs] = fingerprints;
    const code = await safetyCode(
      { fingerprint: mine, nonce: this.#nonce },
      { fingerprint: theirs, nonce: peerNonce },
    );
    this.#onVerdict({
      kind: "code",
      code,
      peerFp: theirs,
      known: this.#hooks.known(),
    });
  }

  #fail(): void {
    if (this.#closed) return;
    this.#failed = true;
    this.#show();
  }

  #onVerdict(event: VerdictEvent): void {
    if (this.#closed) return;
    const { state, effects } = stepVerdict(this.#verdict, event);
    this.#verdict = state;
    for (const effect of effects) this.#runVerdict(effect);
    this.#show();
  }

  #runVerdict(effect: VerdictEffect): void {
    switch (effect.kind) {
      case "tell":
        this.#send({ type: "safety-said", match: effect.match });
        return;
      case "remember":
        return this.#hooks.remember(effect.peerFp);
      case "forget":
        return this.#hooks.forget();
    }
  }

  #show(): void {
    const view = toView(this.#verdict, this.#failed);
    const old = this.#view;
    if (
      view.status === old.status && view.code === old.code &&
      view.warning === old.warning && view.differBy === old.differBy
    ) return;
    this.#view = view;
    this.#hooks.changed();
  }
}

function toView(v: VerdictState, failed: boolean): SafetyView {
  if (failed && v.kind === "pending") {
    return { status: "failed", code: null, warning: null, differBy: null };
  }
  return {
    status: v.kind,
    code: "code" in v ? v.code : null,
    warning: "warning" in v ? v.warning : null,
    differBy: v.kind === "differ" ? v.by : null,
  };
}
