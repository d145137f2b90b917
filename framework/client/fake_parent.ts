/**
 * A stand-in parent element covering only the nodes between two comment
 * markers, so Preact can hydrate an island that shares its real parent with
 * other content. It implements just what Preact 11's render/diff touch on
 * a parent: firstChild, childNodes, insertBefore, namespaceURI (moveBefore
 * and ownerDocument are left out on purpose: Preact falls back to
 * insertBefore and `document`). Every byte here ships to every page with an
 * island, hence the bare minimum.
 */

/** Builds the fake parent for the nodes strictly between `start` and `end`. */
export function fakeParent(start: Comment, end: Comment): Element {
  const parent = start.parentNode as Element;
  const between = (): Node[] => {
    const nodes: Node[] = [];
    for (let n = start.nextSibling; n && n !== end; n = n.nextSibling) {
      nodes.push(n);
    }
    return nodes;
  };
  const fake = {
    nodeType: 1,
    namespaceURI: parent.namespaceURI,
    get firstChild() {
      const first = start.nextSibling;
      return first === end ? null : first;
    },
    get childNodes() {
      return between();
    },
    insertBefore(node: Node, ref: Node | null) {
      // A null reference means "append": for us, "before the end marker".
      return parent.insertBefore(node, ref ?? end);
    },
    appendChild(node: Node) {
      return parent.insertBefore(node, end);
    },
    removeChild(node: Node) {
      return parent.removeChild(node);
    },
  };
  return fake as unknown as Element;
}

/**
 * Finds the comment closing the island opened by `start`. Islands are never
 * nested in the markup (the server marks only outermost islands), so it is
 * the first closing marker among the following siblings.
 */
export function findEnd(start: Comment): Comment | null {
  let n = start.nextSibling;
  while (n && !(n.nodeType === 8 && (n as Comment).data === "/frsh:island")) {
    n = n.nextSibling;
  }
  return n as Comment | null;
}
