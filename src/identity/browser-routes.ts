import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { safeEqual } from '../core/crypto.js'
import type { Application, User } from './directory/types.js'
import { EntraError } from './entra-error.js'
import { pickLocale, t, type Locale } from './i18n.js'
import type { ClientRecord, IdentityService } from './identity-service.js'
import { consentPage, deviceCodePage, formPostPage, messagePage, signInPage } from './pages.js'
import { formParams } from './protocol-routes.js'
import { requireDefinedScopes, type ResourceDef } from './resources.js'
import { tokenDigest } from './secrets.js'
import { checkPassword, parseTarget, resolveTenant } from './token-endpoint.js'

type Kind = 'authorize' | 'device' | 'adminconsent' | 'device-entry'

/** A sign-in transaction, stored server-side (shared by every node) and bound to the browser by cookie. */
export interface InteractionRequest {
  kind: Kind
  locale: Locale
  tenantRef?: string
  endpoint?: 'v1' | 'v2'
  clientId?: string
  redirectUri?: string
  scope?: string
  resource?: string | null
  state?: string | null
  nonce?: string | null
  codeChallenge?: string | null
  codeChallengeMethod?: string | null
  responseMode?: 'query' | 'fragment' | 'form_post'
  prompt?: string | null
  loginHint?: string | null
  userCode?: string
}

const SESSION_COOKIE = 'bw_session'
const INTERACTION_COOKIE = 'bw_ia'
const SESSION_MS = 8 * 3600_000

export function cookies(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=')
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim())
  }
  return out
}

function cookie(name: string, value: string, secure: boolean, maxAgeSeconds: number): string {
  return `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`
}

function secureHeaders(reply: FastifyReply, scriptNonce?: string): FastifyReply {
  return reply
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header(
      'content-security-policy',
      `default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'${scriptNonce ? `; script-src 'nonce-${scriptNonce}'` : ''}`,
    )
    .type('text/html; charset=utf-8')
}

const SCRIPT_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:'])

/**
 * A redirect URI may be registered and used only if it is an absolute URL without a fragment
 * (RFC 6749 §3.1.2) whose scheme cannot run script in our origin (a form_post to `javascript:` would).
 * https, loopback http and native-app custom schemes (`msal…://auth`) pass.
 */
export function safeRedirectUri(uri: string): boolean {
  let u: URL
  try {
    u = new URL(uri)
  } catch {
    return false
  }
  return !SCRIPT_SCHEMES.has(u.protocol) && !u.hash && !uri.includes('#')
}

/** Exact match; loopback `http://localhost|127.0.0.1|[::1]` URIs match regardless of port (RFC 8252 §7.3). */
export function redirectUriAllowed(registered: readonly string[], uri: string): boolean {
  if (!safeRedirectUri(uri)) return false
  if (registered.includes(uri)) return true
  const u = new URL(uri)
  const loopback = ['localhost', '127.0.0.1', '[::1]']
  if (u.protocol !== 'http:' || !loopback.includes(u.hostname) || u.hash) return false
  return registered.some((r) => {
    try {
      const ru = new URL(r)
      return (
        ru.protocol === 'http:' &&
        ru.hostname === u.hostname &&
        ru.pathname === u.pathname &&
        ru.search === u.search
      )
    } catch {
      return false
    }
  })
}

const q = (req: FastifyRequest) => (req.query ?? {}) as Record<string, string | undefined>

