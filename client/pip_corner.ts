/**
 * Where the floating self-view settles after it is dragged: the corner of
 * the call's area nearest to where it was let go, as phone calling apps do,
 * so it never ends up covering the middle of the other person's face.
 */

/** A corner of the call's area. */
export type Corner = "top-left" | "top-right" | "bottom-left" | "bottom-right";

/** Every corner, for tests and class names. */
export const CORNERS: readonly Corner[] = [
  "top-left",
  "top-right",
  "bottom-left",
  "bottom-right",
];

/**
 * The corner of an area `width` × `height` nearest to the point (`x`, `y`),
 * measured from the area's top left; a point outside the area counts as on
 * its nearest edge.
 */
export function nearestCorner(
  x: number,
  y: number,
  width: number,
  height: number,
): Corner {
  const top = y < height / 2;
  const left = x < width / 2;
  return `${top ? "top" : "bottom"}-${left ? "left" : "right"}`;
}
