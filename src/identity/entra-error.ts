import { randomUUID } from 'node:crypto'

/** OAuth error strings Entra uses in token/authorize responses. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_resource'
  | 'interaction_required'
  | 'consent_required'
  | 'access_denied'
  | 'temporarily_unavailable'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'authorization_declined'
  | 'bad_verification_code'
  | 'invalid_instance'
  | 'server_error'

/** The AADSTS catalogue we reproduce: code → default OAuth error, HTTP status, message. */
export const AADSTS = {
  7000215: [
    'invalid_client',
    401,
    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{0}'.",
  ],
  7000222: ['invalid_client', 401, "The provided client secret keys for app '{0}' are expired."],
  7000218: [
    'invalid_client',
    401,
    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  ],
  700025: [
    'invalid_client',
    401,
    "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
  ],
  700027: [
    'invalid_client',
    401,
    'The certificate with identifier used to sign the client assertion is not registered on application, or the signature is invalid. {0}',
  ],
  50048: [
    'invalid_client',
    401,
    "Subject mismatches Issuer claim in the client assertion for application '{0}'.",
  ],
  700024: ['invalid_client', 401, 'Client assertion is not within its valid time range. {0}'],
  700023: ['invalid_client', 401, "Invalid audience claim in the client assertion: '{0}'."],
  700016: [
    'unauthorized_client',
    400,
    "Application with identifier '{0}' was not found in the directory '{1}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.",
  ],
  7000112: ['unauthorized_client', 400, "Application '{0}' is disabled."],
  90002: [
    'invalid_request',
    400,
    "Tenant '{0}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
  ],
  9001023: [
    'invalid_request',
    400,
    "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
  ],
  900144: ['invalid_request', 400, "The request body must contain the following parameter: '{0}'."],
  90014: [
    'invalid_request',
    400,
    "The required field '{0}' is missing from the credential. Ensure that you have all the necessary parameters for the login request.",
  ],
  9002313: ['invalid_request', 400, 'Invalid request. Request is malformed or invalid. {0}'],
  70003: ['unsupported_grant_type', 400, "The app requested an unsupported grant type '{0}'."],
  70011: [
    'invalid_scope',
    400,
    "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. {0}",
  ],
  700022: [
    'invalid_scope',
    400,
    'The provided value for the input parameter scope is not valid because it contains more than one resource. Scope {0} is not valid.',
  ],
  28002: [
    'invalid_scope',
    400,
    "Provided value for the input parameter scope '{0}' is not valid when requesting an access token.",
  ],
  28003: [
    'invalid_scope',
    400,
    'Provided value for the input parameter scope cannot be empty when requesting an access token using the provided authorization code. Please specify a valid scope.',
  ],
  901002: ['invalid_request', 400, "The 'resource' request parameter isn't supported."],
  500011: [
    'invalid_resource',
    400,
    'The resource principal named {0} was not found in the tenant named {1}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.',
  ],
  650057: [
    'invalid_client',
    400,
    "Invalid resource. The client has requested access to a resource which isn't listed in the requested permissions in the client's application registration. Client app ID: {0}. Resource value from request: {1}.",
  ],
  65001: [
    'invalid_grant',
    400,
    "The user or administrator has not consented to use the application with ID '{0}' named '{1}'. Send an interactive authorization request for this user and resource.",
  ],
  65004: ['access_denied', 400, 'User declined to consent to access the app.'],
  90094: [
    'consent_required',
    400,
    'Admin consent is required for the permissions requested by this application.',
  ],
  50126: ['invalid_grant', 400, 'Error validating credentials due to invalid username or password.'],
  50034: [
    'invalid_grant',
    400,
    'The user account {0} does not exist in the {1} directory. To sign into this application, the account must be added to the directory.',
  ],
  50053: [
    'invalid_grant',
    400,
    "You've tried to sign in too many times with an incorrect user ID or password.",
  ],
  50057: ['invalid_grant', 400, 'The user account is disabled.'],
  70008: [
    'invalid_grant',
    400,
    'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
  ],
  54005: [
    'invalid_grant',
    400,
    'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
  ],
  70002: ['invalid_grant', 400, 'Error validating credentials. {0}'],
  501481: [
    'invalid_grant',
    400,
    'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
  ],
  50147: ['invalid_request', 400, 'The code challenge is malformed or unsupported. {0}'],
  501491: ['invalid_request', 400, 'Invalid size of Code_Challenge parameter.'],
  700082: [
    'invalid_grant',
    400,
    'The refresh token has expired due to inactivity. The token was issued on {0} and was inactive for {1}.',
  ],
  50173: [
    'invalid_grant',
    400,
    'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. {0}',
  ],
  '9002313.rt': [
    'invalid_grant',
    400,
    'Invalid refresh token: the token is malformed or was not issued to this client.',
  ],
  50011: [
    'invalid_request',
    400,
    "The redirect URI '{0}' specified in the request does not match the redirect URIs configured for the application '{1}'.",
  ],
  70016: [
    'authorization_pending',
    400,
    'OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
  ],
  70019: ['expired_token', 400, 'Verification code expired.'],
  70018: ['bad_verification_code', 400, 'Invalid verification code entered.'],
  90120: ['authorization_declined', 400, 'The device code was declined or already used.'],
  90055: [
    'temporarily_unavailable',
    429,
    'The request has been throttled: too many failed client authentication attempts from this client and address. Retry after {0} seconds.',
  ],
  50049: ['invalid_instance', 400, 'Unknown or invalid instance.'],
  50059: [
    'invalid_request',
    400,
    'No tenant-identifying information found in either the request or implied by any provided credentials.',
  ],
  500121: [
    'unsupported_response_type',
    400,
    "The response type '{0}' is not supported. Only 'code' is supported.",
  ],
  90023: ['invalid_request', 400, 'Invalid request. {0}'],
} as const satisfies Record<number | string, readonly [OAuthErrorCode, number, string]>

