/**
 * The app's `define` helpers and per-request state, like `utils.ts` in a
 * Fresh 2 project.
 */
import { createDefine } from "fresh";
import type { Signaling } from "./signaling/mod.ts";

/** What middleware puts on `ctx.state` for every request. */
export interface State {
  /** The relay this process serves on `/ws`, for health and metrics. */
  signaling: Signaling;
  /** The bearer token `/metrics` requires; `null`: `/metrics` is off. */
  metricsToken: string | null;
}

export const define = createDefine<State>();
