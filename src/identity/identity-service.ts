import type { Clock } from '../core/clock.js'
import type { Logger } from '../core/logger.js'
import type { Db } from '../store/db.js'
import { AuditLog } from './audit-log.js'
import { Directory } from './directory/directory.js'
import type { AppCredential, Application, Tenant } from './directory/types.js'
import { ADMIN_RESOURCE, API_RESOURCES, ResourceCatalogue } from './resources.js'
import { KeyRing } from './signing-keys.js'
import { TokenState } from './token-state.js'
import { TtlCache } from './ttl-cache.js'

export interface IdentityOptions {
  accessTokenLifetimeSeconds: number
  signingKeyRotationDays: number
  deviceCodeIntervalSeconds: number
  /** Base URL the server is reachable at (read lazily: it is known only after listen). */
  publicUrl: () => string
  /** Extra host names the server answers to (drop-in mode: login.microsoftonline.com, …). */
  tlsNames: readonly string[]
  /** How long directory lookups on the token hot path may be served from memory (other nodes see changes after this). */
  directoryCacheMs?: number
  refreshTokenLifetimeDays?: number
  refreshTokenIdleDays?: number
  /** Wrong-secret attempts per client+IP within 5 minutes before throttling. */
  clientFailureLimit?: number
  /** Wrong-password attempts per user within 15 minutes before lockout. */
  userFailureLimit?: number
  /** Wrong-password attempts per source IP (any user names) within 15 minutes before that IP is locked out. */
  ipFailureLimit?: number
}

/** A client as the token endpoint needs it: app, tenant, credentials and granted app roles. */
export interface ClientRecord {
  app: Application
  tenant: Tenant
  credentials: AppCredential[]
  appRoles: Map<string, string[]>
}

/**
 * Everything the protocol handlers share: repositories, keys, audit, caches and the URL facts of the
 * deployment. One instance per process; all state that matters lives in the store.
 */
export class IdentityService {
  readonly directory: Directory
  readonly state: TokenState
  readonly keys: KeyRing
  readonly audit: AuditLog
  readonly catalogue: ResourceCatalogue
  readonly #clients: TtlCache<string, ClientRecord>
  readonly #tenants: TtlCache<string, Tenant>
  /** Client+IP keys known (from the store) to be throttled, so the success path needs no round trip. */
  readonly throttled: TtlCache<string, number>
  /** Device-code polls per code in the current interval window (slow_down; per node). */
  readonly devicePolls: TtlCache<string, { start: number; count: number }>

  constructor(
    readonly db: Db,
    readonly clock: Clock,
    readonly log: Logger,
    readonly options: IdentityOptions,
  ) {
    this.directory = new Directory(db, clock)
    this.state = new TokenState(db, clock)
    this.keys = new KeyRing(db, clock, log, options.signingKeyRotationDays)
    this.audit = new AuditLog(db, clock, log)
    this.catalogue = new ResourceCatalogue([...API_RESOURCES, ADMIN_RESOURCE], () => this.apiAliases())
    const now = () => clock.nowMs()
    this.#clients = new TtlCache(10_000, now)
    this.#tenants = new TtlCache(10_000, now)
    this.throttled = new TtlCache(100_000, now)
    this.devicePolls = new TtlCache(100_000, now)
  }

  get cacheMs(): number {
    return this.options.directoryCacheMs ?? 5000
  }

  publicOrigin(): string {
    this.trustedOrigins()
    return this.#origins!.origin
  }

  /** Origins (scheme://host[:port]) this deployment answers as: the public URL plus every TLS name. */
  trustedOrigins(): Set<string> {
    const url = this.options.publicUrl()
    if (this.#origins?.url === url) return this.#origins.set
    const pub = new URL(url)
    const out = new Set([pub.origin])
    for (const n of [...this.options.tlsNames, 'localhost', '127.0.0.1']) {
      out.add(`${pub.protocol}//${n.toLowerCase()}`)
      if (pub.port) out.add(`${pub.protocol}//${n.toLowerCase()}:${pub.port}`)
    }
    this.#origins = { url, set: out, protocol: pub.protocol, origin: pub.origin }
    return out
  }

  #origins: { url: string; set: Set<string>; protocol: string; origin: string } | null = null

  /** The origin a request addressed (Host header) when it is one of ours, else the public URL's. */
  originFor(host: string | undefined): string {
    if (host) {
      const set = this.trustedOrigins()
      const candidate = `${this.#origins!.protocol}//${host.toLowerCase()}`
      if (set.has(candidate)) return candidate
    }
    return this.publicOrigin()
  }

  /** API base URLs scripts may send as `resource` for the MDE API (they send their configured API base). */
  apiAliases(): readonly string[] {
    const set = this.trustedOrigins()
    if (this.#aliases?.set !== set) this.#aliases = { set, list: [...set] }
    return this.#aliases.list
  }

  #aliases: { set: Set<string>; list: readonly string[] } | null = null

  async tenant(ref: string): Promise<Tenant | null> {
    const key = ref.toLowerCase()
    const hit = this.#tenants.get(key)
    if (hit) return hit
    const t = await this.directory.findTenant(key)
    if (t) this.#tenants.set(key, t, this.clock.nowMs() + this.cacheMs)
    return t
  }

  async client(appId: string): Promise<ClientRecord | null> {
    const key = appId.toLowerCase()
    const hit = this.#clients.get(key)
    if (hit) return hit
    const app = await this.directory.getApplication(key)
    if (!app) return null
    const tenant = await this.tenant(app.tenantId)
    if (!tenant) return null
    const credentials = await this.directory.listCredentials(app.appId)
    const appRoles = new Map<string, string[]>()
    for (const r of await this.directory.listAppRoles(app.appId)) {
      const list = appRoles.get(r.resourceAppId) ?? []
      list.push(r.permission)
      appRoles.set(r.resourceAppId, list)
    }
    const rec = { app, tenant, credentials, appRoles }
    this.#clients.set(key, rec, this.clock.nowMs() + this.cacheMs)
    return rec
  }

  /** Call after any directory change so this node sees it at once (others within `cacheMs`). */
  invalidate(): void {
    this.#clients.clear()
    this.#tenants.clear()
    this.directoryGeneration++
  }

  /** Bumped by `invalidate()`; verified-token caches re-check principals when it moves. */
  directoryGeneration = 0

  async start(): Promise<void> {
    await this.keys.ensure()
  }

  async stop(): Promise<void> {
    await this.audit.flush()
  }
}
