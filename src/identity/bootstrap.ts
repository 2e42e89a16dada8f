import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { addSecret } from './credentials-admin.js'
import type { IdentityService } from './identity-service.js'
import { ADMIN_PERMISSIONS, ADMIN_RESOURCE_APP_ID, ADMIN_RESOURCE_URI } from './resources.js'

export const SYSTEM_TENANT_DOMAIN = 'system.bulwark.local'

export interface AdminCredentialsFile {
  tenantId: string
  authority: string
  adminUrl: string
  resource: string
  clientId: string
  clientSecret: string
  caFile: string | null
}

/** Writes JSON atomically with mode 0600 (credentials files). */
export function writeSecretFile(path: string, data: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 })
  renameSync(tmp, path)
}

export function readJsonFile<T>(path: string): T | null {
  if (!existsSync(path)) return null
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T
  } catch {
    return null
  }
}

/**
 * The system tenant and its administration app (all admin roles, every tenant). Its secret is written
 * once to DIR/admin-credentials.json (0600) for the CLI. If the file is lost while the app exists, a new
 * secret is added (the old ones keep working) and the fact is logged — never silently.
 */
export async function ensureSystemAdmin(
  svc: IdentityService,
  dataDir: string,
  caFile: string | null,
): Promise<AdminCredentialsFile> {
  const dir = svc.directory
  // Several nodes may start at once over one PostgreSQL: a lost creation race just re-reads the winner.
  const tenant =
    (await dir.findTenant(SYSTEM_TENANT_DOMAIN)) ??
    (await dir
      .createTenant({ displayName: 'Bulwark system', domain: SYSTEM_TENANT_DOMAIN, isSystem: true })
      .catch(async (err: unknown) => {
        const t = await dir.findTenant(SYSTEM_TENANT_DOMAIN)
        if (!t) throw err
        return t
      }))
  let app = (await dir.listApplications(tenant.id)).find((a) => a.displayName === 'bulwark-admin')
  const file = join(dataDir, 'admin-credentials.json')
  const existing = readJsonFile<AdminCredentialsFile>(file)
  if (!app) {
    app = await dir.createApplication({
      tenantId: tenant.id,
      displayName: 'bulwark-admin',
      requiredPermissions: {
        [ADMIN_RESOURCE_APP_ID]: { application: [...ADMIN_PERMISSIONS], delegated: [] },
      },
    })
    for (const p of ADMIN_PERMISSIONS) await dir.grantAppRole(tenant.id, app.appId, ADMIN_RESOURCE_APP_ID, p)
    svc.audit.record({
      tenantId: tenant.id,
      kind: 'directoryChange',
      outcome: 'success',
      actor: 'system',
      target: app.appId,
      code: 'bootstrapAdminApp',
    })
  }
  let secret = existing && existing.clientId === app.appId ? existing.clientSecret : null
  if (!secret) {
    if ((await dir.listCredentials(app.appId)).length)
      svc.log.warn({ file }, 'admin credentials file missing; adding a new secret to the bulwark-admin app')
    secret = (await addSecret(svc, app.appId, { displayName: 'cli' })).secret
  }
  const out: AdminCredentialsFile = {
    tenantId: tenant.id,
    authority: `${svc.options.publicUrl()}/${tenant.id}`,
    adminUrl: svc.options.publicUrl(),
    resource: ADMIN_RESOURCE_URI,
    clientId: app.appId,
    clientSecret: secret,
    caFile,
  }
  writeSecretFile(file, out)
  return out
}
