/**
 * The browser entry point for apps whose islands never import
 * `@preact/signals`: hydrates the islands (`hydrate.ts`) without shipping
 * signals (~2.7 KB gzip). A signal prop arrives as an object with the
 * signal's `value`. The builder picks this one or `boot.ts`.
 */
import { start } from "./hydrate.ts";

start();
