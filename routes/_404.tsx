import { define } from "../define.ts";

/**
 * Not found: a mistyped address, or a room link cut short in a message.
 * Plain links only (no island), so the page costs no script: back to the
 * lobby, or a new private room.
 */
export default define.page(function NotFound() {
  return (
    <main class="notice-page" data-testid="not-found">
      <div class="notice-page__card">
        <p class="notice-page__brand">
          <span class="brand__mark" aria-hidden="true">◗</span> Parley
        </p>
        <h1 class="notice-page__title">Page not found</h1>
        <p class="notice-page__text">
          There is nothing at this address. If someone sent you a room's link,
          check that it arrived whole: it looks like <code>/r/</code>{" "}
          followed by letters, digits, <code>-</code> and <code>_</code>.
        </p>
        <div class="notice-page__actions">
          <a
            class="button button--primary"
            href="/"
            data-testid="not-found-lobby"
          >
            Go to the lobby
          </a>
          <a class="button" href="/new" data-testid="new-room">
            New private room
          </a>
        </div>
      </div>
    </main>
  );
});
