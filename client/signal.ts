/**
 * The slice of `@preact/signals` that Parley uses, in a few lines instead of
 * ~2.7 KB gzip: a value with `.value` (read and write) and `.peek()`, whose
 * readers are told when it changes. Reading `.value` while a reader is
 * being tracked ({@link track}) subscribes that reader; the islands'
 * binding (`islands/_parts/hooks.ts`) tracks each component's render, so
 * a component re-renders when a signal it read changes. Writes notify at
 * once; Preact batches the re-renders they cause into one.
 */

/** Called when a signal read by the tracked reader changes. */
export type Reader = (s: Signal<unknown>) => void;

let reader: Reader | null = null;

/** Sets (or with null, clears) the reader that `.value` reads subscribe. */
export function track(r: Reader | null): void {
  reader = r;
}

/** An observable value. */
export class Signal<T> {
  #v: T;
  #subs = new Set<() => void>();

  constructor(value: T) {
    this.#v = value;
  }

  /** The value; inside a tracked read, also subscribes the reader. */
  get value(): T {
    reader?.(this as Signal<unknown>);
    return this.#v;
  }

  set value(v: T) {
    if (Object.is(v, this.#v)) return;
    this.#v = v;
    for (const fn of [...this.#subs]) fn();
  }

  /** The value, without subscribing anyone. */
  peek(): T {
    return this.#v;
  }

  /** Calls `fn` after each change; returns the unsubscribe function. */
  subscribe(fn: () => void): () => void {
    this.#subs.add(fn);
    return () => this.#subs.delete(fn);
  }
}

/** A new {@link Signal} holding `value`. */
export function signal<T>(value: T): Signal<T> {
  return new Signal(value);
}
