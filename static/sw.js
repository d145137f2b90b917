/**
 * Parley's service worker, for call notifications only (shown by the page
 * through this worker's registration, `client/attention/notifier.ts`).
 *
 * It has no `fetch` handler on purpose: pages, files and the socket never
 * pass through it, and browsers skip starting it for them.
 */

// A new version takes over at once; it holds no state worth waiting for.
self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("notificationclick", (event) => {
  const done = notificationClicked(event.notification, event.action);
  // A synthetic event (tests) has no lifetime to extend.
  if (event.isTrusted) event.waitUntil(done);
});

/**
 * Closes the notification, focuses the page it came from (not for
 * Decline), and tells every Parley page what was clicked; only the page
 * whose call it is acts on it (it checks the call id).
 */
async function notificationClicked(notification, action) {
  notification.close();
  const { callId, url } = notification.data ?? {};
  const kind = action === "accept" || action === "decline" ? action : "open";
  // Pages that loaded before the worker was active are not controlled by
  // it, but they are the ones to tell.
  const pages = await self.clients.matchAll({
    type: "window",
    includeUncontrolled: true,
  });
  if (kind !== "decline") {
    const page = pages.find((p) => p.url === url) ?? pages[0];
    // Allowed only during the click itself; a refusal leaves the message.
    await page?.focus().catch(() => {});
  }
  for (const page of pages) {
    page.postMessage({ type: "parley-notification", action: kind, callId });
  }
}
