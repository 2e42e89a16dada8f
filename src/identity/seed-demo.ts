import { createHash, X509Certificate } from 'node:crypto'
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEMO_DEVICE_GROUPS, DEMO_TENANT_DOMAIN, demoTenantId } from '../schema/demo-tenant.js'
import {
  APPLICATION_PERMISSIONS,
  DELEGATED_PERMISSIONS,
  MDE_RESOURCE_APP_ID,
  RBAC_PERMISSIONS,
  type RbacPermission,
} from '../schema/permissions.js'
import { readJsonFile, writeSecretFile } from './bootstrap.js'
import { addCertificate, addSecret } from './credentials-admin.js'
import type { Application } from './directory/types.js'
import type { IdentityService } from './identity-service.js'
import { generatePassword, hashPassword, verifyClientSecret } from './secrets.js'
import { generateSigningKey, toPem } from './signing-keys.js'
import { GRAPH_RESOURCE, XDR_RESOURCE } from './resources.js'

export interface DemoCredentials {
  tenantId: string
  tenantDomain: string
  authority: string
  apiBaseUrl: string
  caFile: string | null
  apps: {
    name: string
    clientId: string
    clientSecret: string | null
    /** MDE API permissions (application roles, or delegated scopes for the public client). */
    permissions: string[]
    /** Permissions on the other APIs Bulwark serves, by identifier URI (Defender XDR, Microsoft Graph). */
    otherApis?: Record<string, string[]>
    kind: 'confidential' | 'public' | 'certificate'
    redirectUris?: string[]
    certificateFile?: string
    privateKeyFile?: string
    thumbprintSha256Hex?: string
  }[]
  users: { upn: string; password: string; roles: string[]; enabled?: boolean }[]
}

const ALL_APP = Object.keys(APPLICATION_PERMISSIONS)
const ALL_DELEGATED = Object.keys(DELEGATED_PERMISSIONS)

const ROLES: {
  id: number
  name: string
  description: string
  permissions: RbacPermission[]
  all: boolean
  groups: number[]
}[] = [
  {
    id: 1,
    name: 'Defender administrator',
    description: 'Full access; ignores device groups',
    permissions: [...RBAC_PERMISSIONS],
    all: true,
    groups: [],
  },
  {
    id: 2,
    name: 'Security operator',
    description: 'Investigation and response on all but tier-0 devices',
    permissions: [
      'ViewData.SecurityOperations',
      'ViewData.VulnerabilityManagement',
      'AlertsInvestigation',
      'ActiveRemediation.SecurityOperations',
      'ManageSecuritySettings',
      'LiveResponse.Basic',
    ],
    all: false,
    groups: [102, 103, 104, 105],
  },
  {
    id: 3,
    name: 'Tier 1 analyst',
    description: 'View data and investigate alerts on workstations and Macs',
    permissions: ['ViewData.SecurityOperations', 'AlertsInvestigation'],
    all: false,
    groups: [104, 105],
  },
  {
    id: 4,
    name: 'Read-only',
    description: 'View security-operations and vulnerability data',
    permissions: ['ViewData.SecurityOperations', 'ViewData.VulnerabilityManagement'],
    all: false,
    groups: [101, 102, 103, 104, 105],
  },
]

const USERS = [
  { local: 'admin', name: 'Ada Admin', given: 'Ada', surname: 'Admin', role: 1, enabled: true },
  { local: 'secops', name: 'Sam Secops', given: 'Sam', surname: 'Secops', role: 2, enabled: true },
  { local: 'analyst', name: 'Tia Analyst', given: 'Tia', surname: 'Analyst', role: 3, enabled: true },
  { local: 'reader', name: 'Rey Reader', given: 'Rey', surname: 'Reader', role: 4, enabled: true },
  { local: 'former', name: 'Fay Former', given: 'Fay', surname: 'Former', role: 4, enabled: false },
]

/** The other APIs' permissions the full-access and public demo apps get (application / delegated). */
const OTHER_APIS = (isPublic: boolean) =>
  [XDR_RESOURCE, GRAPH_RESOURCE].map((r) => ({
    resource: r,
    permissions: isPublic ? r.delegatedPermissions : r.applicationPermissions,
  }))

