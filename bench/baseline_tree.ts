/**
 * An older revision of Parley checked out next to this one, built and ready
 * to serve, so a benchmark can measure it side by side with the current
 * tree in the same run (`git worktree add --detach` into a temporary
 * directory, `deno task build` there, and `git worktree remove --force`
 * afterwards).
 */

/** The checkout this bench runs from; git commands run here. */
const REPO = new URL("../", import.meta.url);

/** A built checkout of a baseline revision. */
export interface BaselineTree {
  /** The revision as asked for (e.g. `8909d30`). */
  rev: string;
  /** The full commit it names. */
  commit: string;
  /** The checkout's directory (a temporary git worktree). */
  root: string;
  /** Removes the worktree and its directory; safe to call twice. */
  remove(): Promise<void>;
}

/** Runs `cmd` in `cwd`; fails with its output if it exits non-zero. */
async function run(cmd: string, args: string[], cwd: string | URL) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${err || text}`);
  }
  return text;
}

/** The full commit `rev` names; fails early on a revision git does not know. */
export function resolveCommit(rev: string): Promise<string> {
  return run("git", ["rev-parse", "--verify", `${rev}^{commit}`], REPO);
}

/**
 * Checks `rev` out into a fresh temporary worktree and builds it there:
 * the build writes `_fresh/` inside that checkout, which its `main.ts`
 * serves, so the two revisions never share build output.
 */
export async function checkoutBaseline(
  rev: string,
  log: (line: string) => void = () => {},
): Promise<BaselineTree> {
  const commit = await resolveCommit(rev);
  const root = await Deno.makeTempDir({ prefix: "parley-baseline-" });
  let removed = false;
  const tree: BaselineTree = {
    rev,
    commit,
    root,
    async remove() {
      if (removed) return;
      removed = true;
      await removeWorktree(root, log);
    },
  };
  try {
    // --detach: no branch is created, so nothing is left in the repository's
    // refs once the worktree is gone.
    await run("git", ["worktree", "add", "--detach", root, commit], REPO);
    log(`baseline ${rev} checked out in ${root}; building`);
    await run(Deno.execPath(), ["task", "build"], root);
  } catch (error) {
    await tree.remove();
    throw error;
  }
  return tree;
}

/**
 * `git worktree remove --force` (which also deletes the untracked `_fresh/`).
 * Should that fail, the directory is deleted and the failure logged rather
 * than thrown, so it does not hide the bench's own result or error; git's
 * stale record then goes with the next `git worktree prune` (not run here:
 * it prunes every stale worktree of the repository, not just this one).
 */
async function removeWorktree(root: string, log: (line: string) => void) {
  try {
    await run("git", ["worktree", "remove", "--force", root], REPO);
  } catch (error) {
    await Deno.remove(root, { recursive: true }).catch(() => {});
    log(`could not remove the worktree ${root}: ${error}`);
  }
}
