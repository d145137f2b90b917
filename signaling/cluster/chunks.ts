/**
 * Splitting a list into runs of a bounded length, for stores that take only
 * so many keys, checks or mutations in one call. Pure.
 */

/** `items` in order, in runs of `size` (the last one shorter); none when empty. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const runs: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    runs.push(items.slice(i, i + size));
  }
  return runs;
}
