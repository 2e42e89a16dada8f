import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { authenticateClient, type TokenRequestContext } from './client-auth.js'
import { EntraError, entraErrorBody, AADSTS } from './entra-error.js'
import { pickLocale, t } from './i18n.js'
import type { IdentityService } from './identity-service.js'
import { requireDefinedScopes } from './resources.js'
import { parseTarget, resolveTenant, TENANT_ALIASES, tokenEndpoint } from './token-endpoint.js'

type Params = Record<string, string>

/** Form bodies as a flat string map; the first occurrence of a repeated parameter wins. */
export function formParams(body: unknown): Params {
  const out: Params = {}
  if (typeof body === 'string') {
    for (const [k, v] of new URLSearchParams(body)) if (!(k in out)) out[k] = v
  } else if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body as Record<string, unknown>))
      if (typeof v === 'string') out[k] = v
  }
  return out
}

export function correlationIdOf(req: FastifyRequest, params: Params): string | undefined {
  const q = (req.query ?? {}) as Record<string, unknown>
  const h = req.headers['client-request-id'] ?? req.headers['x-ms-client-request-id']
  const v =
    params['client-request-id'] ??
    (typeof q['client-request-id'] === 'string' ? q['client-request-id'] : undefined)
  return v ?? (typeof h === 'string' ? h : undefined)
}

export function sendEntraError(
  svc: IdentityService,
  reply: FastifyReply,
  err: EntraError,
  correlationId: string | undefined,
  origin: string,
) {
  const body = entraErrorBody(err, { correlationId, now: svc.clock.now(), baseUrl: origin })
  void reply.code(err.status).header('cache-control', 'no-store').header('pragma', 'no-cache')
  if (err.retryAfterSeconds) void reply.header('retry-after', String(err.retryAfterSeconds))
  return reply.send(body)
}

/** Wraps a handler: EntraErrors become Entra-shaped bodies; anything else is logged and a 500 `server_error`. */
function entra(
  svc: IdentityService,
  fn: (req: FastifyRequest, reply: FastifyReply, origin: string, params: Params) => Promise<unknown>,
) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const origin = svc.originFor(req.headers.host)
    const params = formParams(req.body)
    try {
      return await fn(req, reply, origin, params)
    } catch (err) {
      if (err instanceof EntraError)
        return sendEntraError(svc, reply, err, correlationIdOf(req, params), origin)
      req.log.error({ err }, 'identity endpoint failed')
      const e = new EntraError(9002313, ['An internal error occurred.'], {
        error: 'server_error',
        status: 500,
      })
      return sendEntraError(svc, reply, e, correlationIdOf(req, params), origin)
    }
  }
}

