/**
 * Test gates. Plain `deno test` grants no permissions: tests that need the
 * network, files or subprocesses are ignored there instead of failing, and
 * `deno task test` (which passes `-A`) runs them all.
 */

/** True when every named permission is already granted (never prompts). */
export function granted(...names: Deno.PermissionName[]): boolean {
  return names.every((name) =>
    Deno.permissions.querySync({ name } as Deno.PermissionDescriptor)
      .state === "granted"
  );
}

/** `ignore` value for a test that needs a real network listener and files. */
export const needsNet = !granted("net", "read", "env");

/** `ignore` value for a test that also starts subprocesses (servers, browsers). */
export const needsRun = !granted("net", "read", "write", "env", "run");

/** `ignore` value for a test that reads and writes files (e.g. a Deno KV file). */
export const needsWrite = !granted("read", "write");

/** Whether a file exists at `path`; false without read permission. */
export function installed(path: string): boolean {
  if (!granted("read")) return false;
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
