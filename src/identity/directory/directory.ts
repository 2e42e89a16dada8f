import { randomUUID } from 'node:crypto'
import type { Clock } from '../../core/clock.js'
import type { DeviceGroupRules } from '../../schema/device-groups.js'
import { RBAC_PERMISSIONS, type RbacPermission } from '../../schema/permissions.js'
import type { Db, Row } from '../../store/db.js'
import type {
  AppCredential,
  Application,
  DelegatedGrant,
  DeviceGroup,
  RbacRole,
  RequiredPermissions,
  Tenant,
  User,
  UserAccess,
} from './types.js'

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
export const isGuid = (s: string): boolean => GUID.test(s)

const str = (v: unknown): string => (typeof v === 'string' ? v : String(v))
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : str(v))
const num = (v: unknown): number => Number(v)
const json = <T>(v: unknown, fallback: T): T => {
  if (typeof v !== 'string') return fallback
  try {
    return JSON.parse(v) as T
  } catch {
    return fallback
  }
}

function toApplication(r: Row): Application {
  return {
    appId: str(r.appId),
    tenantId: str(r.tenantId),
    objectId: str(r.objectId),
    servicePrincipalId: str(r.servicePrincipalId),
    displayName: str(r.displayName),
    publicClient: Boolean(r.publicClient),
    enabled: Boolean(r.enabled),
    allowPasswordGrant: Boolean(r.allowPasswordGrant),
    redirectUris: json<string[]>(r.redirectUris, []),
    requiredPermissions: json<RequiredPermissions>(r.requiredPermissions, {}),
    createdAt: num(r.createdAt),
  }
}

function toCredential(r: Row): AppCredential {
  const base = {
    id: str(r.id),
    appId: str(r.appId),
    displayName: str(r.displayName),
    expiresAt: num(r.expiresAt),
    createdAt: num(r.createdAt),
  }
  if (r.kind === 'certificate')
    return {
      ...base,
      kind: 'certificate',
      thumbprintSha1: str(r.thumbprintSha1),
      thumbprintSha256: str(r.thumbprintSha256),
      certificatePem: str(r.certificatePem),
    }
  return { ...base, kind: 'secret', hint: str(r.hint), salt: str(r.salt), secretHash: str(r.secretHash) }
}

function toUser(r: Row): User {
  return {
    id: str(r.id),
    tenantId: str(r.tenantId),
    userPrincipalName: str(r.userPrincipalName),
    displayName: str(r.displayName),
    givenName: strOrNull(r.givenName),
    surname: strOrNull(r.surname),
    passwordHash: str(r.passwordHash),
    enabled: Boolean(r.enabled),
    createdAt: num(r.createdAt),
  }
}

function toGroup(r: Row): DeviceGroup {
  return {
    tenantId: str(r.tenantId),
    id: num(r.id),
    name: str(r.name),
    description: str(r.description),
    rank: num(r.rank),
    rules: json<DeviceGroupRules>(r.rules, {}),
    remediationLevel: str(r.remediationLevel),
  }
}

const isRbac = (p: string): p is RbacPermission => (RBAC_PERMISSIONS as readonly string[]).includes(p)

export interface NewApplication {
  tenantId: string
  displayName: string
  publicClient?: boolean
  allowPasswordGrant?: boolean
  redirectUris?: string[]
  requiredPermissions?: RequiredPermissions
  appId?: string
}

/**
 * Repository over the directory tables. Every method is one or a few statements on the `Db` port and
 * works unchanged on DuckDB and PostgreSQL. Callers pass already-validated values; tenant ids, user
 * ids and app ids are treated as untrusted strings (always bound as parameters).
 */
export class Directory {
  constructor(
    readonly db: Db,
    readonly clock: Clock,
  ) {}

  // ---- tenants ----------------------------------------------------------------------------------

