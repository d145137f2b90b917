import assert from "node:assert/strict";
import { CORNERS, nearestCorner } from "../../client/pip_corner.ts";

Deno.test("the self-view settles in the corner nearest to where it is let go", () => {
  const cases: [number, number, string][] = [
    [10, 10, "top-left"],
    [380, 20, "top-right"],
    [15, 800, "bottom-left"],
    [370, 830, "bottom-right"],
    // Just past the middle counts for the far side.
    [196, 423, "bottom-right"],
    // Dragged out of the area: its nearest edge.
    [-40, -40, "top-left"],
    [900, 2000, "bottom-right"],
  ];
  for (const [x, y, corner] of cases) {
    assert.equal(nearestCorner(x, y, 390, 844), corner, `${x},${y}`);
  }
  assert.deepEqual([...CORNERS].sort(), [
    "bottom-left",
    "bottom-right",
    "top-left",
    "top-right",
  ]);
});
