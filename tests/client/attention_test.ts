/**
 * What a ringing call asks of the page (`client/attention.ts`), as a table
 * of phases × visibility × permission, and the I/O behind it with fakes:
 * the title, favicon and vibration come back, the notification is shown
 * and closed through the worker's registration, and a click on it answers
 * only the call it was shown for.
 */
import assert from "node:assert/strict";
import {
  type Attention,
  attentionFor,
  NO_ATTENTION,
  type NotifyPermission,
  type Visibility,
} from "../../client/attention.ts";
import { CALL_PHASES, type CallPhase } from "../../client/call/snapshot.ts";
import {
  DOTTED_FAVICON,
  FaviconDot,
} from "../../client/attention/favicon_dot.ts";
import type {
  RegistrationLike,
  WorkerContainerLike,
} from "../../client/attention/notifier.ts";
import { PROMPT_KEY } from "../../client/attention/permission_prompt.ts";
import {
  TITLE_BLINK_MS,
  TitleBlink,
} from "../../client/attention/title_blink.ts";
import { RING_PATTERN, Vibration } from "../../client/attention/vibration.ts";
import {
  type AttentionDocument,
  watchAttention,
} from "../../client/attention/watch.ts";
import type { Session } from "../../client/session.ts";
import { createSessionState, IDLE_CALL } from "../../client/state.ts";
import { FakeClock, MemoryStore, settle } from "./fakes.ts";

const PHASES = CALL_PHASES;
const PERMISSIONS: NotifyPermission[] = [
  "granted",
  "default",
  "denied",
  "unsupported",
];

function call(phase: CallPhase, audioOnly = false) {
  return { phase, callId: "c1", peer: "Ana", audioOnly };
}

/** The expected cues, written out row by row rather than computed. */
function expected(
  phase: CallPhase,
  visibility: Visibility,
  permission: NotifyPermission,
): Attention {
  if (phase !== "incoming") return NO_ATTENTION;
  if (visibility === "visible") return { ...NO_ATTENTION, vibrate: true };
  return {
    title: "Ana is calling…",
    faviconDot: true,
    vibrate: true,
    notification: permission === "granted"
      ? {
        tag: "parley-call:c1",
        callId: "c1",
        title: "Ana is calling",
        body: "Video call",
      }
      : null,
  };
}

Deno.test("attention: every phase × visibility × permission", () => {
  for (const phase of PHASES) {
    for (const visibility of ["visible", "hidden"] as const) {
      for (const permission of PERMISSIONS) {
        assert.deepEqual(
          attentionFor(call(phase), visibility, permission),
          expected(phase, visibility, permission),
          `${phase} / ${visibility} / ${permission}`,
        );
      }
    }
  }
});

Deno.test("attention: an audio call says so; no call id, no cues", () => {
  const audio = attentionFor(call("incoming", true), "hidden", "granted");
  assert.equal(audio.notification?.body, "Audio call");
  assert.deepEqual(
    attentionFor({ ...call("incoming"), callId: null }, "hidden", "granted"),
    NO_ATTENTION,
  );
  const nameless = attentionFor(
    { ...call("incoming"), peer: null },
    "hidden",
    "default",
  );
  assert.equal(nameless.title, "Someone is calling…");
});

Deno.test("title: alternates every second and comes back as it was", () => {
  const clock = new FakeClock();
  const doc = { title: "Parley" };
  const blink = new TitleBlink(doc, clock);
  blink.set("Ana is calling…");
  assert.equal(doc.title, "Ana is calling…");
  clock.tick(TITLE_BLINK_MS);
  assert.equal(doc.title, "Parley");
  clock.tick(TITLE_BLINK_MS);
  assert.equal(doc.title, "Ana is calling…");
  blink.set(null);
  assert.equal(doc.title, "Parley");
  clock.tick(10 * TITLE_BLINK_MS);
  assert.equal(doc.title, "Parley", "no timer left behind");
  assert.equal(clock.pending, 0);
});

