/**
 * The speaker the person chose in the pre-call check, applied to a media
 * element that plays the other person (`setSinkId`). Browsers without it
 * (Firefox before 116, Safari) play on the system's default, and the check
 * offers no speaker there.
 */
import { type RefObject } from "preact";
import { useEffect } from "preact/hooks";
import { useSession } from "./session_context.ts";

type SinkElement = HTMLMediaElement & {
  setSinkId?: (id: string) => Promise<void>;
};

/** Routes `ref`'s sound to the chosen speaker; nothing for a muted element. */
export function useSpeaker(
  ref: RefObject<HTMLMediaElement | null>,
  muted = false,
): void {
  const output = useSession().state.prefs.value.output;
  useEffect(() => {
    const element = ref.current as SinkElement | null;
    if (muted || !output || !element?.setSinkId) return;
    // A speaker unplugged since it was chosen: the default plays instead.
    element.setSinkId(output).catch(() => {});
  }, [output, muted]);
}