/** Discovery documents (identity.md §3.6). Endpoint paths start with the tenant segment as addressed (§5.3). */
export function discoveryDocument(
  origin: string,
  tenantSegment: string,
  tenantId: string | null,
  version: 'v1' | 'v2',
) {
  const T = `${origin}/${tenantSegment}`
  const tid = tenantId ?? '{tenantid}'
  if (version === 'v2')
    return {
      token_endpoint: `${T}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${T}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${origin}/${tid}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${T}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${T}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${T}/oauth2/v2.0/logout`,
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'acr',
        'nonce',
        'preferred_username',
        'name',
        'tid',
        'ver',
        'oid',
        'upn',
      ],
      code_challenge_methods_supported: ['S256', 'plain'],
      authorization_response_iss_parameter_supported: true,
      tenant_region_scope: null,
      cloud_instance_name: new URL(origin).host,
    }
  return {
    token_endpoint: `${T}/oauth2/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${origin}/common/discovery/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
    scopes_supported: ['openid'],
    issuer: `${origin}/${tid}/`,
    microsoft_multi_refresh_token: true,
    authorization_endpoint: `${T}/oauth2/authorize`,
    device_authorization_endpoint: `${T}/oauth2/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${T}/oauth2/logout`,
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'amr',
      'nonce',
      'email',
      'given_name',
      'family_name',
      'nickname',
    ],
    tenant_region_scope: null,
    cloud_instance_name: new URL(origin).host,
  }
}

function tokenContext(
  req: FastifyRequest,
  params: Params,
  origin: string,
  endpoint: 'v1' | 'v2',
): TokenRequestContext {
  const { tenant } = req.params as { tenant: string }
  return {
    params,
    authorization: req.headers.authorization,
    ip: req.ip,
    correlationId: correlationIdOf(req, params),
    tenantRef: tenant,
    endpoint,
    origin,
  }
}

export function registerProtocolRoutes(app: FastifyInstance, svc: IdentityService): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 256 * 1024 },
    (_req, body, done) => done(null, body),
  )

  for (const [path, endpoint] of [
    ['/:tenant/oauth2/token', 'v1'],
    ['/:tenant/oauth2/v2.0/token', 'v2'],
  ] as const)
    app.post(
      path,
      entra(svc, async (req, reply, origin, params) => {
        const body = await tokenEndpoint(svc, tokenContext(req, params, origin, endpoint))
        return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(body)
      }),
    )

  for (const [path, endpoint] of [
    ['/:tenant/oauth2/devicecode', 'v1'],
    ['/:tenant/oauth2/v2.0/devicecode', 'v2'],
  ] as const)
    app.post(
      path,
      entra(svc, async (req, reply, origin, params) => {
        const ctx = tokenContext(req, params, origin, endpoint)
        const where = await resolveTenant(svc, ctx.tenantRef)
        const a = await authenticateClient(svc, ctx, where.tenant?.id ?? null, false)
        requireDefinedScopes(parseTarget(svc, endpoint, params, a.client.tenant.defaultDomain))
        const lifetime = 900
        const { deviceCode, userCode } = await svc.state.issueDeviceCode(
          {
            tenantRef: ctx.tenantRef,
            clientId: a.client.app.appId,
            request: { scope: params.scope ?? '', resource: params.resource ?? null, endpoint },
          },
          lifetime * 1000,
        )
        const q = req.query as Record<string, string | undefined>
        const locale = pickLocale(q.mkt ?? params.mkt, req.headers['accept-language'])
        const uri = `${origin}/devicelogin`
        const shown = `${userCode.slice(0, 4)}-${userCode.slice(4)}`
        return reply.header('cache-control', 'no-store').send({
          user_code: shown,
          device_code: deviceCode,
          verification_uri: uri,
          ...(endpoint === 'v1' ? { verification_url: uri } : {}),
          expires_in: endpoint === 'v1' ? String(lifetime) : lifetime,
          interval:
            endpoint === 'v1'
              ? String(svc.options.deviceCodeIntervalSeconds)
              : svc.options.deviceCodeIntervalSeconds,
          message: t(locale, 'deviceMessage', uri, shown),
        })
      }),
    )

  for (const [path, version] of [
    ['/:tenant/.well-known/openid-configuration', 'v1'],
    ['/:tenant/v2.0/.well-known/openid-configuration', 'v2'],
  ] as const)
    app.get(
      path,
      entra(svc, async (req, reply, origin) => {
        const { tenant: seg } = req.params as { tenant: string }
        let tenantId: string | null = null
        if (!TENANT_ALIASES.has(seg.toLowerCase())) {
          const tenant = await svc.tenant(seg)
          if (!tenant) throw new EntraError(90002, [seg], { status: 400 })
          tenantId = tenant.id
        }
        return reply
          .header('cache-control', 'max-age=86400, private')
          .send(discoveryDocument(origin, seg, tenantId, version))
      }),
    )

  // v2 key sets carry the issuer each key signs for (templated on /common), as Entra's do.
  const keys = (v2: boolean) =>
    entra(svc, async (req, reply, origin) => {
      await svc.keys.refresh(60_000)
      const seg = (req.params as { tenant?: string }).tenant ?? 'common'
      const tenant = v2 && !TENANT_ALIASES.has(seg.toLowerCase()) ? await svc.tenant(seg) : null
      const jwks = svc.keys.jwks()
      const body = v2
        ? { keys: jwks.keys.map((k) => ({ ...k, issuer: `${origin}/${tenant?.id ?? '{tenantid}'}/v2.0` })) }
        : jwks
      return reply.header('cache-control', 'max-age=86400, private').send(body)
    })
  app.get('/common/discovery/keys', keys(false))
  app.get('/:tenant/discovery/keys', keys(false))
  app.get('/:tenant/discovery/v2.0/keys', keys(true))

  app.get(
    '/common/discovery/instance',
    entra(svc, async (req, reply) => {
      const q = req.query as Record<string, string | undefined>
      let target: URL | null
      try {
        target = q.authorization_endpoint ? new URL(q.authorization_endpoint) : null
      } catch {
        target = null
      }
      if (!target || !svc.trustedOrigins().has(target.origin)) throw new EntraError(50049)
      const tenant = target.pathname.split('/')[1] ?? 'common'
      const host = target.host
      return reply.send({
        tenant_discovery_endpoint: `${target.origin}/${tenant}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      })
    }),
  )

  // MSAL Python asks for the user's realm before ROPC; every Bulwark account is "Managed" (no federation).
  app.get(
    '/common/userrealm/:upn',
    entra(svc, async (req, reply, origin) => {
      const { upn } = req.params as { upn: string }
      const domain = upn.includes('@') ? upn.slice(upn.lastIndexOf('@') + 1).toLowerCase() : ''
      return reply.send({
        ver: '1.0',
        account_type: 'Managed',
        domain_name: domain,
        cloud_instance_name: new URL(origin).host,
        cloud_audience_urn: 'urn:federation:MicrosoftOnline',
      })
    }),
  )

  app.get('/error', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>
    const entry = q.code ? (AADSTS as Record<string, readonly [string, number, string]>)[q.code] : undefined
    return reply.send(
      entry ? { code: Number(q.code), error: entry[0], message: entry[2] } : { error: 'unknown code' },
    )
  })
}
