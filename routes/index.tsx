import { define } from "../define.ts";
import Parley from "../islands/Parley.tsx";

/** The lobby: everyone who opens `/` without a room. */
export default define.page(function Lobby() {
  return <Parley room="" />;
});
