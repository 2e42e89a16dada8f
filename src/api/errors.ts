import { BulwarkError } from '../core/errors.js'

/** MDE error codes (mde-api.md §1.6), plus the HTTP status each one is sent with. */
export const MDE_ERROR_STATUS = {
  BadRequest: 400,
  ODataError: 400,
  InvalidInput: 400,
  InvalidRequestBody: 400,
  InvalidHashValue: 400,
  InvalidDomainName: 400,
  InvalidIpAddress: 400,
  InvalidUrl: 400,
  MaximumBatchSizeExceeded: 400,
  MissingRequiredParameter: 400,
  OsPlatformNotSupported: 400,
  ClientVersionNotSupported: 400,
  ActiveRequestAlreadyExists: 400,
  Unauthorized: 401,
  Forbidden: 403,
  DisabledFeature: 403,
  DisallowedOperation: 403,
  NotFound: 404,
  ResourceNotFound: 404,
  TooManyRequests: 429,
  InternalServerError: 500,
} as const

export type MdeErrorCode = keyof typeof MDE_ERROR_STATUS

/** An error the MDE API answers with `{"error":{"code","message","target"}}`. */
export class MdeError extends BulwarkError {
  constructor(
    code: MdeErrorCode,
    message: string,
    opts: { status?: number; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(
      opts.status ?? MDE_ERROR_STATUS[code],
      code,
      message,
      opts.cause === undefined ? {} : { cause: opts.cause },
    )
    this.headers = opts.headers ?? {}
  }
  readonly headers: Record<string, string>
}

export const badRequest = (code: MdeErrorCode, message: string): MdeError => new MdeError(code, message)
export const notFound = (message: string): MdeError => new MdeError('ResourceNotFound', message)

/** The MDE error envelope; `target` is the request's correlation id. */
export function errorEnvelope(
  code: string,
  message: string,
  target: string,
): { error: { code: string; message: string; target: string } } {
  return { error: { code, message, target } }
}
