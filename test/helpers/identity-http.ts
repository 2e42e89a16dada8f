import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { AdminCredentialsFile } from '../../src/identity/bootstrap.js'

/**
 * HTTP helpers for tests that drive the identity module's endpoints over fastify inject: form posts to
 * the token endpoints, AADSTS codes, browser cookies and the sign-in form, the admin-API token.
 */

export type Json = Record<string, unknown>

/** POSTs an `application/x-www-form-urlencoded` body (as every OAuth client does). */
export async function postForm(
  a: FastifyInstance,
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const r = await a.inject({
    method: 'POST',
    url,
    payload: new URLSearchParams(form).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  })
  return { status: r.statusCode, body: r.json<Json>(), headers: r.headers }
}

/** The first AADSTS number of an Entra error body (0 when there is none). */
export const aadsts = (body: Json): number => (body.error_codes as number[] | undefined)?.[0] ?? 0

/** The `name=value` pairs of a response's Set-Cookie headers, as one Cookie header. */
export function setCookies(h: Record<string, unknown>): string {
  const raw = h['set-cookie']
  const list = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : []
  return list.map((c) => c.split(';')[0]).join('; ')
}

/** Two Cookie headers merged, the later value of a name winning (a browser's jar). */
export function mergeCookies(prev: string, next: string): string {
  const m = new Map<string, string>()
  for (const part of [...prev.split('; '), ...next.split('; ')].filter(Boolean)) {
    const i = part.indexOf('=')
    m.set(part.slice(0, i), part.slice(i + 1))
  }
  return [...m].map(([k, v]) => `${k}=${v}`).join('; ')
}

/** GET of the probe route (`probeModule` in identity-helpers, guarded like an MDE route) with a bearer token. */
export async function probe(a: FastifyInstance, token: string) {
  const r = await a.inject({
    method: 'GET',
    url: '/api/_identity-probe',
    headers: { authorization: `Bearer ${token}` },
  })
  return {
    status: r.statusCode,
    body: r.json<Json>(),
    headers: r.headers,
    www: String(r.headers['www-authenticate'] ?? ''),
  }
}

export const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? ''
export const actionOf = (html: string) => /action="([^"]+)"/.exec(html)?.[1] ?? ''

/**
 * Loads an /authorize page and submits its sign-in form as a browser would (page 200, form 303);
 * returns the form's response and the cookie jar after it.
 */
export async function submitSignIn(a: FastifyInstance, authorizeUrl: string, upn: string, password: string) {
  const page = await a.inject({ method: 'GET', url: authorizeUrl })
  assert.equal(page.statusCode, 200, page.body)
  const pageJar = setCookies(page.headers)
  const r = await a.inject({
    method: 'POST',
    url: actionOf(page.body),
    payload: new URLSearchParams({ csrf: csrfOf(page.body), username: upn, password }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: pageJar },
  })
  assert.equal(r.statusCode, 303, r.body)
  return { response: r, jar: mergeCookies(pageJar, setCookies(r.headers)) }
}

/**
 * A client-credentials token for the admin API (`api://bulwark-admin`), with the credentials the
 * server wrote to its data folder; `bearer` is the Authorization header to send it with.
 */
export async function adminToken(a: FastifyInstance, dataDir: string) {
  const admin = JSON.parse(
    readFileSync(join(dataDir, 'admin-credentials.json'), 'utf8'),
  ) as AdminCredentialsFile
  const r = await postForm(a, `/${admin.tenantId}/oauth2/v2.0/token`, {
    grant_type: 'client_credentials',
    client_id: admin.clientId,
    client_secret: admin.clientSecret,
    scope: 'api://bulwark-admin/.default',
  })
  return { ...r, admin, bearer: { authorization: `Bearer ${String(r.body.access_token)}` } }
}
