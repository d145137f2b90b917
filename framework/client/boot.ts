/**
 * The browser entry point: hydrates the islands (`hydrate.ts`), turning
 * signal props back into signals. Loaded as `<script type="module">` only
 * on pages that render islands.
 */
// Imported statically on purpose: boot and islands then reach the same set
// of modules (preact, hooks, signals, JSX runtime), so esbuild puts them in
// ONE shared chunk, which gzips smaller than the two or three chunks it
// otherwise makes.
import { signal } from "@preact/signals";
import { start } from "./hydrate.ts";

start(signal);
