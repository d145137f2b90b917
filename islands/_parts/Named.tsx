/**
 * A sentence that names someone, with the name in an element of its own
 * with `dir="auto"`: the name is isolated, so a right-to-left name reads
 * right-to-left without reordering the English around it (and the other way
 * round). The text is the same as `fillTemplate` gives.
 */
import { SOMEONE, splitTemplate } from "../../client/text.ts";

/** `template` (see `client/text.ts`) with `peer` in its slot. */
export function Named(props: { template: string; peer: string | null }) {
  const parts = splitTemplate(props.template);
  if (!parts) return <>{props.template}</>;
  return (
    <>
      {parts[0]}
      <span dir="auto">{props.peer ?? SOMEONE}</span>
      {parts[1]}
    </>
  );
}
