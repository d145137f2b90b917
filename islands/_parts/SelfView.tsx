/**
 * The floating self-view over the call: our camera (or shared screen), or
 * our initial while the camera is off. It can be dragged with a finger or
 * the mouse and settles in the nearest corner (`client/pip_corner.ts`), so
 * it can be moved off whatever it covers.
 */
import type { ComponentChildren } from "preact";
import { useRef, useState } from "preact/hooks";
import { type Corner, nearestCorner } from "../../client/pip_corner.ts";

/** Props: whether there is anything to show, and what. */
export interface SelfViewProps {
  shown: boolean;
  children: ComponentChildren;
}

/** The draggable self-view; see the module doc. */
export function SelfView({ shown, children }: SelfViewProps) {
  const [corner, setCorner] = useState<Corner>("bottom-right");
  const drag = useRef<{ id: number; x: number; y: number } | null>(null);
  const ref = useRef<HTMLDivElement>(null);

  const onDown = (ev: PointerEvent) => {
    if (ev.button !== 0) return;
    drag.current = { id: ev.pointerId, x: ev.clientX, y: ev.clientY };
    try {
      // Keeps the moves coming when a finger outruns the small view.
      ref.current?.setPointerCapture(ev.pointerId);
    } catch {
      // A pointer the browser no longer tracks: moves still reach us here.
    }
  };
  const onMove = (ev: PointerEvent) => {
    const d = drag.current;
    if (!d || d.id !== ev.pointerId || !ref.current) return;
    const dx = ev.clientX - d.x, dy = ev.clientY - d.y;
    ref.current.style.transform = `translate(${dx}px, ${dy}px)`;
  };
  const onUp = (ev: PointerEvent) => {
    const el = ref.current;
    if (!drag.current || drag.current.id !== ev.pointerId || !el) return;
    drag.current = null;
    const area = el.parentElement!.getBoundingClientRect();
    const box = el.getBoundingClientRect();
    el.style.transform = "";
    setCorner(nearestCorner(
      box.left + box.width / 2 - area.left,
      box.top + box.height / 2 - area.top,
      area.width,
      area.height,
    ));
  };

  return (
    <div
      ref={ref}
      class={`pip pip--${corner} ${shown ? "" : "pip--empty"}`}
      data-testid="self-view"
      data-corner={corner}
      onPointerDown={onDown}
      onPointerMove={onMove}
      onPointerUp={onUp}
      onPointerCancel={onUp}
    >
      {children}
    </div>
  );
}
