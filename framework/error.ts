/**
 * An error that carries an HTTP status. Throw it from a handler, middleware or
 * page to answer with that status (404 renders the `_404` page, any other
 * status the `_500` page) instead of a generic 500.
 *
 * @example
 * ```ts
 * if (!room) throw new HttpError(404);
 * ```
 */
export class HttpError extends Error {
  /** The HTTP status code sent to the client. */
  readonly status: number;

  /**
   * @param status HTTP status code (400–599).
   * @param message Server-side description; never sent to the client.
   * @param options Standard `ErrorOptions` (e.g. `cause`).
   */
  constructor(status: number, message?: string, options?: ErrorOptions) {
    super(message ?? `HTTP ${status}`, options);
    this.name = "HttpError";
    this.status = status;
  }
}