Deno.test("favicon: the dotted variant, then the page's own again", () => {
  const link = { href: "http://x/favicon.svg" };
  const icon = new FaviconDot({ querySelector: () => link });
  icon.set(true);
  icon.set(true);
  assert.equal(link.href, DOTTED_FAVICON);
  icon.dispose();
  assert.equal(link.href, "http://x/favicon.svg");
});

Deno.test("vibration: the pattern each cycle until stopped with 0; none before a gesture", () => {
  const clock = new FakeClock();
  const calls: (number | number[])[] = [];
  const buzz = new Vibration((p) => {
    calls.push(p);
    return true;
  }, clock);
  buzz.set(true);
  clock.tick(RING_PATTERN.reduce((a, b) => a + b, 0));
  buzz.set(false);
  clock.tick(60_000);
  assert.deepEqual(calls, [[...RING_PATTERN], [...RING_PATTERN], 0]);

  const refused: unknown[] = [];
  const early = new Vibration(
    (p) => {
      refused.push(p);
      return false;
    },
    clock,
    () => false,
  );
  early.set(true);
  early.set(false);
  assert.deepEqual(refused, []);
  // Without the API (desktops) nothing happens at all.
  new Vibration(undefined, clock).set(true);
});

/** A document, a worker registration and a session, all fake. */
function fakePage(permission: NotificationPermission = "granted") {
  const clock = new FakeClock();
  const listeners = new Set<() => void>();
  const link = { href: "/favicon.svg" };
  const doc: AttentionDocument & { visibilityState: string } = {
    title: "Parley",
    visibilityState: "visible",
    querySelector: () => link,
    addEventListener: (_t, fn) => listeners.add(fn),
    removeEventListener: (_t, fn) => listeners.delete(fn),
  };
  const shown = new Map<string, { title: string; options: object }>();
  const registration: RegistrationLike = {
    showNotification(title, options) {
      shown.set((options as { tag: string }).tag, { title, options });
      return Promise.resolve();
    },
    getNotifications: ({ tag }) =>
      Promise.resolve(
        shown.has(tag) ? [{ close: () => shown.delete(tag) }] : [],
      ),
  };
  const messageListeners = new Set<(ev: { data: unknown }) => void>();
  let registered = 0;
  const container: WorkerContainerLike = {
    register() {
      registered++;
      return Promise.resolve();
    },
    ready: Promise.resolve(registration),
    addEventListener: (_t, fn) => messageListeners.add(fn),
    removeEventListener: (_t, fn) => messageListeners.delete(fn),
  };
  const state = createSessionState();
  const answered: string[] = [];
  const session = {
    state,
    accept: () => answered.push("accept"),
    decline: () => answered.push("decline"),
  } as unknown as Session;
  const vibrations: unknown[] = [];
  const storage = new MemoryStore();
  let requested = 0;
  const watch = watchAttention(session, {
    doc,
    timers: clock,
    vibrate: (p) => vibrations.push(p) > 0,
    notifications: {
      permission: () => permission,
      request: () => {
        requested++;
        return Promise.resolve(permission = "granted");
      },
      maxActions: 2,
    },
    serviceWorker: container,
    storage,
    pageUrl: () => "http://x/r/team",
  });
  return {
    doc,
    link,
    shown,
    state,
    answered,
    vibrations,
    watch,
    storage,
    registered: () => registered,
    requested: () => requested,
    setHidden(hidden: boolean) {
      doc.visibilityState = hidden ? "hidden" : "visible";
      for (const fn of listeners) fn();
    },
    post(data: unknown) {
      for (const fn of messageListeners) fn({ data });
    },
    ring(callId = "c1") {
      state.call.value = {
        ...IDLE_CALL,
        phase: "incoming",
        callId,
        peer: "Ana",
        direction: "incoming",
      };
    },
  };
}

