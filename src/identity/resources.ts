import {
  APPLICATION_PERMISSIONS,
  DELEGATED_PERMISSIONS,
  MDE_RESOURCE_APP_ID,
  MDE_RESOURCE_DISPLAY_NAME,
  MDE_RESOURCE_URIS,
} from '../schema/permissions.js'
import { EntraError } from './entra-error.js'

/** A protected API tokens can be issued for (Entra: a resource service principal). */
export interface ResourceDef {
  appId: string
  displayName: string
  identifierUris: readonly string[]
  applicationPermissions: readonly string[]
  delegatedPermissions: readonly string[]
}

export const MDE_RESOURCE: ResourceDef = {
  appId: MDE_RESOURCE_APP_ID,
  displayName: MDE_RESOURCE_DISPLAY_NAME,
  identifierUris: [...MDE_RESOURCE_URIS, 'https://api.securitycenter.windows.com'],
  applicationPermissions: Object.keys(APPLICATION_PERMISSIONS),
  delegatedPermissions: Object.keys(DELEGATED_PERMISSIONS),
}

/**
 * Microsoft Defender XDR ("Microsoft Threat Protection", identity.md §4.1): its advanced hunting API
 * (`POST /api/advancedhunting/run`) takes tokens for this resource. Only the permissions Bulwark serves.
 */
export const XDR_RESOURCE: ResourceDef = {
  appId: '8ee8fdad-f234-4243-8f3b-15c294843740',
  displayName: 'Microsoft Threat Protection',
  identifierUris: ['https://api.security.microsoft.com'],
  applicationPermissions: ['AdvancedHunting.Read.All'],
  delegatedPermissions: ['AdvancedHunting.Read'],
}

/**
 * Microsoft Graph: `POST /v1.0/security/runHuntingQuery` takes Graph tokens with ThreatHunting.Read.All
 * (the same name as application role and delegated scope). Only the permissions Bulwark serves.
 */
export const GRAPH_RESOURCE: ResourceDef = {
  appId: '00000003-0000-0000-c000-000000000000',
  displayName: 'Microsoft Graph',
  identifierUris: ['https://graph.microsoft.com'],
  applicationPermissions: ['ThreatHunting.Read.All'],
  delegatedPermissions: ['ThreatHunting.Read.All'],
}

/** The resources whose tokens the product's data APIs accept (each route names which ones). */
export const API_RESOURCES: readonly ResourceDef[] = [MDE_RESOURCE, XDR_RESOURCE, GRAPH_RESOURCE]

/** Bulwark's own administration API (admin API and CLI). */
export const ADMIN_RESOURCE_APP_ID = '5b0ad1e4-6c1f-4a7e-9f4a-b0a1a2c3d4e5'
export const ADMIN_RESOURCE_URI = 'api://bulwark-admin'
export const ADMIN_PERMISSIONS = [
  'Directory.Read.All',
  'Directory.ReadWrite.All',
  'Tenant.ReadWrite.All',
] as const
export type AdminPermission = (typeof ADMIN_PERMISSIONS)[number]
export const ADMIN_RESOURCE: ResourceDef = {
  appId: ADMIN_RESOURCE_APP_ID,
  displayName: 'Bulwark administration',
  identifierUris: [ADMIN_RESOURCE_URI],
  applicationPermissions: ADMIN_PERMISSIONS,
  delegatedPermissions: ['Directory.Read.All', 'Directory.ReadWrite.All'],
}

export const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access'])

const norm = (s: string) => s.trim().replace(/\/+$/, '').toLowerCase()

/**
 * Resolves resource identifiers: the App ID URIs, the app GUID, and extra aliases for the MDE API
 * (the deployment's own API base URLs, since scripts send their configured API base as `resource`).
 */
export class ResourceCatalogue {
  constructor(
    readonly resources: readonly ResourceDef[],
    readonly mdeAliases: () => readonly string[],
  ) {}

  #index: { aliases: readonly string[]; map: Map<string, ResourceDef> } | null = null

  /** Normalised identifier → resource, rebuilt only when the alias list changes (it is memoised upstream). */
  #lookup(): Map<string, ResourceDef> {
    const aliases = this.mdeAliases()
    if (this.#index?.aliases === aliases) return this.#index.map
    const map = new Map<string, ResourceDef>()
    const mde = this.resources.find((r) => r.appId === MDE_RESOURCE_APP_ID)
    if (mde) for (const a of aliases) map.set(norm(a), mde)
    for (const r of this.resources) for (const id of [r.appId, ...r.identifierUris]) map.set(norm(id), r)
    this.#index = { aliases, map }
    return map
  }

