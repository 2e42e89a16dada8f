import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { RBAC_PERMISSIONS } from '../schema/permissions.js'
import { createAuthorizer } from './authorizer.js'
import { safeRedirectUri } from './browser-routes.js'
import { addCertificate, addSecret } from './credentials-admin.js'
import type { AppCredential, Tenant, User } from './directory/types.js'
import { EntraError } from './entra-error.js'
import type { IdentityService } from './identity-service.js'
import { AuthenticationError, type Principal } from './principal.js'
import { ADMIN_RESOURCE, MDE_RESOURCE, type ResourceDef } from './resources.js'
import { generatePassword, hashPassword } from './secrets.js'

/**
 * The administration API (`/admin/v1/…`). Callers present a bearer token for `api://bulwark-admin`
 * (client credentials of an app holding Directory.Read.All / Directory.ReadWrite.All /
 * Tenant.ReadWrite.All). Apps of the system tenant may manage every tenant; others only their own.
 * Errors use the MDE envelope `{"error":{"code","message","target"}}`. Every change is audited.
 */

class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

type Access = 'read' | 'write' | 'tenants'
const NEED: Record<Access, string[]> = {
  read: ['Directory.Read.All', 'Directory.ReadWrite.All', 'Tenant.ReadWrite.All'],
  write: ['Directory.ReadWrite.All', 'Tenant.ReadWrite.All'],
  tenants: ['Tenant.ReadWrite.All'],
}

const redirectUri = z
  .string()
  .refine(safeRedirectUri, 'must be an absolute URL without a fragment and not a script-capable scheme')

const appBody = z.object({
  displayName: z.string().min(1).max(200),
  publicClient: z.boolean().optional(),
  allowPasswordGrant: z.boolean().optional(),
  redirectUris: z.array(redirectUri).max(50).optional(),
  applicationPermissions: z.array(z.string()).optional(),
  delegatedPermissions: z.array(z.string()).optional(),
})
const appPatch = z.object({
  displayName: z.string().min(1).max(200).optional(),
  enabled: z.boolean().optional(),
  allowPasswordGrant: z.boolean().optional(),
  redirectUris: z.array(redirectUri).max(50).optional(),
})
const userBody = z.object({
  userPrincipalName: z.string().regex(/^[^@\s]+@[^@\s]+$/),
  displayName: z.string().min(1).max(200),
  givenName: z.string().optional(),
  surname: z.string().optional(),
  password: z.string().min(8).optional(),
  roleIds: z.array(z.number().int()).optional(),
})
const roleBody = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(1000).default(''),
  permissions: z.array(z.enum(RBAC_PERMISSIONS)),
  allDeviceGroups: z.boolean().default(false),
  deviceGroupIds: z.array(z.number().int()).default([]),
})
const groupBody = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(1000).default(''),
  rank: z.number().int().min(1),
  remediationLevel: z.string().default('SemiRequireApprovalForCoreFolders'),
  rules: z
    .object({
      tags: z.array(z.string()).max(10).optional(),
      namePrefixes: z.array(z.string()).max(10).optional(),
      domains: z.array(z.string()).max(10).optional(),
      osPlatforms: z.array(z.string()).max(10).optional(),
    })
    .default({}),
})

function parse<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body ?? {})
  if (!r.success)
    throw new AdminError(
      400,
      'InvalidRequestBody',
      r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    )
  return r.data
}

/** A credential as the admin API shows it: never the secret's hash or the certificate's key material. */
function credentialView(c: AppCredential) {
  return c.kind === 'secret'
    ? {
        id: c.id,
        kind: c.kind,
        displayName: c.displayName,
        hint: c.hint,
        expiresAt: new Date(c.expiresAt).toISOString(),
      }
    : {
        id: c.id,
        kind: c.kind,
        displayName: c.displayName,
        thumbprintSha1: c.thumbprintSha1,
        thumbprintSha256: c.thumbprintSha256,
        expiresAt: new Date(c.expiresAt).toISOString(),
      }
}

