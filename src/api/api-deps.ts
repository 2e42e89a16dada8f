import type { Clock } from '../core/clock.js'
import type { Logger } from '../core/logger.js'
import type { Db } from '../store/db.js'
import type { ApiAuditLog } from './audit.js'
import type { MdeAuthenticator } from './auth.js'
import type { RateLimiter } from './rate-limit.js'
import type { ReadCache } from './read-cache.js'

export interface ActionOptions {
  /** Seconds a simulated device takes to pick up and complete an action (half each step). */
  completionDelaySeconds: number
  /** Share (0–1) of simulated-device actions that fail. */
  failureRate: number
  /** Minutes after which an action a device never picked up times out. */
  timeoutMinutes: number
}

export interface ApiOptions {
  /** Page size of list routes when `$top` is absent; more rows → `@odata.nextLink` (MDE: 10,000). */
  pageSize: number
  /** Maximum active indicators per tenant (MDE: 15,000). */
  indicatorCap: number
  actions: ActionOptions
  /** Lifetime of signed download links (package URI, live-response results), seconds. */
  downloadLinkSeconds: number
  /** Largest JSON body accepted, bytes. */
  bodyLimit: number
  /** Lifetime of cached GET responses, ms (0 = off); see read-cache.ts. */
  readCacheMs: number
}

export const DEFAULT_API_OPTIONS: ApiOptions = {
  pageSize: 10_000,
  indicatorCap: 15_000,
  actions: { completionDelaySeconds: 5, failureRate: 0, timeoutMinutes: 4320 },
  downloadLinkSeconds: 600,
  bodyLimit: 1024 * 1024,
  readCacheMs: 2000,
}

/** What every MDE route handler may use. */
export interface ApiDeps {
  db: Db
  clock: Clock
  log: Logger
  auth: MdeAuthenticator
  rateLimiter: RateLimiter
  audit: ApiAuditLog
  cache: ReadCache
  options: ApiOptions
}