  find(identifier: string): ResourceDef | null {
    return this.#lookup().get(norm(identifier)) ?? null
  }

  byAppId(appId: string): ResourceDef | null {
    return this.resources.find((r) => r.appId === appId) ?? null
  }

  /** Every audience string an access token for the resource may carry. */
  audiences(resource: ResourceDef): Set<string> {
    const out = new Set<string>()
    const add = (s: string) => {
      out.add(s)
      out.add(s.endsWith('/') ? s.slice(0, -1) : s + '/')
    }
    add(resource.appId)
    for (const u of resource.identifierUris) add(u)
    if (resource.appId === MDE_RESOURCE_APP_ID) for (const a of this.mdeAliases()) add(a.replace(/\/+$/, ''))
    return out
  }
}

/** The parsed target of a token request. */
export interface ScopeRequest {
  resource: ResourceDef
  /** `aud` of the token: the identifier as the client wrote it (without `/.default` or a permission). */
  audience: string
  /** `.default`, or explicit permission names on the resource. */
  permissions: string[]
  isDefault: boolean
  oidc: Set<string>
  /** The resource scope strings exactly as requested (echoed back so msal's cache matches). */
  requestedResourceScopes: string[]
}

/** v2 `scope`: `<resource>/.default` or `<resource>/<perm>` items plus OIDC scopes; one resource only. */
export function parseV2Scope(
  scope: string | undefined,
  catalogue: ResourceCatalogue,
  tenantName: string,
): ScopeRequest {
  const items = (scope ?? '').split(/\s+/).filter(Boolean)
  if (!items.length) throw new EntraError(900144, ['scope'])
  const oidc = new Set<string>()
  let resourceId: string | null = null
  const perms: string[] = []
  const requested: string[] = []
  for (const item of items) {
    if (OIDC_SCOPES.has(item.toLowerCase())) {
      oidc.add(item.toLowerCase())
      continue
    }
    const slash = item.lastIndexOf('/')
    if (slash <= 0 || slash === item.length - 1 || /^[a-z]+:\/\/[^/]*$/i.test(item))
      throw new EntraError(70011, [
        `The scope '${item}' does not name a resource; use '<resource>/.default'.`,
      ])
    const res = item.slice(0, slash)
    if (resourceId !== null && norm(resourceId) !== norm(res)) throw new EntraError(700022, [scope ?? ''])
    resourceId = res
    perms.push(item.slice(slash + 1))
    requested.push(item)
  }
  if (resourceId === null)
    throw new EntraError(70011, ['The scope contains only OpenID Connect scopes; add a resource scope.'])
  const resource = catalogue.find(resourceId)
  if (!resource) throw new EntraError(500011, [resourceId, tenantName])
  const isDefault = perms.some((p) => p === '.default')
  if (isDefault && perms.length > 1)
    throw new EntraError(70011, ["'.default' cannot be combined with other scopes of the same resource."])
  return {
    resource,
    audience: resourceId,
    permissions: isDefault ? [] : perms,
    isDefault,
    oidc,
    requestedResourceScopes: requested,
  }
}

/** v1 `resource` (+ optional `scope` with OIDC items). */
export function parseV1Resource(
  resourceParam: string | undefined,
  scope: string | undefined,
  catalogue: ResourceCatalogue,
  tenantName: string,
): ScopeRequest {
  if (!resourceParam) throw new EntraError(900144, ['resource'])
  const resource = catalogue.find(resourceParam)
  if (!resource) throw new EntraError(500011, [resourceParam, tenantName])
  const oidc = new Set(
    (scope ?? '')
      .split(/\s+/)
      .map((s) => s.toLowerCase())
      .filter((s) => OIDC_SCOPES.has(s)),
  )
  return {
    resource,
    audience: resourceParam.replace(/\/+$/, ''),
    permissions: [],
    isDefault: true,
    oidc,
    requestedResourceScopes: [],
  }
}

/** Explicit permissions must be ones the resource defines (before they reach a consent page or a grant). */
export function requireDefinedScopes(target: ScopeRequest): void {
  const known = new Set(target.resource.delegatedPermissions)
  const unknown = target.permissions.filter((perm) => !known.has(perm))
  if (unknown.length)
    throw new EntraError(70011, [
      `The scope '${unknown.join(' ')}' is not defined by ${target.resource.displayName}.`,
    ])
}