Deno.test("watch: a hidden page rings with every cue, and all of them stop when the ring ends", async () => {
  const page = fakePage();
  page.setHidden(true);
  page.ring();
  await settle();
  assert.equal(page.doc.title, "Ana is calling…");
  assert.equal(page.link.href, DOTTED_FAVICON);
  assert.deepEqual(page.vibrations, [[...RING_PATTERN]]);
  const n = page.shown.get("parley-call:c1");
  assert.equal(n?.title, "Ana is calling");
  assert.deepEqual(n?.options, {
    body: "Video call",
    tag: "parley-call:c1",
    requireInteraction: true,
    vibrate: [...RING_PATTERN],
    data: { callId: "c1", url: "http://x/r/team" },
    actions: [
      { action: "accept", title: "Accept" },
      { action: "decline", title: "Decline" },
    ],
  });
  assert.equal(page.registered(), 1, "registered once");

  page.state.call.value = { ...page.state.call.value, phase: "ended" };
  await settle();
  assert.equal(page.doc.title, "Parley");
  assert.equal(page.link.href, "/favicon.svg");
  assert.equal(page.vibrations.at(-1), 0);
  assert.equal(page.shown.size, 0, "the notification closed");
  page.watch.dispose();
});

Deno.test("watch: coming back to the page takes the notification, title and dot away", async () => {
  const page = fakePage();
  page.setHidden(true);
  page.ring();
  await settle();
  assert.equal(page.shown.size, 1);
  page.setHidden(false);
  await settle();
  assert.equal(page.shown.size, 0);
  assert.equal(page.doc.title, "Parley");
  assert.equal(page.link.href, "/favicon.svg");
  page.watch.dispose();
});

Deno.test("watch: the notification's Accept and Decline answer only the call still ringing", async () => {
  const page = fakePage();
  page.setHidden(true);
  page.ring("c1");
  await settle();
  page.post({ type: "parley-notification", action: "accept", callId: "old" });
  page.post({ type: "parley-notification", action: "open", callId: "c1" });
  page.post({ type: "other", action: "accept", callId: "c1" });
  assert.deepEqual(page.answered, []);
  page.post({ type: "parley-notification", action: "accept", callId: "c1" });
  assert.deepEqual(page.answered, ["accept"]);
  page.post({ type: "parley-notification", action: "decline", callId: "c1" });
  assert.deepEqual(page.answered, ["accept", "decline"]);
  page.watch.dispose();
});

Deno.test("prompt: only after joining, once; Allow asks the browser, Not now is remembered", async () => {
  const page = fakePage("default");
  const { prompt } = page.watch;
  assert.equal(prompt.shown.value, false, "not before joining");
  page.state.me.value = "bob";
  assert.equal(prompt.shown.value, true);
  await prompt.allow();
  assert.equal(page.requested(), 1);
  assert.equal(prompt.shown.value, false);
  // Permission granted: the worker is registered for the first call.
  await settle();
  assert.equal(page.registered(), 1);
  page.watch.dispose();

  const later = fakePage("default");
  later.state.me.value = "bob";
  later.watch.prompt.notNow();
  assert.equal(later.watch.prompt.shown.value, false);
  assert.equal(later.storage.getItem(PROMPT_KEY), "dismissed");
  later.watch.dispose();
});

Deno.test("prompt: without permission, no notification, but the title and dot still show", async () => {
  const page = fakePage("denied");
  page.state.me.value = "bob";
  assert.equal(page.watch.prompt.shown.value, false, "denied: never asked");
  page.setHidden(true);
  page.ring();
  await settle();
  assert.equal(page.shown.size, 0);
  assert.equal(page.registered(), 0, "no worker for those who said no");
  assert.equal(page.doc.title, "Ana is calling…");
  assert.equal(page.link.href, DOTTED_FAVICON);
  page.watch.dispose();
  assert.equal(page.doc.title, "Parley");
});
