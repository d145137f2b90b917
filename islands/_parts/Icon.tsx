/**
 * An icon from the sprite `static/icons.svg` (symbols `mic`, `mic-off`,
 * `cam`, `cam-off`, `screen`, `hangup`, `phone`, `bell`, `bell-off`,
 * `gear`, `lock`, `people`, `shield`, `shield-check`, …), drawn in the text colour.
 * The paths live in that cached file rather than in the page's JavaScript.
 */

/** The icon `name`, `size` pixels square. */
export function Icon({ name, size }: { name: string; size: number }) {
  return (
    <svg width={size} height={size} fill="currentColor" aria-hidden="true">
      <use href={`/icons.svg#${name}`} />
    </svg>
  );
}
