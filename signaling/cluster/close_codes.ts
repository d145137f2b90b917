/** Close codes the cluster uses on sockets it cannot serve right now. */
export const ClusterClose = {
  /** Service Restart: the room moved or its instance went away; reconnect. */
  moved: 1012,
  /** Try Again Later: the shared store is unreachable. */
  unavailable: 1013,
} as const;
