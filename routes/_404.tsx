import { define } from "../define.ts";

export default define.page(function NotFound() {
  return (
    <main class="notice-page">
      <h1>Page not found</h1>
      <p>
        There is nothing here. <a href="/">Go to the lobby</a> or open a room as
        {" "}
        <code>/r/room-name</code> (letters, digits, <code>-</code> and{" "}
        <code>_</code>).
      </p>
    </main>
  );
});