export function registerBrowserRoutes(app: FastifyInstance, svc: IdentityService): void {
  const secure = () => svc.options.publicUrl().startsWith('https:')
  /** Page headers, plus HSTS when the deployment is served over https. */
  const pageHeaders = (reply: FastifyReply, scriptNonce?: string) => {
    const r = secureHeaders(reply, scriptNonce)
    return secure() ? r.header('strict-transport-security', 'max-age=31536000') : r
  }
  const localeOf = (req: FastifyRequest, explicit?: string) =>
    pickLocale(explicit, req.headers['accept-language'])

  function errorPage(reply: FastifyReply, locale: Locale, status: number, message: string, detail?: string) {
    return pageHeaders(reply)
      .code(status)
      .send(messagePage(locale, t(locale, 'errorTitle'), message, detail))
  }

  async function startInteraction(reply: FastifyReply, request: InteractionRequest) {
    const { id, csrf } = await svc.state.createInteraction(request)
    void reply.header('set-cookie', cookie(INTERACTION_COOKIE, csrf, secure(), 900))
    return { id, csrf }
  }

  /** Loads the interaction named in the URL and checks the browser holds its CSRF cookie (and the form echoes it). */
  async function loadInteraction(req: FastifyRequest, id: string, formCsrf?: string) {
    const ia = await svc.state.getInteraction<InteractionRequest>(id)
    const csrf = cookies(req)[INTERACTION_COOKIE]
    if (!ia || !csrf || !safeEqual(tokenDigest(csrf), ia.csrfHash)) return null
    if (formCsrf !== undefined && !safeEqual(formCsrf, csrf)) return null
    return { request: ia.request, csrf }
  }

  async function sessionUser(req: FastifyRequest): Promise<User | null> {
    const sid = cookies(req)[SESSION_COOKIE]
    if (!sid) return null
    const s = await svc.state.getSession(sid)
    if (!s) return null
    const user = await svc.directory.getUser(s.userId)
    return user?.enabled ? user : null
  }

  function redirectWith(reply: FastifyReply, r: InteractionRequest, fields: Record<string, string>) {
    const all = { ...fields, ...(r.state ? { state: r.state } : {}) }
    if (r.responseMode === 'form_post') {
      const nonce = randomBytes(16).toString('base64')
      return pageHeaders(reply, nonce).send(formPostPage(r.redirectUri!, all, nonce))
    }
    const url = new URL(r.redirectUri!)
    if (r.responseMode === 'fragment') url.hash = new URLSearchParams(all).toString()
    else for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v)
    return reply.header('cache-control', 'no-store').redirect(url.toString(), 302)
  }

  function redirectError(reply: FastifyReply, r: InteractionRequest, err: EntraError) {
    return redirectWith(reply, r, { error: err.error, error_description: err.message })
  }

  /** Permissions the user must still consent to for this request (and the resource they belong to). */
  async function missingConsent(
    client: ClientRecord,
    user: User,
    r: InteractionRequest,
  ): Promise<{ resource: ResourceDef; missing: string[]; wanted: string[] }> {
    const target = parseTarget(
      svc,
      r.endpoint!,
      { scope: r.scope, resource: r.resource ?? undefined },
      client.tenant.defaultDomain,
    )
    const consented = await svc.directory.consentedScopes(client.app.appId, target.resource.appId, user.id)
    const wanted = target.isDefault
      ? (client.app.requiredPermissions[target.resource.appId]?.delegated ?? [...consented])
      : target.permissions
    return { resource: target.resource, wanted, missing: wanted.filter((p) => !consented.has(p)) }
  }

  async function isTenantAdmin(user: User): Promise<boolean> {
    const access = await svc.directory.userAccess(user.tenantId, user.id)
    return access.rbacPermissions.includes('ManagePortalSystemSettings')
  }

  /** Renders the next step of an interaction: sign-in, consent, or completion. */
  async function proceed(
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    r: InteractionRequest,
    csrf: string,
    loginError?: string,
  ) {
    const locale = r.locale
    const client = r.clientId ? await svc.client(r.clientId) : null
    if (!client || !client.app.enabled)
      return errorPage(reply, locale, 400, t(locale, 'badRequest'), 'AADSTS700016')
    const user = await sessionUser(req)
    if (!user || user.tenantId !== client.tenant.id || loginError) {
      if (r.prompt === 'none' && r.kind === 'authorize')
        return redirectWith(reply, r, {
          error: 'login_required',
          error_description: 'AADSTS50058: A silent sign-in request was sent but no user is signed in.',
        })
      return pageHeaders(reply).send(
        signInPage(locale, {
          action: `/oauth2/interaction/${id}/login`,
          csrf,
          appName: client.app.displayName,
          ...(r.loginHint ? { loginHint: r.loginHint } : {}),
          ...(loginError ? { error: loginError } : {}),
        }),
      )
    }
    const consentAction = `/oauth2/interaction/${id}/consent`
    if (r.kind === 'adminconsent') {
      if (!(await isTenantAdmin(user)))
        return errorPage(
          reply,
          locale,
          403,
          t(locale, 'badRequest'),
          'AADSTS90094: Admin consent is required for the permissions requested by this application.',
        )
      const perms = Object.entries(client.app.requiredPermissions).flatMap(([, v]) => [
        ...v.application,
        ...v.delegated,
      ])
      return pageHeaders(reply).send(
        consentPage(locale, {
          action: consentAction,
          csrf,
          appName: client.app.displayName,
          user: user.userPrincipalName,
          permissions: [...new Set(perms)].sort(),
          offerAdmin: true,
          adminOnly: true,
        }),
      )
    }
    const need = await missingConsent(client, user, r)
    const forced = r.kind === 'device' || r.prompt === 'consent' || r.prompt === 'admin_consent'
    if (need.missing.length || forced || !need.wanted.length) {
      if (r.prompt === 'none')
        return redirectError(
          reply,
          r,
          new EntraError(65001, [client.app.appId, client.app.displayName], { error: 'consent_required' }),
        )
      const shown = need.missing.length ? need.missing : need.wanted
      return pageHeaders(reply).send(
        consentPage(locale, {
          action: consentAction,
          csrf,
          appName: client.app.displayName,
          user: user.userPrincipalName,
          permissions: shown,
          offerAdmin: await isTenantAdmin(user),
        }),
      )
    }
    return complete(req, reply, id, r, client, user)
  }

  async function complete(
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    r: InteractionRequest,
    client: ClientRecord,
    user: User,
  ) {
    await svc.state.deleteInteraction(id)
    void reply.header('set-cookie', cookie(INTERACTION_COOKIE, '', secure(), 0))
    if (r.kind === 'device') {
      const ok = await svc.state.decideDeviceCode(r.userCode!, {
        approve: true,
        userId: user.id,
        tenantId: user.tenantId,
      })
      return pageHeaders(reply).send(
        messagePage(
          r.locale,
          t(r.locale, 'deviceTitle'),
          ok ? t(r.locale, 'deviceDone', client.app.displayName) : t(r.locale, 'deviceBadCode'),
        ),
      )
    }
    if (r.kind === 'adminconsent')
      return redirectWith(reply, r, { admin_consent: 'True', tenant: client.tenant.id })
    const code = await svc.state.issueCode({
      tenantId: client.tenant.id,
      clientId: client.app.appId,
      userId: user.id,
      redirectUri: r.redirectUri!,
      grant: {
        tenantId: client.tenant.id,
        clientId: client.app.appId,
        userId: user.id,
        scope: r.scope ?? '',
        resource: r.resource ?? null,
        endpoint: r.endpoint!,
        authTime: svc.clock.nowMs(),
        amr: ['pwd'],
      },
      codeChallenge: r.codeChallenge ?? null,
      codeChallengeMethod: r.codeChallengeMethod ?? null,
      nonce: r.nonce ?? null,
    })
    const origin = svc.originFor(req.headers.host)
    return redirectWith(reply, r, {
      code,
      ...(r.endpoint === 'v1' ? { session_state: tokenDigest(code).slice(0, 36) } : {}),
      iss: r.endpoint === 'v2' ? `${origin}/${client.tenant.id}/v2.0` : `${origin}/${client.tenant.id}/`,
    })
  }

  // ---- /authorize ----------------------------------------------------------------------------------

  async function authorize(req: FastifyRequest, reply: FastifyReply, endpoint: 'v1' | 'v2') {
    const p = { ...q(req), ...(req.method === 'POST' ? formParams(req.body) : {}) }
    const locale = localeOf(req, p.ui_locales ?? p.mkt)
    const { tenant: tenantRef } = req.params as { tenant: string }
    let client: ClientRecord | null
    try {
      const where = await resolveTenant(svc, tenantRef)
      client = p.client_id ? await svc.client(p.client_id) : null
      if (!client || (where.tenant && where.tenant.id !== client.tenant.id))
        throw new EntraError(700016, [p.client_id ?? '', tenantRef])
      if (!client.app.enabled) throw new EntraError(7000112, [client.app.displayName])
    } catch (err) {
      if (err instanceof EntraError)
        return errorPage(reply, locale, 400, t(locale, 'badRequest'), err.message)
      throw err
    }
    const app: Application = client.app
    const redirectUri = p.redirect_uri ?? app.redirectUris[0]
    if (!redirectUri || !redirectUriAllowed(app.redirectUris, redirectUri))
      return errorPage(
        reply,
        locale,
        400,
        t(locale, 'badRequest'),
        new EntraError(50011, [redirectUri ?? '', app.appId]).message,
      )
    const mode = p.response_mode === 'form_post' || p.response_mode === 'fragment' ? p.response_mode : 'query'
    const r: InteractionRequest = {
      kind: 'authorize',
      locale,
      tenantRef,
      endpoint,
      clientId: app.appId,
      redirectUri,
      scope: p.scope ?? '',
      resource: p.resource ?? (endpoint === 'v1' ? 'https://api.securitycenter.microsoft.com' : null),
      state: p.state ?? null,
      nonce: p.nonce ?? null,
      codeChallenge: p.code_challenge ?? null,
      codeChallengeMethod: p.code_challenge ? (p.code_challenge_method ?? 'plain') : null,
      responseMode: mode,
      prompt: p.prompt ?? null,
      loginHint: p.login_hint ?? null,
    }
    try {
      if (p.response_type !== 'code')
        throw new EntraError(500121, [p.response_type ?? ''], { error: 'unsupported_response_type' })
      if (r.codeChallenge) {
        if (r.codeChallengeMethod !== 'S256' && r.codeChallengeMethod !== 'plain')
          throw new EntraError(50147, ['Only S256 and plain are supported.'])
        if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(r.codeChallenge)) throw new EntraError(501491)
      } else if (app.publicClient)
        throw new EntraError(50147, ['PKCE (code_challenge) is required for public clients.'])
      // Only permissions the resource defines may reach the consent page (and the grant table).
      requireDefinedScopes(
        parseTarget(
          svc,
          endpoint,
          { scope: r.scope, resource: r.resource ?? undefined },
          client.tenant.defaultDomain,
        ),
      )
    } catch (err) {
      if (err instanceof EntraError) return redirectError(reply, r, err)
      throw err
    }
    const { id, csrf } = await startInteraction(reply, r)
    return proceed(req, reply, id, r, csrf)
  }

  app.get('/:tenant/oauth2/authorize', (req, reply) => authorize(req, reply, 'v1'))
  app.get('/:tenant/oauth2/v2.0/authorize', (req, reply) => authorize(req, reply, 'v2'))
  app.post('/:tenant/oauth2/authorize', (req, reply) => authorize(req, reply, 'v1'))
  app.post('/:tenant/oauth2/v2.0/authorize', (req, reply) => authorize(req, reply, 'v2'))

  // ---- admin consent --------------------------------------------------------------------------------

  const adminConsent = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = q(req)
    const locale = localeOf(req, p.ui_locales)
    const client = p.client_id ? await svc.client(p.client_id) : null
    if (!client)
      return errorPage(
        reply,
        locale,
        400,
        t(locale, 'badRequest'),
        new EntraError(700016, [p.client_id ?? '', '']).message,
      )
    const redirectUri = p.redirect_uri ?? client.app.redirectUris[0]
    if (!redirectUri || !redirectUriAllowed(client.app.redirectUris, redirectUri))
      return errorPage(
        reply,
        locale,
        400,
        t(locale, 'badRequest'),
        new EntraError(50011, [redirectUri ?? '', client.app.appId]).message,
      )
    const r: InteractionRequest = {
      kind: 'adminconsent',
      locale,
      clientId: client.app.appId,
      redirectUri,
      state: p.state ?? null,
      responseMode: 'query',
    }
    const { id, csrf } = await startInteraction(reply, r)
    return proceed(req, reply, id, r, csrf)
  }
  app.get('/:tenant/adminconsent', adminConsent)
  app.get('/:tenant/v2.0/adminconsent', adminConsent)

  // ---- interaction steps -----------------------------------------------------------------------------

  app.get('/oauth2/interaction/:id', async (req, reply) => {
    const { id } = req.params as { id: string }
    const ia = await loadInteraction(req, id)
    const locale = localeOf(req)
    if (!ia) return errorPage(reply, locale, 400, t(locale, 'sessionExpired'))
    return proceed(req, reply, id, ia.request, ia.csrf)
  })

  app.post('/oauth2/interaction/:id/login', async (req, reply) => {
    const { id } = req.params as { id: string }
    const form = formParams(req.body)
    const ia = await loadInteraction(req, id, form.csrf ?? '')
    const locale = localeOf(req)
    if (!ia) return errorPage(reply, locale, 400, t(locale, 'sessionExpired'))
    const r = ia.request
    const client = r.clientId ? await svc.client(r.clientId) : null
    if (!client) return errorPage(reply, r.locale, 400, t(r.locale, 'badRequest'))
    try {
      const user = await checkPassword(
        svc,
        { ip: req.ip },
        form.username ?? '',
        form.password ?? '',
        client.tenant.id,
      )
      const sid = await svc.state.createSession(user.tenantId, user.id, SESSION_MS)
      void reply.header('set-cookie', [
        cookie(SESSION_COOKIE, sid, secure(), SESSION_MS / 1000),
        cookie(INTERACTION_COOKIE, ia.csrf, secure(), 900),
      ])
      // Post/redirect/get: the next step renders on GET, so reloads never resubmit the password.
      return reply.redirect(`/oauth2/interaction/${id}`, 303)
    } catch (err) {
      if (!(err instanceof EntraError)) throw err
      const key =
        err.code === 50053
          ? 'locked'
          : err.code === 50057
            ? 'disabled'
            : err.code === 50034
              ? 'wrongTenant'
              : 'badCredentials'
      return proceed(req, reply.code(400), id, r, ia.csrf, `${t(r.locale, key)} (AADSTS${err.code})`)
    }
  })

  app.post('/oauth2/interaction/:id/consent', async (req, reply) => {
    const { id } = req.params as { id: string }
    const form = formParams(req.body)
    const ia = await loadInteraction(req, id, form.csrf ?? '')
    const locale = localeOf(req)
    if (!ia) return errorPage(reply, locale, 400, t(locale, 'sessionExpired'))
    const r = ia.request
    const client = r.clientId ? await svc.client(r.clientId) : null
    const user = await sessionUser(req)
    if (!client || !user || user.tenantId !== client.tenant.id)
      return errorPage(reply, r.locale, 400, t(r.locale, 'sessionExpired'))
    if (form.decision !== 'accept') {
      await svc.state.deleteInteraction(id)
      svc.audit.record({
        tenantId: user.tenantId,
        kind: 'consent',
        outcome: 'failure',
        actor: user.id,
        target: client.app.appId,
        code: '65004',
      })
      if (r.kind === 'device') {
        await svc.state.decideDeviceCode(r.userCode!, { approve: false })
        return pageHeaders(reply).send(
          messagePage(r.locale, t(r.locale, 'deviceTitle'), t(r.locale, 'deviceDeclined')),
        )
      }
      return redirectError(reply, r, new EntraError(65004))
    }
    const admin = form.admin === '1' && (await isTenantAdmin(user))
    if (r.kind === 'adminconsent') {
      if (!admin) return errorPage(reply, r.locale, 403, t(r.locale, 'badRequest'), 'AADSTS90094')
      for (const [resourceAppId, perms] of Object.entries(client.app.requiredPermissions)) {
        for (const p of perms.application)
          await svc.directory.grantAppRole(client.tenant.id, client.app.appId, resourceAppId, p)
        for (const p of perms.delegated)
          await svc.directory.grantDelegated(client.tenant.id, {
            clientAppId: client.app.appId,
            resourceAppId,
            principalId: '',
            scope: p,
          })
      }
    } else {
      const need = await missingConsent(client, user, r)
      for (const p of need.missing)
        await svc.directory.grantDelegated(client.tenant.id, {
          clientAppId: client.app.appId,
          resourceAppId: need.resource.appId,
          principalId: admin ? '' : user.id,
          scope: p,
        })
    }
    svc.invalidate()
    svc.audit.record({
      tenantId: user.tenantId,
      kind: 'consent',
      outcome: 'success',
      actor: user.id,
      target: client.app.appId,
      code: admin ? 'admin' : 'user',
    })
    return complete(req, reply, id, r, client, user)
  })

  // ---- device code entry -------------------------------------------------------------------------

  app.get('/devicelogin', async (req, reply) => {
    const locale = localeOf(req, q(req).ui_locales ?? q(req).mkt)
    const { id, csrf } = await startInteraction(reply, { kind: 'device-entry', locale })
    return pageHeaders(reply).send(
      deviceCodePage(locale, {
        action: `/oauth2/interaction/${id}/code`,
        csrf,
        ...(q(req).otc ? { code: q(req).otc! } : {}),
      }),
    )
  })

  app.post('/oauth2/interaction/:id/code', async (req, reply) => {
    const { id } = req.params as { id: string }
    const form = formParams(req.body)
    const ia = await loadInteraction(req, id, form.csrf ?? '')
    const locale = ia?.request.locale ?? localeOf(req)
    if (!ia || ia.request.kind !== 'device-entry')
      return errorPage(reply, locale, 400, t(locale, 'sessionExpired'))
    const key = `usercode:${req.ip}`
    const bad = () =>
      pageHeaders(reply.code(400)).send(
        deviceCodePage(locale, {
          action: `/oauth2/interaction/${id}/code`,
          csrf: ia.csrf,
          error: `${t(locale, 'deviceBadCode')} (AADSTS70018)`,
        }),
      )
    if (await svc.state.lockedUntil(key)) return bad()
    const rec = await svc.state.findDeviceCodeByUserCode(form.code ?? '')
    if (!rec || rec.status !== 'pending' || rec.expiresAt <= svc.clock.nowMs()) {
      await svc.state.recordFailure(key, { windowMs: 900_000, limit: 20, lockMs: 900_000 })
      svc.audit.record({ tenantId: null, kind: 'signIn', outcome: 'failure', code: '70018', ip: req.ip })
      return bad()
    }
    await svc.state.deleteInteraction(id)
    const next: InteractionRequest = {
      kind: 'device',
      locale,
      tenantRef: rec.tenantRef,
      endpoint: rec.request.endpoint,
      clientId: rec.clientId,
      scope: rec.request.scope,
      resource: rec.request.resource,
      userCode: rec.userCode,
    }
    const started = await startInteraction(reply, next)
    return reply.redirect(`/oauth2/interaction/${started.id}`, 303)
  })

  // ---- sign-out ----------------------------------------------------------------------------------

  const logout = async (req: FastifyRequest, reply: FastifyReply) => {
    const sid = cookies(req)[SESSION_COOKIE]
    if (sid) {
      const s = await svc.state.getSession(sid)
      await svc.state.endSession(sid)
      if (s)
        svc.audit.record({
          tenantId: s.tenantId,
          kind: 'signOut',
          outcome: 'success',
          actor: s.userId,
          ip: req.ip,
        })
    }
    const locale = localeOf(req, q(req).ui_locales)
    void reply.header('set-cookie', cookie(SESSION_COOKIE, '', secure(), 0))
    return pageHeaders(reply).send(messagePage(locale, t(locale, 'signOut'), t(locale, 'signedOut')))
  }
  for (const path of ['/:tenant/oauth2/logout', '/:tenant/oauth2/v2.0/logout']) {
    app.get(path, logout)
    app.post(path, logout)
  }
}