  async createTenant(t: {
    id?: string
    displayName: string
    domain: string
    isSystem?: boolean
  }): Promise<Tenant> {
    const id = (t.id ?? randomUUID()).toLowerCase()
    const domain = t.domain.toLowerCase()
    const now = this.clock.nowMs()
    await this.db.transaction(async (tx) => {
      await tx.execute(
        'INSERT INTO idp_tenants ("id","displayName","defaultDomain","isSystem","createdAt") VALUES ($1,$2,$3,$4,$5)',
        [id, t.displayName, domain, t.isSystem ?? false, now],
      )
      await tx.execute('INSERT INTO idp_tenant_domains ("domain","tenantId") VALUES ($1,$2)', [domain, id])
    })
    return {
      id,
      displayName: t.displayName,
      defaultDomain: domain,
      domains: [domain],
      isSystem: t.isSystem ?? false,
      createdAt: now,
    }
  }

  async addTenantDomain(tenantId: string, domain: string): Promise<void> {
    await this.db.execute('INSERT INTO idp_tenant_domains ("domain","tenantId") VALUES ($1,$2)', [
      domain.toLowerCase(),
      tenantId,
    ])
  }

  async listTenants(): Promise<Tenant[]> {
    const rows = await this.db.query('SELECT * FROM idp_tenants ORDER BY "createdAt", "id"')
    const domains = await this.db.query('SELECT * FROM idp_tenant_domains ORDER BY "domain"')
    return rows.map((r) => this.#tenant(r, domains))
  }

  #tenant(r: Row, domains: Row[]): Tenant {
    return {
      id: str(r.id),
      displayName: str(r.displayName),
      defaultDomain: str(r.defaultDomain),
      domains: domains.filter((d) => d.tenantId === r.id).map((d) => str(d.domain)),
      isSystem: Boolean(r.isSystem),
      createdAt: num(r.createdAt),
    }
  }

  /** By GUID or by any verified domain (case-insensitive). */
  async findTenant(ref: string): Promise<Tenant | null> {
    const key = ref.toLowerCase()
    let id = key
    if (!isGuid(key)) {
      const d = await this.db.query('SELECT "tenantId" FROM idp_tenant_domains WHERE "domain" = $1', [key])
      if (!d[0]) return null
      id = str(d[0].tenantId)
    }
    const rows = await this.db.query('SELECT * FROM idp_tenants WHERE "id" = $1', [id])
    if (!rows[0]) return null
    const domains = await this.db.query(
      'SELECT * FROM idp_tenant_domains WHERE "tenantId" = $1 ORDER BY "domain"',
      [id],
    )
    return this.#tenant(rows[0], domains)
  }

