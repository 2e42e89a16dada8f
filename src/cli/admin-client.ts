import { readFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { join, resolve } from 'node:path'
import { BulwarkError } from '../core/errors.js'

/** What `bulwark serve` writes to DIR/admin-credentials.json (mode 0600) for the CLI. */
export interface AdminCredentials {
  tenantId: string
  authority: string
  adminUrl: string
  resource: string
  clientId: string
  clientSecret: string
  caFile: string | null
}

export interface AdminConnection {
  dataDir?: string | undefined
  credentials?: string | undefined
  url?: string | undefined
}

interface HttpResult {
  status: number
  body: unknown
}

function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  ca: string | undefined,
): Promise<HttpResult> {
  const u = new URL(url)
  const fn = u.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolvePromise, reject) => {
    const req = fn(
      u,
      {
        method,
        headers: { ...headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
        ...(ca ? { ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let parsed: unknown = text
          try {
            parsed = text ? JSON.parse(text) : null
          } catch {
            /* not JSON */
          }
          resolvePromise({ status: res.statusCode ?? 0, body: parsed })
        })
      },
    )
    req.on('error', reject)
    if (body) req.write(body)
    req.end()
  })
}

/**
 * A tiny client for the admin API: client-credentials token for `api://bulwark-admin`, then JSON calls.
 * Errors (MDE envelope or AADSTS body) become BulwarkErrors with the server's message.
 */
export class AdminClient {
  #token: string | null = null
  readonly creds: AdminCredentials
  readonly baseUrl: string
  readonly #ca: string | undefined

  constructor(conn: AdminConnection) {
    const file = conn.credentials ?? join(resolve(conn.dataDir ?? './.bulwark'), 'admin-credentials.json')
    try {
      this.creds = JSON.parse(readFileSync(file, 'utf8')) as AdminCredentials
    } catch (err) {
      throw new BulwarkError(
        400,
        'NoCredentials',
        `Cannot read admin credentials ${file} (start the server once, or pass --credentials FILE): ${err instanceof Error ? err.message : String(err)}`,
      )
    }
    this.baseUrl = (conn.url ?? this.creds.adminUrl).replace(/\/$/, '')
    this.#ca = this.creds.caFile ? readFileSync(this.creds.caFile, 'utf8') : undefined
  }

  async token(): Promise<string> {
    if (this.#token) return this.#token
    const authority = conn(this.baseUrl, this.creds)
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.creds.clientId,
      client_secret: this.creds.clientSecret,
      scope: `${this.creds.resource}/.default`,
    })
    const r = await send(
      `${authority}/oauth2/v2.0/token`,
      'POST',
      { 'content-type': 'application/x-www-form-urlencoded' },
      form.toString(),
      this.#ca,
    )
    const body = r.body as { access_token?: string; error_description?: string }
    if (r.status !== 200 || !body.access_token)
      throw new BulwarkError(
        r.status || 500,
        'TokenFailed',
        `Token request failed: ${body.error_description ?? JSON.stringify(r.body)}`,
      )
    this.#token = body.access_token
    return this.#token
  }

  async call<T = unknown>(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${await this.token()}`,
      accept: 'application/json',
    }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const r = await send(
      `${this.baseUrl}/admin/v1${path}`,
      method,
      headers,
      body === undefined ? undefined : JSON.stringify(body),
      this.#ca,
    )
    if (r.status >= 400) {
      const e = (r.body as { error?: { code?: string; message?: string } } | null)?.error
      throw new BulwarkError(
        r.status,
        e?.code ?? 'AdminError',
        `${r.status} ${e?.code ?? ''}: ${e?.message ?? JSON.stringify(r.body)}`,
      )
    }
    return r.body as T
  }
}

/** The authority on the URL the CLI talks to (the stored authority may name an old port). */
function conn(baseUrl: string, c: AdminCredentials): string {
  return `${baseUrl}/${c.tenantId}`
}