const APPS = [
  { key: 'full', name: 'Bulwark Demo Full Access', kind: 'confidential', permissions: ALL_APP },
  {
    key: 'readonly',
    name: 'Bulwark Demo Read-Only',
    kind: 'confidential',
    permissions: ['Alert.Read.All', 'Machine.Read.All'],
  },
  { key: 'public', name: 'Bulwark Demo Public Client', kind: 'public', permissions: ALL_DELEGATED },
  {
    key: 'cert',
    name: 'Bulwark Demo Certificate App',
    kind: 'certificate',
    permissions: [
      'Alert.Read.All',
      'Alert.ReadWrite.All',
      'Machine.Read.All',
      'Machine.Isolate',
      'AdvancedQuery.Read.All',
    ],
  },
] as const

/**
 * Seeds the demo directory idempotently. Secrets and passwords come from DIR/demo-credentials.json
 * when it exists (so restarts and re-seeding a wiped store reuse them); missing pieces are created.
 * A stored secret that no longer matches is never replaced silently: a new one is added and logged.
 */
export async function seedDemoDirectory(
  svc: IdentityService,
  opts: { seed: number; dataDir: string; caFile: string | null },
): Promise<DemoCredentials> {
  const dir = svc.directory
  const file = join(opts.dataDir, 'demo-credentials.json')
  const previous = readJsonFile<DemoCredentials>(file)
  const tenantId = demoTenantId(opts.seed)
  const tenant =
    (await dir.findTenant(tenantId)) ??
    (await dir.createTenant({ id: tenantId, displayName: 'Contoso Demo', domain: DEMO_TENANT_DOMAIN }))

  const groups = await dir.listDeviceGroups(tenant.id)
  for (const g of DEMO_DEVICE_GROUPS)
    if (!groups.some((x) => x.id === g.id))
      await dir.upsertDeviceGroup({
        ...g,
        tenantId: tenant.id,
        remediationLevel: 'SemiRequireApprovalForCoreFolders',
      })
  const roles = await dir.listRoles(tenant.id)
  for (const r of ROLES)
    if (!roles.some((x) => x.id === r.id))
      await dir.upsertRole({
        tenantId: tenant.id,
        id: r.id,
        name: r.name,
        description: r.description,
        permissions: r.permissions,
        allDeviceGroups: r.all,
        deviceGroupIds: r.groups,
      })

  const users: DemoCredentials['users'] = []
  for (const u of USERS) {
    const upn = `${u.local}@${DEMO_TENANT_DOMAIN}`
    const roleName = ROLES.find((r) => r.id === u.role)!.name
    const prior = previous?.users.find((x) => x.upn === upn)
    let password = prior?.password
    let user = await dir.findUserByUpn(upn)
    if (!user) {
      password ??= generatePassword()
      user = await dir.createUser({
        tenantId: tenant.id,
        userPrincipalName: upn,
        displayName: u.name,
        givenName: u.given,
        surname: u.surname,
        passwordHash: await hashPassword(password),
        enabled: u.enabled,
      })
      await dir.assignRole(tenant.id, user.id, u.role)
    } else if (!password) {
      password = generatePassword()
      await dir.updateUser(user.id, { passwordHash: await hashPassword(password) })
      svc.log.warn(
        { upn },
        'demo credentials file had no password for an existing user; a new password was set',
      )
    }
    users.push({ upn, password, roles: [roleName], ...(u.enabled ? {} : { enabled: false }) })
  }

  const existingApps = await dir.listApplications(tenant.id)
  const apps: DemoCredentials['apps'] = []
  for (const spec of APPS) {
    let app: Application | undefined = existingApps.find((a) => a.displayName === spec.name)
    const prior = previous?.apps.find((a) => a.name === spec.name)
    const isPublic = spec.kind === 'public'
    const others = spec.key === 'full' || spec.key === 'public' ? OTHER_APIS(isPublic) : []
    const grants = [
      { resourceAppId: MDE_RESOURCE_APP_ID, permissions: spec.permissions as readonly string[] },
      ...others.map((o) => ({ resourceAppId: o.resource.appId, permissions: o.permissions })),
    ]
    if (!app) {
      app = await dir.createApplication({
        tenantId: tenant.id,
        displayName: spec.name,
        publicClient: isPublic,
        allowPasswordGrant: isPublic,
        redirectUris: isPublic
          ? ['http://localhost', 'https://login.microsoftonline.com/common/oauth2/nativeclient']
          : [],
        requiredPermissions: Object.fromEntries(
          grants.map((g) => [
            g.resourceAppId,
            isPublic
              ? { application: [], delegated: [...g.permissions] }
              : { application: [...g.permissions], delegated: [] },
          ]),
        ),
        ...(prior ? { appId: prior.clientId } : {}),
      })
      for (const g of grants)
        for (const p of g.permissions)
          if (isPublic)
            await dir.grantDelegated(tenant.id, {
              clientAppId: app.appId,
              resourceAppId: g.resourceAppId,
              principalId: '',
              scope: p,
            })
          else await dir.grantAppRole(tenant.id, app.appId, g.resourceAppId, p)
    }
    const entry: DemoCredentials['apps'][number] = {
      name: spec.name,
      clientId: app.appId,
      clientSecret: null,
      permissions: [...spec.permissions],
      ...(others.length
        ? {
            otherApis: Object.fromEntries(
              others.map((o) => [o.resource.identifierUris[0]!, [...o.permissions]]),
            ),
          }
        : {}),
      kind: spec.kind,
    }
    if (isPublic) entry.redirectUris = app.redirectUris
    if (spec.kind === 'confidential')
      entry.clientSecret = await ensureSecret(svc, app.appId, prior?.clientSecret ?? null)
    if (spec.kind === 'certificate')
      Object.assign(entry, await ensureCertificate(svc, app.appId, opts.dataDir))
    apps.push(entry)
  }
  svc.invalidate()

  const out: DemoCredentials = {
    tenantId: tenant.id,
    tenantDomain: DEMO_TENANT_DOMAIN,
    authority: `${svc.options.publicUrl()}/${tenant.id}`,
    apiBaseUrl: svc.options.publicUrl(),
    caFile: opts.caFile,
    apps,
    users,
  }
  writeSecretFile(file, out)
  if (!previous)
    svc.audit.record({
      tenantId: tenant.id,
      kind: 'directoryChange',
      outcome: 'success',
      actor: 'system',
      code: 'seedDemoDirectory',
    })
  return out
}