export function registerAdminApi(app: FastifyInstance, svc: IdentityService): void {
  const authorizer = createAuthorizer(svc, { resources: [ADMIN_RESOURCE] })

  /** A resource by app id or identifier URI (MDE when none is named). */
  const resourceOf = (id: string | undefined): ResourceDef => {
    if (!id) return MDE_RESOURCE
    const r = svc.catalogue.find(id)
    if (!r) throw new AdminError(400, 'InvalidInput', `Unknown resource '${id}'.`)
    return r
  }

  async function principalOf(req: FastifyRequest, access: Access): Promise<Principal> {
    const p = await authorizer.authenticate(req.headers.authorization)
    const need = NEED[access]
    const delegatedOk =
      p.kind === 'user' &&
      access !== 'tenants' &&
      need.some((n) => p.permissions.has(n)) &&
      p.rbacPermissions.has('ManagePortalSystemSettings')
    if (p.kind === 'application' ? !need.some((n) => p.permissions.has(n)) : !delegatedOk)
      throw new AdminError(
        403,
        'Forbidden',
        `Missing application roles. API required roles: ${need.join(', ')}.`,
      )
    return p
  }

  async function tenantFor(p: Principal, ref: string): Promise<Tenant> {
    const t = await svc.tenant(ref)
    if (!t) throw new AdminError(404, 'NotFound', `Tenant '${ref}' not found.`)
    const own = await svc.tenant(p.tenantId)
    if (t.id !== p.tenantId && !own?.isSystem)
      throw new AdminError(403, 'Forbidden', 'The caller may only administer its own tenant.')
    return t
  }

  async function appIn(t: Tenant, appId: string) {
    const a = await svc.directory.getApplication(appId)
    if (!a || a.tenantId !== t.id)
      throw new AdminError(404, 'NotFound', `Application '${appId}' not found in tenant ${t.defaultDomain}.`)
    return a
  }

  async function userIn(t: Tenant, ref: string): Promise<User> {
    const u = ref.includes('@') ? await svc.directory.findUserByUpn(ref) : await svc.directory.getUser(ref)
    if (!u || u.tenantId !== t.id)
      throw new AdminError(404, 'NotFound', `User '${ref}' not found in tenant ${t.defaultDomain}.`)
    return u
  }

  function changed(
    req: FastifyRequest,
    p: Principal,
    tenantId: string | null,
    op: string,
    target: string | null,
    details?: Record<string, unknown>,
  ) {
    svc.invalidate()
    svc.audit.record({
      tenantId,
      kind: 'directoryChange',
      outcome: 'success',
      actor: p.appId,
      target,
      code: op,
      correlationId: req.id,
      ip: req.ip,
      ...(details ? { details } : {}),
    })
  }

  type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  type Params = Record<string, string>
  type Handler = (req: FastifyRequest, p: Principal, params: Params) => Promise<unknown>
  const route = (method: Method, path: string, access: Access, fn: Handler, status = 200) =>
    app.route({
      method,
      url: `/admin/v1${path}`,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        try {
          const p = await principalOf(req, access)
          const out = await fn(req, p, req.params as Params)
          if (out === undefined) return reply.code(204).send()
          return reply.code(status).header('cache-control', 'no-store').send(out)
        } catch (err) {
          const e =
            err instanceof AdminError
              ? err
              : err instanceof AuthenticationError
                ? new AdminError(401, 'Unauthorized', err.message)
                : err instanceof EntraError
                  ? new AdminError(400, 'InvalidInput', err.message)
                  : null
          if (!e) {
            req.log.error({ err }, 'admin API failed')
            return reply.code(500).send({
              error: {
                code: 'InternalServerError',
                message: 'An internal error occurred.',
                target: req.id,
              },
            })
          }
          if (err instanceof AuthenticationError) void reply.header('www-authenticate', err.wwwAuthenticate)
          svc.audit.record({
            tenantId: null,
            kind: 'adminAccess',
            outcome: 'failure',
            code: e.code,
            correlationId: req.id,
            ip: req.ip,
            target: `${method} ${path}`,
          })
          return reply.code(e.status).send({ error: { code: e.code, message: e.message, target: req.id } })
        }
      },
    })

  /** A route under `/tenants/:tenant`: the handler gets the tenant the caller may administer. */
  const tenantRoute = (
    method: Method,
    path: string,
    access: Access,
    fn: (req: FastifyRequest, p: Principal, t: Tenant, params: Params) => Promise<unknown>,
    status = 200,
  ) =>
    route(
      method,
      `/tenants/:tenant${path}`,
      access,
      async (req, p, params) => fn(req, p, await tenantFor(p, params.tenant!), params),
      status,
    )
  /**
   * Routes under `/tenants/:tenant/<collection>/:<param>`: the handler gets the tenant and the object
   * of that tenant the path names (`find` answers 404 for another tenant's).
   */
  const nestedRoutes =
    <T>(collection: string, param: string, find: (t: Tenant, ref: string) => Promise<T>) =>
    (
      method: Method,
      path: string,
      access: Access,
      fn: (req: FastifyRequest, p: Principal, t: Tenant, x: T, params: Params) => Promise<unknown>,
      status = 200,
    ) =>
      tenantRoute(
        method,
        `/${collection}/:${param}${path}`,
        access,
        async (req, p, t, params) => fn(req, p, t, await find(t, params[param]!), params),
        status,
      )
  const appRoute = nestedRoutes('applications', 'app', appIn)
  const userRoute = nestedRoutes('users', 'user', userIn)

  // ---- tenants ----
  route('GET', '/tenants', 'read', async (_req, p) => {
    const own = await svc.tenant(p.tenantId)
    const all = await svc.directory.listTenants()
    return { value: own?.isSystem ? all : all.filter((t) => t.id === p.tenantId) }
  })
  route(
    'POST',
    '/tenants',
    'tenants',
    async (req, p) => {
      const b = parse(
        z.object({
          displayName: z.string().min(1),
          domain: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i),
          id: z.uuid().optional(),
        }),
        req.body,
      )
      if (await svc.directory.findTenant(b.domain))
        throw new AdminError(409, 'Conflict', `Domain ${b.domain} is already in use.`)
      const t = await svc.directory.createTenant({
        displayName: b.displayName,
        domain: b.domain,
        ...(b.id ? { id: b.id } : {}),
      })
      changed(req, p, t.id, 'createTenant', t.id)
      return t
    },
    201,
  )
  tenantRoute('GET', '', 'read', (_req, _p, t) => Promise.resolve(t))
  tenantRoute('DELETE', '', 'tenants', async (req, p, t) => {
    if (t.isSystem) throw new AdminError(400, 'DisallowedOperation', 'The system tenant cannot be deleted.')
    await svc.directory.deleteTenant(t.id)
    changed(req, p, t.id, 'deleteTenant', t.id)
  })
  tenantRoute(
    'POST',
    '/domains',
    'tenants',
    async (req, p, t) => {
      const b = parse(z.object({ domain: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i) }), req.body)
      if (await svc.directory.findTenant(b.domain))
        throw new AdminError(409, 'Conflict', `Domain ${b.domain} is already in use.`)
      await svc.directory.addTenantDomain(t.id, b.domain)
      changed(req, p, t.id, 'addDomain', b.domain)
      return svc.directory.findTenant(t.id)
    },
    201,
  )

  // ---- applications ----
  tenantRoute('GET', '/applications', 'read', async (_req, _p, t) => ({
    value: await svc.directory.listApplications(t.id),
  }))
  tenantRoute(
    'POST',
    '/applications',
    'write',
    async (req, p, t) => {
      const b = parse(appBody, req.body)
      for (const perm of b.applicationPermissions ?? [])
        if (!MDE_RESOURCE.applicationPermissions.includes(perm))
          throw new AdminError(400, 'InvalidInput', `Unknown application permission '${perm}'.`)
      for (const perm of b.delegatedPermissions ?? [])
        if (!MDE_RESOURCE.delegatedPermissions.includes(perm))
          throw new AdminError(400, 'InvalidInput', `Unknown delegated permission '${perm}'.`)
      const a = await svc.directory.createApplication({
        tenantId: t.id,
        displayName: b.displayName,
        publicClient: b.publicClient ?? false,
        allowPasswordGrant: b.allowPasswordGrant ?? false,
        redirectUris: b.redirectUris ?? [],
        requiredPermissions: {
          [MDE_RESOURCE.appId]: {
            application: b.applicationPermissions ?? [],
            delegated: b.delegatedPermissions ?? [],
          },
        },
      })
      changed(req, p, t.id, 'createApplication', a.appId)
      return a
    },
    201,
  )
  appRoute('GET', '', 'read', (_req, _p, _t, a) => Promise.resolve(a))
  appRoute('PATCH', '', 'write', async (req, p, t, a) => {
    const b = parse(appPatch, req.body)
    const out = await svc.directory.updateApplication(a.appId, b)
    changed(req, p, t.id, 'updateApplication', a.appId, b)
    return out
  })
  appRoute('DELETE', '', 'write', async (req, p, t, a) => {
    await svc.directory.deleteApplication(a.appId)
    changed(req, p, t.id, 'deleteApplication', a.appId)
  })

  // ---- credentials ----
  appRoute('GET', '/credentials', 'read', async (_req, _p, _t, a) => ({
    value: (await svc.directory.listCredentials(a.appId)).map(credentialView),
  }))
  appRoute(
    'POST',
    '/secrets',
    'write',
    async (req, p, t, a) => {
      const b = parse(
        z.object({
          displayName: z.string().max(200).optional(),
          expiresInDays: z.number().int().min(1).max(3650).optional(),
        }),
        req.body,
      )
      const { credential, secret } = await addSecret(svc, a.appId, b)
      changed(req, p, t.id, 'addSecret', a.appId, { credentialId: credential.id })
      return {
        ...credential,
        expiresAt: new Date(credential.expiresAt).toISOString(),
        createdAt: new Date(credential.createdAt).toISOString(),
        secretText: secret,
      }
    },
    201,
  )
  appRoute(
    'POST',
    '/certificates',
    'write',
    async (req, p, t, a) => {
      const b = parse(
        z.object({ pem: z.string().min(100), displayName: z.string().max(200).optional() }),
        req.body,
      )
      const c = await addCertificate(svc, a.appId, b.pem, b.displayName)
      changed(req, p, t.id, 'addCertificate', a.appId, {
        credentialId: c.id,
        thumbprintSha256: c.thumbprintSha256,
      })
      return credentialView(c)
    },
    201,
  )
  appRoute('DELETE', '/credentials/:credential', 'write', async (req, p, t, a, { credential }) => {
    if (!(await svc.directory.removeCredential(a.appId, credential!)))
      throw new AdminError(404, 'NotFound', `Credential '${credential}' not found.`)
    changed(req, p, t.id, 'removeCredential', a.appId, { credentialId: credential })
  })

  // ---- application permissions (admin-consented app roles) ----
  appRoute('GET', '/permissions', 'read', async (_req, _p, _t, a) => ({
    value: await svc.directory.listAppRoles(a.appId),
  }))
  appRoute(
    'POST',
    '/permissions',
    'write',
    async (req, p, t, a) => {
      const b = parse(
        z.object({ permissions: z.array(z.string()).min(1), resource: z.string().optional() }),
        req.body,
      )
      const res = resourceOf(b.resource)
      if (res.appId === ADMIN_RESOURCE.appId && !(await svc.tenant(p.tenantId))?.isSystem)
        throw new AdminError(403, 'Forbidden', 'Only the system tenant may grant administration roles.')
      for (const perm of b.permissions)
        if (!res.applicationPermissions.includes(perm))
          throw new AdminError(
            400,
            'InvalidInput',
            `Unknown application permission '${perm}' of ${res.displayName}.`,
          )
      for (const perm of b.permissions) await svc.directory.grantAppRole(t.id, a.appId, res.appId, perm)
      changed(req, p, t.id, 'grantAppRoles', a.appId, { resource: res.appId, permissions: b.permissions })
      return { value: await svc.directory.listAppRoles(a.appId) }
    },
    201,
  )
  appRoute('DELETE', '/permissions/:permission', 'write', async (req, p, t, a, { permission }) => {
    const res = resourceOf((req.query as Record<string, string | undefined>).resource)
    if (!(await svc.directory.revokeAppRole(a.appId, res.appId, permission!)))
      throw new AdminError(404, 'NotFound', `Permission '${permission}' is not granted.`)
    changed(req, p, t.id, 'revokeAppRole', a.appId, { resource: res.appId, permission })
  })

  // ---- delegated consent ----
  appRoute('GET', '/consents', 'read', async (_req, _p, _t, a) => ({
    value: await svc.directory.listDelegated(a.appId),
  }))
  appRoute(
    'POST',
    '/consents',
    'write',
    async (req, p, t, a) => {
      const b = parse(
        z.object({
          scopes: z.array(z.string()).min(1),
          user: z.string().optional(),
          resource: z.string().optional(),
        }),
        req.body,
      )
      const res = resourceOf(b.resource)
      const principalId = b.user ? (await userIn(t, b.user)).id : ''
      for (const s of b.scopes)
        if (!res.delegatedPermissions.includes(s))
          throw new AdminError(400, 'InvalidInput', `Unknown delegated permission '${s}'.`)
      for (const s of b.scopes)
        await svc.directory.grantDelegated(t.id, {
          clientAppId: a.appId,
          resourceAppId: res.appId,
          principalId,
          scope: s,
        })
      changed(req, p, t.id, 'grantConsent', a.appId, {
        scopes: b.scopes,
        principalId: principalId || 'AllPrincipals',
      })
      return { value: await svc.directory.listDelegated(a.appId) }
    },
    201,
  )
  appRoute('DELETE', '/consents/:scope', 'write', async (req, p, t, a, { scope }) => {
    const q = req.query as Record<string, string | undefined>
    const principalId = q.user ? (await userIn(t, q.user)).id : ''
    const ok = await svc.directory.revokeDelegated({
      clientAppId: a.appId,
      resourceAppId: resourceOf(q.resource).appId,
      principalId,
      scope: scope!,
    })
    if (!ok) throw new AdminError(404, 'NotFound', `Consent for '${scope}' not found.`)
    changed(req, p, t.id, 'revokeConsent', a.appId, { scope, principalId: principalId || 'AllPrincipals' })
  })
  appRoute('POST', '/adminConsent', 'write', async (req, p, t, a) => {
    for (const [resourceAppId, perms] of Object.entries(a.requiredPermissions)) {
      for (const perm of perms.application)
        await svc.directory.grantAppRole(t.id, a.appId, resourceAppId, perm)
      for (const s of perms.delegated)
        await svc.directory.grantDelegated(t.id, {
          clientAppId: a.appId,
          resourceAppId,
          principalId: '',
          scope: s,
        })
    }
    changed(req, p, t.id, 'adminConsent', a.appId)
    return {
      appRoles: await svc.directory.listAppRoles(a.appId),
      delegated: await svc.directory.listDelegated(a.appId),
    }
  })

  // ---- users ----
  const showUser = async (u: User) => {
    const { passwordHash: _h, ...rest } = u
    return {
      ...rest,
      createdAt: new Date(u.createdAt).toISOString(),
      access: await svc.directory.userAccess(u.tenantId, u.id),
    }
  }
  tenantRoute('GET', '/users', 'read', async (_req, _p, t) => ({
    value: await Promise.all((await svc.directory.listUsers(t.id)).map(showUser)),
  }))
  userRoute('GET', '', 'read', async (_req, _p, _t, u) => showUser(u))
  tenantRoute(
    'POST',
    '/users',
    'write',
    async (req, p, t) => {
      const b = parse(userBody, req.body)
      // As in Entra, the UPN suffix must be one of the tenant's own domains (no squatting of others' names).
      const suffix = b.userPrincipalName.slice(b.userPrincipalName.indexOf('@') + 1).toLowerCase()
      if (!t.domains.map((d) => d.toLowerCase()).includes(suffix))
        throw new AdminError(
          400,
          'InvalidInput',
          `The domain '${suffix}' is not a domain of tenant ${t.defaultDomain}; use one of: ${t.domains.join(', ')}.`,
        )
      if (await svc.directory.findUserByUpn(b.userPrincipalName))
        throw new AdminError(409, 'Conflict', `User ${b.userPrincipalName} already exists.`)
      const password = b.password ?? generatePassword()
      const u = await svc.directory.createUser({
        tenantId: t.id,
        userPrincipalName: b.userPrincipalName,
        displayName: b.displayName,
        givenName: b.givenName ?? null,
        surname: b.surname ?? null,
        passwordHash: await hashPassword(password),
      })
      for (const r of b.roleIds ?? []) await svc.directory.assignRole(t.id, u.id, r)
      changed(req, p, t.id, 'createUser', u.id)
      return { ...(await showUser(u)), ...(b.password ? {} : { password }) }
    },
    201,
  )
  userRoute('PATCH', '', 'write', async (req, p, t, u) => {
    const b = parse(
      z.object({
        displayName: z.string().min(1).optional(),
        enabled: z.boolean().optional(),
        password: z.string().min(8).optional(),
      }),
      req.body,
    )
    const next = await svc.directory.updateUser(u.id, {
      ...(b.displayName ? { displayName: b.displayName } : {}),
      ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
      ...(b.password ? { passwordHash: await hashPassword(b.password) } : {}),
    })
    if (b.enabled === false || b.password) await svc.state.revokeUserTokens(u.id)
    changed(req, p, t.id, 'updateUser', u.id, { enabled: b.enabled, passwordChanged: Boolean(b.password) })
    return showUser(next!)
  })
  userRoute('DELETE', '', 'write', async (req, p, t, u) => {
    await svc.state.revokeUserTokens(u.id)
    await svc.directory.deleteUser(t.id, u.id)
    changed(req, p, t.id, 'deleteUser', u.id)
  })
  userRoute(
    'POST',
    '/roles',
    'write',
    async (req, p, t, u) => {
      const b = parse(z.object({ roleId: z.number().int() }), req.body)
      if (!(await svc.directory.listRoles(t.id)).some((r) => r.id === b.roleId))
        throw new AdminError(404, 'NotFound', `Role ${b.roleId} not found.`)
      await svc.directory.assignRole(t.id, u.id, b.roleId)
      changed(req, p, t.id, 'assignRole', u.id, { roleId: b.roleId })
      return showUser(u)
    },
    201,
  )
  userRoute('DELETE', '/roles/:role', 'write', async (req, p, t, u, { role }) => {
    if (!(await svc.directory.unassignRole(t.id, u.id, Number(role))))
      throw new AdminError(404, 'NotFound', `Role ${role} is not assigned.`)
    changed(req, p, t.id, 'unassignRole', u.id, { roleId: Number(role) })
  })
  userRoute('POST', '/revokeSessions', 'write', async (req, p, t, u) => {
    const n = await svc.state.revokeUserTokens(u.id)
    changed(req, p, t.id, 'revokeSessions', u.id, { families: n })
    return { revokedTokenFamilies: n }
  })

  // ---- RBAC roles and device groups ----
  tenantRoute('GET', '/roles', 'read', async (_req, _p, t) => ({
    value: await svc.directory.listRoles(t.id),
  }))
  tenantRoute('PUT', '/roles/:role', 'write', async (req, p, t, { role }) => {
    const id = Number(role)
    if (!Number.isInteger(id) || id < 1)
      throw new AdminError(400, 'InvalidInput', 'Role ids are positive integers.')
    const b = parse(roleBody, req.body)
    await svc.directory.upsertRole({ tenantId: t.id, id, ...b })
    changed(req, p, t.id, 'setRole', String(id), b)
    return (await svc.directory.listRoles(t.id)).find((r) => r.id === id)
  })
  tenantRoute('DELETE', '/roles/:role', 'write', async (req, p, t, { role }) => {
    if (!(await svc.directory.deleteRole(t.id, Number(role))))
      throw new AdminError(404, 'NotFound', `Role ${role} not found.`)
    changed(req, p, t.id, 'deleteRole', String(role))
  })
  tenantRoute('GET', '/device-groups', 'read', async (_req, _p, t) => ({
    value: await svc.directory.listDeviceGroups(t.id),
  }))
  tenantRoute('PUT', '/device-groups/:group', 'write', async (req, p, t, { group }) => {
    const id = Number(group)
    if (!Number.isInteger(id) || id < 1)
      throw new AdminError(
        400,
        'InvalidInput',
        'Device group ids are positive integers (0 is the ungrouped default).',
      )
    const b = parse(groupBody, req.body)
    await svc.directory.upsertDeviceGroup({ tenantId: t.id, id, ...b })
    changed(req, p, t.id, 'setDeviceGroup', String(id), b)
    return (await svc.directory.listDeviceGroups(t.id)).find((g) => g.id === id)
  })
  tenantRoute('DELETE', '/device-groups/:group', 'write', async (req, p, t, { group }) => {
    if (!(await svc.directory.deleteDeviceGroup(t.id, Number(group))))
      throw new AdminError(404, 'NotFound', `Device group ${group} not found.`)
    changed(req, p, t.id, 'deleteDeviceGroup', String(group))
  })

  // ---- audit ----
  tenantRoute('GET', '/audit', 'read', async (req, _p, t) => {
    const q = req.query as Record<string, string | undefined>
    const since = q.since ? Date.parse(q.since) : undefined
    const events = await svc.audit.list({
      tenantId: t.id,
      ...(q.kind ? { kind: q.kind } : {}),
      ...(since !== undefined && !Number.isNaN(since) ? { since } : {}),
      limit: Number(q.limit ?? 100) || 100,
    })
    return { value: events.map((e) => ({ ...e, at: new Date(e.at).toISOString() })) }
  })
}
