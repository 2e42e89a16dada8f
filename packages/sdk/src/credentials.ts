import { TokenError } from './errors.js'

/** Anything that can hand out a bearer token for the MDE API (an @azure/identity credential adapts easily). */
export interface TokenProvider {
  getToken(): Promise<string>
}

export interface ClientSecretOptions {
  /** Authority host, e.g. https://login.microsoftonline.com or https://127.0.0.1:8443. */
  authorityHost: string
  tenantId: string
  clientId: string
  clientSecret: string
  /** Defaults to the MDE resource's `.default` scope. */
  scope?: string
  fetch?: typeof fetch
}

const DEFAULT_SCOPE = 'https://api.securitycenter.microsoft.com/.default'

/**
 * Client-credentials (application context) tokens from a v2 token endpoint, cached until five minutes
 * before they expire. Concurrent callers share one in-flight request.
 */
export function clientSecretCredential(opts: ClientSecretOptions): TokenProvider {
  const doFetch = opts.fetch ?? fetch
  const url = `${opts.authorityHost.replace(/\/$/, '')}/${encodeURIComponent(opts.tenantId)}/oauth2/v2.0/token`
  let cached: { token: string; refreshAt: number } | null = null
  let inflight: Promise<string> | null = null

  const fetchToken = async (): Promise<string> => {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: opts.clientId,
      client_secret: opts.clientSecret,
      scope: opts.scope ?? DEFAULT_SCOPE,
    })
    const res = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    })
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>
    if (!res.ok || typeof json.access_token !== 'string') {
      throw new TokenError(
        res.status,
        typeof json.error === 'string' ? json.error : 'invalid_response',
        typeof json.error_description === 'string'
          ? json.error_description
          : `token endpoint answered ${res.status}`,
        Array.isArray(json.error_codes) ? (json.error_codes as number[]) : [],
      )
    }
    const expiresIn = Number(json.expires_in ?? 3599)
    cached = { token: json.access_token, refreshAt: Date.now() + Math.max(0, expiresIn - 300) * 1000 }
    return json.access_token
  }

  return {
    getToken() {
      if (cached && Date.now() < cached.refreshAt) return Promise.resolve(cached.token)
      inflight ??= fetchToken().finally(() => {
        inflight = null
      })
      return inflight
    },
  }
}