async function ensureSecret(svc: IdentityService, appId: string, known: string | null): Promise<string> {
  const creds = (await svc.directory.listCredentials(appId)).filter((c) => c.kind === 'secret')
  if (
    known &&
    creds.some((c) => c.kind === 'secret' && verifyClientSecret(known, { salt: c.salt, hash: c.secretHash }))
  )
    return known
  if (known && !creds.length)
    return (await addSecret(svc, appId, { displayName: 'demo', value: known })).secret
  if (creds.length)
    svc.log.warn({ appId }, 'demo app secret not found in demo-credentials.json; adding a new secret')
  return (await addSecret(svc, appId, { displayName: 'demo' })).secret
}

async function ensureCertificate(svc: IdentityService, appId: string, dataDir: string) {
  const certificateFile = join(dataDir, 'demo-cert.pem')
  const privateKeyFile = join(dataDir, 'demo-cert-key.pem')
  if (!existsSync(certificateFile) || !existsSync(privateKeyFile)) {
    const k = await generateSigningKey(svc.clock.now(), 730)
    const pem = toPem(Buffer.from(k.certificateDer, 'base64'), 'CERTIFICATE')
    writeFileSync(privateKeyFile, k.privateKeyPem, { mode: 0o600 })
    chmodSync(privateKeyFile, 0o600)
    writeFileSync(certificateFile, pem, { mode: 0o644 })
  }
  const pem = readFileSync(certificateFile, 'utf8')
  const der = new X509Certificate(pem).raw
  const sha256 = createHash('sha256').update(der).digest('base64url')
  const creds = await svc.directory.listCredentials(appId)
  if (!creds.some((c) => c.kind === 'certificate' && c.thumbprintSha256 === sha256))
    await addCertificate(svc, appId, pem, 'demo certificate')
  return {
    certificateFile,
    privateKeyFile,
    thumbprintSha256Hex: createHash('sha256').update(der).digest('hex'),
  }
}