export type AadstsCode = keyof typeof AADSTS

function aadstsNumber(code: AadstsCode): number {
  return Number(String(code).split('.')[0])
}

function formatTimestamp(d: Date): string {
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z')
}

/**
 * An error answered in Entra's shape. `args` fill `{0}`, `{1}` in the catalogue message; `detail`
 * overrides the message entirely. `suberror` and `retryAfter` are optional extras.
 */
export class EntraError extends Error {
  readonly error: OAuthErrorCode
  readonly status: number
  readonly code: number
  suberror: string | undefined
  retryAfterSeconds: number | undefined

  constructor(
    code: AadstsCode,
    args: readonly string[] = [],
    opts: { error?: OAuthErrorCode; status?: number; suberror?: string; retryAfterSeconds?: number } = {},
  ) {
    const [error, status, template] = AADSTS[code]
    const text = template.replace(/\{(\d)\}/g, (_, i: string) => args[Number(i)] ?? '').trim()
    super(`AADSTS${aadstsNumber(code)}: ${text}`)
    this.name = 'EntraError'
    this.error = opts.error ?? error
    this.status = opts.status ?? status
    this.code = aadstsNumber(code)
    this.suberror = opts.suberror
    this.retryAfterSeconds = opts.retryAfterSeconds
  }
}

export interface EntraErrorBody {
  error: string
  error_description: string
  error_codes: number[]
  timestamp: string
  trace_id: string
  correlation_id: string
  error_uri: string
  suberror?: string
}

/** Serialises an EntraError exactly as Entra does (description carries trace/correlation/timestamp). */
export function entraErrorBody(
  err: EntraError,
  opts: { correlationId?: string; now: Date; baseUrl: string },
): EntraErrorBody {
  const traceId = randomUUID()
  const correlationId =
    opts.correlationId && /^[A-Za-z0-9-]{1,64}$/.test(opts.correlationId) ? opts.correlationId : randomUUID()
  const timestamp = formatTimestamp(opts.now)
  return {
    error: err.error,
    error_description: `${err.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [err.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${opts.baseUrl}/error?code=${err.code}`,
    ...(err.suberror ? { suberror: err.suberror } : {}),
  }
}
