/** The people in the room, each with a state and call buttons. */
/** @jsxRuntime classic */
/** @jsx h */
import { h } from "preact";
import "./hooks.ts";
import { Icon } from "./Icon.tsx";
import { getSession } from "../../client/session.ts";
import { call, me, users } from "../../client/state.ts";
import { initial } from "../../client/text.ts";

/** User list; no props. */
export default function UserList() {
  const list = users.value;
  const myName = me.value;
  const snap = call.value;
  const inCall = snap.phase !== "idle" && snap.phase !== "ended";

  return (
    <section class="panel people" aria-labelledby="people-title">
      <h2 id="people-title" class="panel__title">
        People <span class="count">{list.length}</span>
      </h2>
      {!myName
        ? <p class="empty">Join with a name to see who is here.</p>
        : list.length === 0
        ? <p class="empty">Nobody else is here yet. Share this page's link.</p>
        : (
          <ul class="people__list" data-testid="user-list">
            {list.map((user) => {
              const busy = user.state === "busy";
              const ringingMe = snap.phase === "incoming" &&
                snap.peer === user.name;
              const disabled = !ringingMe && (busy || inCall);
              return (
                <li
                  key={user.name}
                  class="person"
                  data-user={user.name}
                  data-user-state={user.state}
                >
                  <span class="avatar" aria-hidden="true">
                    {initial(user.name)}
                  </span>
                  <span class="person__text">
                    <span class="person__name">{user.name}</span>
                    <span class={`person__state person__state--${user.state}`}>
                      {busy ? "In a call" : "Available"}
                    </span>
                  </span>
                  <span class="person__actions">
                    <CallButton
                      name={user.name}
                      audioOnly
                      disabled={disabled}
                    />
                    <CallButton name={user.name} disabled={disabled} />
                  </span>
                </li>
              );
            })}
          </ul>
        )}
    </section>
  );
}

/** One call button: video (the primary action) or audio-only. */
function CallButton(
  { name, audioOnly = false, disabled }: {
    name: string;
    audioOnly?: boolean;
    disabled: boolean;
  },
) {
  const label = `${audioOnly ? "Audio" : "Video"} call ${name}`;
  return (
    <button
      type="button"
      class={audioOnly ? "icon-button" : "icon-button icon-button--primary"}
      data-testid={`${audioOnly ? "audio" : "user"}-${name}`}
      aria-label={label}
      title={label}
      disabled={disabled}
      onClick={() => getSession()?.callUser(name, audioOnly)}
    >
      <Icon name={audioOnly ? "phone" : "cam"} size={18} />
    </button>
  );
}
