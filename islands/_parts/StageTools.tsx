/**
 * Two buttons over the call's picture: full screen (the whole stage, so
 * the self-view and status stay with it) and picture-in-picture for the
 * other person's video, each only where the browser offers it.
 */
import { useEffect, useState } from "preact/hooks";
import { Icon } from "./Icon.tsx";

/** Props: whether the other person's video is showing (PiP needs it). */
export interface StageToolsProps {
  video: boolean;
}

/** `read()`, read again whenever one of `events` reaches the document. */
function useDocumentFlag(events: string[], read: () => boolean): boolean {
  const [on, setOn] = useState(false);
  useEffect(() => {
    const update = () => setOn(read());
    update();
    // Capture: the picture-in-picture events are fired at the video.
    for (const e of events) document.addEventListener(e, update, true);
    return () => {
      for (const e of events) document.removeEventListener(e, update, true);
    };
  }, []);
  return on;
}

const remoteVideo = () =>
  document.getElementById("remote-video") as HTMLVideoElement | null;

/** Full screen and picture-in-picture; see the module doc. */
export function StageTools({ video }: StageToolsProps) {
  const full = useDocumentFlag(
    ["fullscreenchange"],
    () => document.fullscreenElement !== null,
  );
  const pip = useDocumentFlag(
    ["enterpictureinpicture", "leavepictureinpicture"],
    () => !!document.pictureInPictureElement,
  );
  const canFull = typeof document !== "undefined" && document.fullscreenEnabled;
  const canPip = typeof document !== "undefined" &&
    document.pictureInPictureEnabled === true;

  const toggleFull = (ev: Event) => {
    if (document.fullscreenElement) {
      void document.exitFullscreen().catch(() => {});
      return;
    }
    const stage = (ev.currentTarget as HTMLElement).closest(".stage");
    void stage?.requestFullscreen().catch(() => {});
  };
  const togglePip = () => {
    if (document.pictureInPictureElement) {
      void document.exitPictureInPicture().catch(() => {});
      return;
    }
    void remoteVideo()?.requestPictureInPicture().catch(() => {});
  };

  return (
    <div class="stage__tools">
      {canPip && video && (
        <button
          type="button"
          class="stage__tool"
          data-testid="picture-in-picture"
          aria-label="Picture in picture"
          aria-pressed={pip}
          title="Keep the video on top while you use other windows"
          onClick={togglePip}
        >
          <Icon name="pip" size={20} />
        </button>
      )}
      {canFull && (
        <button
          type="button"
          class="stage__tool"
          data-testid="full-screen"
          aria-label={full ? "Exit full screen" : "Full screen"}
          aria-pressed={full}
          onClick={toggleFull}
        >
          <Icon name={full ? "full-exit" : "full"} size={20} />
        </button>
      )}
    </div>
  );
}
