/** The people in the room, each with a state and call buttons. */
import { Component } from "preact";
import { Icon } from "./Icon.tsx";
import { linkTarget } from "./RoomShare.tsx";
import { useSession } from "./session_context.ts";
import type { UserInfo, UserState } from "../../client/protocol.ts";
import { initial } from "../../client/text.ts";

/** User list; no props. */
export default function UserList() {
  const { state } = useSession();
  const list = state.users.value;
  const myName = state.me.value;
  const snap = state.call.value;
  const inCall = snap.phase !== "idle" && snap.phase !== "ended";

  return (
    <section class="panel people" aria-labelledby="people-title">
      {/* Focusable by script only: where focus lands after joining. */}
      <h2 id="people-title" class="panel__title" tabIndex={-1}>
        People <span class="count">{list.length}</span>
      </h2>
      {!state.room && <NewRoom inCall={inCall} />}
      {!myName
        ? <p class="empty">Join with a name to see who is here.</p>
        : list.length === 0
        ? (
          <p class="empty">
            {state.room
              ? "Nobody else is here yet. Invite someone with this room's link."
              : "Nobody else is here yet."}
          </p>
        )
        : (
          <ul class="people__list" data-testid="user-list">
            {list.map((user) => {
              const ringingMe = snap.phase === "incoming" &&
                snap.peer === user.name;
              return (
                <Person
                  key={user.name}
                  user={user}
                  disabled={!ringingMe &&
                    (user.state !== "available" || inCall)}
                />
              );
            })}
          </ul>
        )}
    </section>
  );
}

/**
 * The lobby's way to a private room: what one is, and a plain link that
 * makes one (`routes/new.ts`), so it works before the page's script runs.
 */
function NewRoom({ inCall }: { inCall: boolean }) {
  return (
    <div class="new-room">
      <p class="new-room__text">
        A private room is a page only the people you send its link to can find.
      </p>
      <a
        class="button button--primary new-room__button"
        href="/new"
        data-testid="new-room"
        {...linkTarget(inCall)}
      >
        New private room
      </a>
    </div>
  );
}

/** Props of {@link Person}. */
interface PersonProps {
  user: UserInfo;
  /** Whether its call buttons are off (not available, or we are in a call). */
  disabled: boolean;
}

/**
 * One person's row, re-rendered only when its entry or its buttons change.
 * Each presence delta re-renders the list, and diffing every row took about
 * 20 µs a row in Chromium: 200 ms per delta with 5,000 people, most of a
 * lobby tab's main thread during a join storm. Presence keeps an unchanged
 * person's entry the same object (`client/roster.ts`), so identity says it.
 */
class Person extends Component<PersonProps> {
  override shouldComponentUpdate(next: PersonProps): boolean {
    return next.user !== this.props.user ||
      next.disabled !== this.props.disabled;
  }

  override render() {
    const { user, disabled } = this.props;
    return (
      <li
        class="person"
        data-user={user.name}
        data-user-state={user.state}
      >
        <span class="avatar" aria-hidden="true">
          {initial(user.name)}
        </span>
        <span class="person__text">
          {/* A name may be right-to-left: its own direction, not the list's. */}
          <span class="person__name" dir="auto">{user.name}</span>
          <span class={`person__state person__state--${user.state}`}>
            {STATE_TEXT[user.state]}
          </span>
        </span>
        <span class="person__actions">
          <CallButton
            name={user.name}
            audioOnly
            disabled={disabled}
            why={WHY_NOT[user.state]}
          />
          <CallButton
            name={user.name}
            disabled={disabled}
            why={WHY_NOT[user.state]}
          />
        </span>
      </li>
    );
  }
}

/** What the row says of each state. */
const STATE_TEXT: Record<UserState, string> = {
  available: "Available",
  busy: "In a call",
  reconnecting: "Reconnecting…",
};

/**
 * Why the buttons are off, in their tooltip: a reconnecting person will
 * likely be back in seconds, which a plain greyed-out button does not say.
 */
const WHY_NOT: Record<UserState, string | null> = {
  available: null,
  busy: null,
  reconnecting: "is reconnecting; try again in a moment",
};

/** One call button: video (the primary action) or audio-only. */
function CallButton(
  { name, audioOnly = false, disabled, why }: {
    name: string;
    audioOnly?: boolean;
    disabled: boolean;
    /** Why calling is off now (after the name), when worth saying. */
    why: string | null;
  },
) {
  const { actions } = useSession();
  const action = `${audioOnly ? "Audio" : "Video"} call ${name}`;
  const label = disabled && why ? `${action}: ${name} ${why}` : action;
  return (
    <button
      type="button"
      class={audioOnly ? "icon-button" : "icon-button icon-button--primary"}
      data-testid={`${audioOnly ? "audio" : "user"}-${name}`}
      aria-label={label}
      title={label}
      disabled={disabled}
      onClick={() => actions?.call(name, audioOnly)}
    >
      <Icon name={audioOnly ? "phone" : "cam"} size={18} />
    </button>
  );
}