  async deleteTenant(id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      for (const t of [
        'idp_tenant_domains',
        'idp_applications',
        'idp_app_credentials',
        'idp_app_role_assignments',
        'idp_delegated_grants',
        'idp_users',
        'idp_rbac_roles',
        'idp_user_roles',
        'idp_device_groups',
        'idp_role_device_groups',
      ])
        await tx.execute(`DELETE FROM ${t} WHERE "tenantId" = $1`, [id])
      return (await tx.execute('DELETE FROM idp_tenants WHERE "id" = $1', [id])) > 0
    })
  }

  // ---- applications ------------------------------------------------------------------------------

  async createApplication(a: NewApplication): Promise<Application> {
    const app: Application = {
      appId: (a.appId ?? randomUUID()).toLowerCase(),
      tenantId: a.tenantId,
      objectId: randomUUID(),
      servicePrincipalId: randomUUID(),
      displayName: a.displayName,
      publicClient: a.publicClient ?? false,
      enabled: true,
      allowPasswordGrant: a.allowPasswordGrant ?? false,
      redirectUris: a.redirectUris ?? [],
      requiredPermissions: a.requiredPermissions ?? {},
      createdAt: this.clock.nowMs(),
    }
    await this.db.execute(
      `INSERT INTO idp_applications ("appId","tenantId","objectId","servicePrincipalId","displayName","publicClient",
        "enabled","allowPasswordGrant","redirectUris","requiredPermissions","createdAt")
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
      [
        app.appId,
        app.tenantId,
        app.objectId,
        app.servicePrincipalId,
        app.displayName,
        app.publicClient,
        app.enabled,
        app.allowPasswordGrant,
        JSON.stringify(app.redirectUris),
        JSON.stringify(app.requiredPermissions),
        app.createdAt,
      ],
    )
    return app
  }

  /** Client ids are globally unique GUIDs, so an app can be found without its tenant (for /common). */
  async getApplication(appId: string): Promise<Application | null> {
    const rows = await this.db.query('SELECT * FROM idp_applications WHERE "appId" = $1', [
      appId.toLowerCase(),
    ])
    return rows[0] ? toApplication(rows[0]) : null
  }

  async listApplications(tenantId: string): Promise<Application[]> {
    const rows = await this.db.query(
      'SELECT * FROM idp_applications WHERE "tenantId" = $1 ORDER BY "displayName", "appId"',
      [tenantId],
    )
    return rows.map(toApplication)
  }

  async updateApplication(
    appId: string,
    patch: Partial<
      Pick<
        Application,
        'displayName' | 'enabled' | 'allowPasswordGrant' | 'redirectUris' | 'requiredPermissions'
      >
    >,
  ): Promise<Application | null> {
    const cur = await this.getApplication(appId)
    if (!cur) return null
    const next = { ...cur, ...patch }
    await this.db.execute(
      `UPDATE idp_applications SET "displayName"=$2, "enabled"=$3, "allowPasswordGrant"=$4, "redirectUris"=$5,
        "requiredPermissions"=$6 WHERE "appId"=$1`,
      [
        cur.appId,
        next.displayName,
        next.enabled,
        next.allowPasswordGrant,
        JSON.stringify(next.redirectUris),
        JSON.stringify(next.requiredPermissions),
      ],
    )
    return next
  }

  async deleteApplication(appId: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.execute('DELETE FROM idp_app_credentials WHERE "appId" = $1', [appId])
      await tx.execute('DELETE FROM idp_app_role_assignments WHERE "appId" = $1', [appId])
      await tx.execute('DELETE FROM idp_delegated_grants WHERE "clientAppId" = $1', [appId])
      return (await tx.execute('DELETE FROM idp_applications WHERE "appId" = $1', [appId])) > 0
    })
  }

  // ---- credentials -------------------------------------------------------------------------------

  async addCredential(tenantId: string, c: AppCredential): Promise<void> {
    await this.db.execute(
      `INSERT INTO idp_app_credentials ("id","tenantId","appId","kind","displayName","hint","salt","secretHash",
        "thumbprintSha1","thumbprintSha256","certificatePem","expiresAt","createdAt")
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
      [
        c.id,
        tenantId,
        c.appId,
        c.kind,
        c.displayName,
        c.kind === 'secret' ? c.hint : null,
        c.kind === 'secret' ? c.salt : null,
        c.kind === 'secret' ? c.secretHash : null,
        c.kind === 'certificate' ? c.thumbprintSha1 : null,
        c.kind === 'certificate' ? c.thumbprintSha256 : null,
        c.kind === 'certificate' ? c.certificatePem : null,
        c.expiresAt,
        c.createdAt,
      ],
    )
  }

  async listCredentials(appId: string): Promise<AppCredential[]> {
    const rows = await this.db.query(
      'SELECT * FROM idp_app_credentials WHERE "appId" = $1 ORDER BY "createdAt", "id"',
      [appId],
    )
    return rows.map(toCredential)
  }

  async removeCredential(appId: string, id: string): Promise<boolean> {
    return (
      (await this.db.execute('DELETE FROM idp_app_credentials WHERE "appId" = $1 AND "id" = $2', [
        appId,
        id,
      ])) > 0
    )
  }

  // ---- application permissions (app role assignments) --------------------------------------------

  async grantAppRole(
    tenantId: string,
    appId: string,
    resourceAppId: string,
    permission: string,
  ): Promise<void> {
    await this.db.execute(
      `INSERT INTO idp_app_role_assignments ("tenantId","appId","resourceAppId","permission","createdAt")
       VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING`,
      [tenantId, appId, resourceAppId, permission, this.clock.nowMs()],
    )
  }

  async revokeAppRole(appId: string, resourceAppId: string, permission: string): Promise<boolean> {
    return (
      (await this.db.execute(
        'DELETE FROM idp_app_role_assignments WHERE "appId"=$1 AND "resourceAppId"=$2 AND "permission"=$3',
        [appId, resourceAppId, permission],
      )) > 0
    )
  }

  async listAppRoles(
    appId: string,
    resourceAppId?: string,
  ): Promise<{ resourceAppId: string; permission: string }[]> {
    const rows = resourceAppId
      ? await this.db.query(
          'SELECT * FROM idp_app_role_assignments WHERE "appId"=$1 AND "resourceAppId"=$2 ORDER BY "permission"',
          [appId, resourceAppId],
        )
      : await this.db.query(
          'SELECT * FROM idp_app_role_assignments WHERE "appId"=$1 ORDER BY "resourceAppId", "permission"',
          [appId],
        )
    return rows.map((r) => ({ resourceAppId: str(r.resourceAppId), permission: str(r.permission) }))
  }

  // ---- delegated permission grants (consent) -----------------------------------------------------

  async grantDelegated(tenantId: string, g: DelegatedGrant): Promise<void> {
    await this.db.execute(
      `INSERT INTO idp_delegated_grants ("tenantId","clientAppId","resourceAppId","principalId","scope","createdAt")
       VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING`,
      [tenantId, g.clientAppId, g.resourceAppId, g.principalId, g.scope, this.clock.nowMs()],
    )
  }

  async revokeDelegated(g: DelegatedGrant): Promise<boolean> {
    return (
      (await this.db.execute(
        'DELETE FROM idp_delegated_grants WHERE "clientAppId"=$1 AND "resourceAppId"=$2 AND "principalId"=$3 AND "scope"=$4',
        [g.clientAppId, g.resourceAppId, g.principalId, g.scope],
      )) > 0
    )
  }

  async listDelegated(clientAppId: string): Promise<DelegatedGrant[]> {
    const rows = await this.db.query(
      'SELECT * FROM idp_delegated_grants WHERE "clientAppId"=$1 ORDER BY "resourceAppId", "principalId", "scope"',
      [clientAppId],
    )
    return rows.map((r) => ({
      clientAppId: str(r.clientAppId),
      resourceAppId: str(r.resourceAppId),
      principalId: str(r.principalId),
      scope: str(r.scope),
    }))
  }

  /** Scopes the user (or the whole tenant, by admin consent) has consented for this client on a resource. */
  async consentedScopes(clientAppId: string, resourceAppId: string, userId: string): Promise<Set<string>> {
    const rows = await this.db.query(
      `SELECT "scope" FROM idp_delegated_grants WHERE "clientAppId"=$1 AND "resourceAppId"=$2 AND ("principalId"='' OR "principalId"=$3)`,
      [clientAppId, resourceAppId, userId],
    )
    return new Set(rows.map((r) => str(r.scope)))
  }

  // ---- users ---------------------------------------------------------------------------------------

  async createUser(
    u: Omit<User, 'id' | 'createdAt' | 'enabled'> & { id?: string; enabled?: boolean },
  ): Promise<User> {
    const user: User = {
      ...u,
      id: u.id ?? randomUUID(),
      userPrincipalName: u.userPrincipalName.toLowerCase(),
      enabled: u.enabled ?? true,
      createdAt: this.clock.nowMs(),
    }
    await this.db.execute(
      `INSERT INTO idp_users ("id","tenantId","userPrincipalName","displayName","givenName","surname","passwordHash","enabled","createdAt")
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
      [
        user.id,
        user.tenantId,
        user.userPrincipalName,
        user.displayName,
        user.givenName,
        user.surname,
        user.passwordHash,
        user.enabled,
        user.createdAt,
      ],
    )
    return user
  }

  async findUserByUpn(upn: string): Promise<User | null> {
    const rows = await this.db.query('SELECT * FROM idp_users WHERE "userPrincipalName" = $1', [
      upn.toLowerCase(),
    ])
    return rows[0] ? toUser(rows[0]) : null
  }

  async getUser(id: string): Promise<User | null> {
    const rows = await this.db.query('SELECT * FROM idp_users WHERE "id" = $1', [id])
    return rows[0] ? toUser(rows[0]) : null
  }

  async listUsers(tenantId: string): Promise<User[]> {
    const rows = await this.db.query(
      'SELECT * FROM idp_users WHERE "tenantId" = $1 ORDER BY "userPrincipalName"',
      [tenantId],
    )
    return rows.map(toUser)
  }

  async updateUser(
    id: string,
    patch: Partial<Pick<User, 'displayName' | 'enabled' | 'passwordHash'>>,
  ): Promise<User | null> {
    const cur = await this.getUser(id)
    if (!cur) return null
    const next = { ...cur, ...patch }
    await this.db.execute(
      'UPDATE idp_users SET "displayName"=$2, "enabled"=$3, "passwordHash"=$4 WHERE "id"=$1',
      [id, next.displayName, next.enabled, next.passwordHash],
    )
    return next
  }

  async deleteUser(tenantId: string, id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.execute('DELETE FROM idp_user_roles WHERE "tenantId"=$1 AND "userId"=$2', [tenantId, id])
      await tx.execute('DELETE FROM idp_delegated_grants WHERE "tenantId"=$1 AND "principalId"=$2', [
        tenantId,
        id,
      ])
      return (await tx.execute('DELETE FROM idp_users WHERE "tenantId"=$1 AND "id"=$2', [tenantId, id])) > 0
    })
  }

  // ---- RBAC roles and device groups -----------------------------------------------------------------

  async upsertRole(r: Omit<RbacRole, 'deviceGroupIds'> & { deviceGroupIds?: number[] }): Promise<void> {
    const perms = r.permissions.filter(isRbac)
    await this.db.transaction(async (tx) => {
      await tx.execute('DELETE FROM idp_rbac_roles WHERE "tenantId"=$1 AND "id"=$2', [r.tenantId, r.id])
      await tx.execute(
        `INSERT INTO idp_rbac_roles ("tenantId","id","name","description","permissions","allDeviceGroups","createdAt")
         VALUES ($1,$2,$3,$4,$5,$6,$7)`,
        [
          r.tenantId,
          r.id,
          r.name,
          r.description,
          JSON.stringify(perms),
          r.allDeviceGroups,
          this.clock.nowMs(),
        ],
      )
      if (r.deviceGroupIds) {
        await tx.execute('DELETE FROM idp_role_device_groups WHERE "tenantId"=$1 AND "roleId"=$2', [
          r.tenantId,
          r.id,
        ])
        for (const g of r.deviceGroupIds)
          await tx.execute(
            'INSERT INTO idp_role_device_groups ("tenantId","roleId","deviceGroupId") VALUES ($1,$2,$3)',
            [r.tenantId, r.id, g],
          )
      }
    })
  }

  async listRoles(tenantId: string): Promise<RbacRole[]> {
    const rows = await this.db.query('SELECT * FROM idp_rbac_roles WHERE "tenantId"=$1 ORDER BY "id"', [
      tenantId,
    ])
    const links = await this.db.query(
      'SELECT * FROM idp_role_device_groups WHERE "tenantId"=$1 ORDER BY "deviceGroupId"',
      [tenantId],
    )
    return rows.map((r) => ({
      tenantId: str(r.tenantId),
      id: num(r.id),
      name: str(r.name),
      description: str(r.description),
      permissions: json<string[]>(r.permissions, []).filter(isRbac),
      allDeviceGroups: Boolean(r.allDeviceGroups),
      deviceGroupIds: links.filter((l) => num(l.roleId) === num(r.id)).map((l) => num(l.deviceGroupId)),
    }))
  }

  async deleteRole(tenantId: string, id: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.execute('DELETE FROM idp_user_roles WHERE "tenantId"=$1 AND "roleId"=$2', [tenantId, id])
      await tx.execute('DELETE FROM idp_role_device_groups WHERE "tenantId"=$1 AND "roleId"=$2', [
        tenantId,
        id,
      ])
      return (
        (await tx.execute('DELETE FROM idp_rbac_roles WHERE "tenantId"=$1 AND "id"=$2', [tenantId, id])) > 0
      )
    })
  }

  async assignRole(tenantId: string, userId: string, roleId: number): Promise<void> {
    await this.db.execute(
      'INSERT INTO idp_user_roles ("tenantId","userId","roleId") VALUES ($1,$2,$3) ON CONFLICT DO NOTHING',
      [tenantId, userId, roleId],
    )
  }

  async unassignRole(tenantId: string, userId: string, roleId: number): Promise<boolean> {
    return (
      (await this.db.execute(
        'DELETE FROM idp_user_roles WHERE "tenantId"=$1 AND "userId"=$2 AND "roleId"=$3',
        [tenantId, userId, roleId],
      )) > 0
    )
  }

  async upsertDeviceGroup(g: DeviceGroup): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.execute('DELETE FROM idp_device_groups WHERE "tenantId"=$1 AND "id"=$2', [g.tenantId, g.id])
      await tx.execute(
        `INSERT INTO idp_device_groups ("tenantId","id","name","description","rank","rules","remediationLevel","createdAt")
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
        [
          g.tenantId,
          g.id,
          g.name,
          g.description,
          g.rank,
          JSON.stringify(g.rules),
          g.remediationLevel,
          this.clock.nowMs(),
        ],
      )
    })
  }

  async listDeviceGroups(tenantId: string): Promise<DeviceGroup[]> {
    const rows = await this.db.query(
      'SELECT * FROM idp_device_groups WHERE "tenantId"=$1 ORDER BY "rank", "id"',
      [tenantId],
    )
    return rows.map(toGroup)
  }

  async deleteDeviceGroup(tenantId: string, id: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.execute('DELETE FROM idp_role_device_groups WHERE "tenantId"=$1 AND "deviceGroupId"=$2', [
        tenantId,
        id,
      ])
      return (
        (await tx.execute('DELETE FROM idp_device_groups WHERE "tenantId"=$1 AND "id"=$2', [tenantId, id])) >
        0
      )
    })
  }

  /**
   * Effective MDE access of a user: union of their roles' RBAC permissions; device groups = groups
   * assigned to any of their roles plus groups assigned to no role at all (visible to everyone, as in
   * MDE), or `null` (all) when one of their roles ignores device groups.
   */
  async userAccess(tenantId: string, userId: string): Promise<UserAccess> {
    const roles = (await this.listRoles(tenantId)).filter((r) => r.tenantId === tenantId)
    const mine = new Set(
      (
        await this.db.query('SELECT "roleId" FROM idp_user_roles WHERE "tenantId"=$1 AND "userId"=$2', [
          tenantId,
          userId,
        ])
      ).map((r) => num(r.roleId)),
    )
    const own = roles.filter((r) => mine.has(r.id))
    const perms = new Set<RbacPermission>()
    for (const r of own) for (const p of r.permissions) perms.add(p)
    if (own.some((r) => r.allDeviceGroups))
      return { rbacPermissions: [...perms].sort(), deviceGroupIds: null, roles: own.map((r) => r.name) }
    const assigned = new Set(roles.flatMap((r) => r.deviceGroupIds))
    const groups = new Set<number>(own.flatMap((r) => r.deviceGroupIds))
    const all = await this.listDeviceGroups(tenantId)
    for (const g of all) if (!assigned.has(g.id)) groups.add(g.id)
    if (!assigned.has(0)) groups.add(0)
    return {
      rbacPermissions: [...perms].sort(),
      deviceGroupIds: own.length ? [...groups].sort((a, b) => a - b) : [],
      roles: own.map((r) => r.name),
    }
  }

  // ---- settings ------------------------------------------------------------------------------------

  /** Returns the stored value, creating it with `make()` first if absent (race-safe across nodes). */
  async setting(key: string, make: () => string): Promise<string> {
    await this.db.execute('INSERT INTO idp_settings ("key","value") VALUES ($1,$2) ON CONFLICT DO NOTHING', [
      key,
      make(),
    ])
    const rows = await this.db.query('SELECT "value" FROM idp_settings WHERE "key"=$1', [key])
    return str(rows[0]!.value)
  }
}
