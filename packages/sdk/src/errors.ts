/** An error response from the MDE API: `{"error":{"code","message","target"}}` plus the HTTP status. */
export class MdeApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The correlation id MDE puts in `error.target`; quote it when reporting a problem. */
    readonly target: string | null,
    /** Seconds to wait before retrying (429 responses). */
    readonly retryAfter: number | null,
  ) {
    super(message)
    this.name = 'MdeApiError'
  }
}

/** A token endpoint refused to issue a token (Entra `error` / `error_description`). */
export class TokenError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly errorCodes: readonly number[],
  ) {
    super(`${error}: ${description}`)
    this.name = 'TokenError'
  }
}
