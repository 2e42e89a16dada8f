import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Clock } from '../../core/clock.js'
import type { HuntingEngine, HuntingScope } from '../../hunting/index.js'
import { WIRE_TYPE_NAMES, type JsonArrayText } from '../../hunting/index.js'
import type { Principal, RouteRequirement } from '../../identity/principal.js'
import { GRAPH_RESOURCE, MDE_RESOURCE, XDR_RESOURCE } from '../../identity/resources.js'
import type { Db } from '../../store/db.js'
import { principalOf } from '../auth.js'
import { MdeError } from '../errors.js'
import { VIEW } from '../permissions.js'
import type { MdeApi } from '../mde-api.js'
import type { RouteSpec } from '../route.js'
import type { ExternalDataPolicy, ExternalFetcher } from './external-data.js'
import type { HuntingQuota, QuotaDecision } from './hunting-quota.js'
import { runHuntingQuery, type HuntingLimits, type RunQueryOutcome } from './run-query.js'

export interface HuntingRouteDeps {
  db: Db
  clock: Clock
  engine: HuntingEngine
  limits: HuntingLimits
  external: ExternalDataPolicy
  fetcher: ExternalFetcher
  quota: HuntingQuota
  /** Data window of every query (the documented 30 days). */
  lookbackDays: number
}

export const MDE_REQUIREMENT: RouteRequirement = {
  resources: [MDE_RESOURCE.appId],
  application: ['AdvancedQuery.Read.All'],
  delegated: ['AdvancedQuery.Read'],
  // User context also needs the View Data role permission (identity.md §4.4).
  rbac: [...VIEW],
}
/** Defender XDR's route: tokens for the XDR API (AdvancedHunting.*) or, on the shared host, for MDE. */
export const XDR_REQUIREMENT: RouteRequirement = {
  resources: [XDR_RESOURCE.appId, MDE_RESOURCE.appId],
  application: ['AdvancedHunting.Read.All', 'AdvancedQuery.Read.All'],
  delegated: ['AdvancedHunting.Read', 'AdvancedQuery.Read'],
  rbac: [...VIEW],
}
/** Microsoft Graph's route: Graph tokens only, with ThreatHunting.Read.All (role or scope). */
export const GRAPH_REQUIREMENT: RouteRequirement = {
  resources: [GRAPH_RESOURCE.appId],
  application: ['ThreatHunting.Read.All'],
  delegated: ['ThreatHunting.Read.All'],
  rbac: [...VIEW],
}

/** The rate-limit family shared by the three surfaces (45 calls/min, 1,500/h per tenant and app). */
export const HUNTING_FAMILY = 'advancedQueries.run'

/** Device ids a user-context caller may see (their device groups); null for unrestricted callers. */
export async function visibleDevices(db: Db, principal: Principal): Promise<string[] | null> {
  if (principal.deviceGroupIds === null) return null
  const rows = await db.query<{ id: string; rbacGroupId: number | null }>(
    'SELECT "id", "rbacGroupId" FROM "machines" WHERE "tenantId" = $1',
    [principal.tenantId],
  )
  return rows.filter((r) => principal.deviceGroupIds!.has(Number(r.rbacGroupId ?? 0))).map((r) => r.id)
}

/** Parses an ISO 8601 duration (Graph `Timespan`, e.g. P30D, PT12H) into milliseconds. */
export function isoDurationMs(s: string): number | null {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(s.trim())
  if (!m || s.trim() === 'P' || /T$/i.test(s.trim())) return null
  return (
    ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000 +
    Number(m[4] ?? 0) * 1000
  )
}

function quotaExceeded(q: QuotaDecision & { ok: false }): MdeError {
  return new MdeError(
    'TooManyRequests',
    `Advanced hunting CPU quota exceeded: ${q.limit} seconds of running time per ${q.window} for this tenant. Retry after ${q.retryAfterSeconds} seconds.`,
    { headers: { 'Retry-After': String(q.retryAfterSeconds) } },
  )
}

/**
 * Validates the body, enforces the CPU quota, runs the query; throws MdeError for every failure.
 *
 * The quota costs the caller no waiting: the check answers from the node's reading of the counters
 * (HuntingQuota), and when that must be refreshed the read runs side by side with the query — a tenant
 * over budget gets the 429 with the query cancelled; the charge is recorded after the answer and
 * written to the store in the background.
 */
export async function executeHunting(
  deps: HuntingRouteDeps,
  principal: Principal,
  body: unknown,
  opts: { timespanMs?: number | null; signal?: AbortSignal } = {},
): Promise<RunQueryOutcome & { ok: true }> {
  const query = body && typeof body === 'object' ? (body as Record<string, unknown>).Query : undefined
  if (typeof query !== 'string' || query.trim() === '')
    throw new MdeError(
      'BadRequest',
      'The request body must be a JSON object with a non-empty string "Query".',
    )
  const refused = new AbortController()
  const check = deps.quota.check(principal.tenantId).then(
    (q) => {
      if (!q.ok) refused.abort()
      return q
    },
    (err: unknown) => {
      refused.abort()
      throw err
    },
  )
  check.catch(() => undefined) // awaited below; handled here so an early failure is not "unhandled"
  let out: RunQueryOutcome
  try {
    const nowMs = deps.clock.nowMs()
    const windowMs = Math.min(deps.lookbackDays * 86_400_000, opts.timespanMs ?? Infinity)
    const scope: HuntingScope = {
      tenantId: principal.tenantId,
      deviceIds: await visibleDevices(deps.db, principal),
      minTimestampUs: (nowMs - windowMs) * 1000,
    }
    if (refused.signal.aborted) throw refused.signal.reason
    out = await runHuntingQuery({
      db: deps.db,
      engine: deps.engine,
      clock: deps.clock,
      query,
      scope,
      limits: deps.limits,
      external: deps.external,
      fetcher: deps.fetcher,
      signal: opts.signal ? AbortSignal.any([opts.signal, refused.signal]) : refused.signal,
    })
  } catch (err) {
    // The check's verdict (or its failure) explains a query cut short by it.
    const q = await check
    if (!q.ok) throw quotaExceeded(q)
    throw err
  }
  const q = await check
  if (!q.ok) throw quotaExceeded(q)
  if (out.ok) deps.quota.chargeLater(principal.tenantId, out.cpuMs)
  if (!out.ok) {
    if (out.status === 408) throw new MdeError('BadRequest', out.message, { status: 408 })
    throw new MdeError(out.status === 429 ? 'TooManyRequests' : 'BadRequest', out.message)
  }
  return out
}

/**
 * MDE / XDR response body: Stats, Schema, Results (+ Render when the query ends with `render`), as UTF-8
 * bytes around the already-encoded `Results` (`jsonBody`).
 */
export function mdeResponseBody(out: RunQueryOutcome & { ok: true }): Buffer {
  const schema = out.schema.map((c) => ({ Name: c.name, Type: WIRE_TYPE_NAMES[c.type] }))
  const render = out.render
    ? `,"Render":${JSON.stringify({ Visualization: out.render.visualization, Properties: out.render.properties })}`
    : ''
  return jsonBody(
    `{"Stats":${JSON.stringify(out.stats)},"Schema":${JSON.stringify(schema)},"Results":`,
    out.resultsText,
    `${render}}`,
  )
}

export function graphResponseBody(out: RunQueryOutcome & { ok: true }): Buffer {
  const schema = out.schema.map((c) => ({ name: c.name, type: WIRE_TYPE_NAMES[c.type] }))
  return jsonBody(
    `{"@odata.context":${JSON.stringify(GRAPH_CONTEXT)},"schema":${JSON.stringify(schema)},"results":`,
    out.resultsText,
    '}',
  )
}

/**
 * `head` + the JSON array + `tail` as UTF-8 bytes, written piece by piece into one Buffer (UTF-8 chunks
 * of the 'text' encoder are copied as they are): joining a
 * multi-MB result into one string and encoding it costs tens of ms, while ASCII pieces (the usual case:
 * `Buffer.byteLength` equals the length) are plain copies. fastify sends a Buffer as is; a string would
 * cost it another `Buffer.byteLength` pass and the encoding on write.
 */
export function jsonBody(head: string, array: JsonArrayText, tail: string): Buffer {
  const { parts } = array
  const sizes = array.bytes ?? parts.map((p) => (typeof p === 'string' ? Buffer.byteLength(p) : p.length))
  let size = Buffer.byteLength(head) + Buffer.byteLength(tail) + 2 + Math.max(0, parts.length - 1)
  for (const n of sizes) size += n
  const buf = Buffer.allocUnsafe(size)
  let at = buf.write(head, 0)
  buf[at++] = 0x5b // [
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) buf[at++] = 0x2c // ,
    const p = parts[i]!
    if (typeof p !== 'string') at += p.copy(buf, at)
    else at += buf.write(p, at, sizes[i] === p.length ? 'latin1' : 'utf8')
  }
  buf[at++] = 0x5d // ]
  at += buf.write(tail, at)
  return buf.subarray(0, at)
}

const GRAPH_CONTEXT =
  'https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults'
const JSON_TYPE = 'application/json; charset=utf-8'

function abortOnClose(req: FastifyRequest): AbortSignal {
  const ac = new AbortController()
  req.raw.once('close', () => {
    if (!req.raw.complete || req.raw.destroyed) ac.abort()
  })
  return ac.signal
}

/** The MDE and Defender XDR routes, registered through the API module (auth, rate limit, errors). */
export function huntingRouteSpecs(deps: HuntingRouteDeps): RouteSpec[] {
  return [
    {
      method: 'POST',
      url: '/advancedqueries/run',
      operation: HUNTING_FAMILY,
      requirement: MDE_REQUIREMENT,
      // A query: it writes nothing, so the tenant's cached reads stay valid.
      cache: false,
      handler: async (call) =>
        call.reply.header('content-type', JSON_TYPE).send(
          mdeResponseBody(
            await executeHunting(deps, call.principal, call.body, {
              signal: abortOnClose(call.req),
            }),
          ),
        ),
    },
    {
      method: 'POST',
      url: '/advancedhunting/run',
      operation: 'advancedHunting.run',
      family: HUNTING_FAMILY,
      requirement: XDR_REQUIREMENT,
      cache: false,
      handler: async (call) =>
        call.reply.header('content-type', JSON_TYPE).send(
          mdeResponseBody(
            await executeHunting(deps, call.principal, call.body, {
              signal: abortOnClose(call.req),
            }),
          ),
        ),
    },
  ]
}

/** Registers the three surfaces: MDE + XDR under /api (and /api/v1.0), Graph at /v1.0/security. */
export async function registerHuntingRoutes(
  app: FastifyInstance,
  api: MdeApi,
  deps: HuntingRouteDeps,
): Promise<void> {
  await api.registerRoutes(app, huntingRouteSpecs(deps))
  await app.register(
    (scope, _opts, done) => {
      scope.setErrorHandler(api.errorHandler)
      scope.post(
        '/runHuntingQuery',
        { preHandler: api.guard(GRAPH_REQUIREMENT, HUNTING_FAMILY) },
        async (req: FastifyRequest, reply: FastifyReply) => {
          const body = req.body as Record<string, unknown> | undefined
          const ts = body && typeof body.Timespan === 'string' ? isoDurationMs(body.Timespan) : null
          if (body && body.Timespan !== undefined && body.Timespan !== null && ts === null)
            throw new MdeError('BadRequest', 'Timespan must be an ISO 8601 duration such as P30D.')
          const out = await executeHunting(deps, principalOf(req), body, {
            timespanMs: ts,
            signal: abortOnClose(req),
          })
          return reply.header('content-type', JSON_TYPE).send(graphResponseBody(out))
        },
      )
      done()
    },
    { prefix: '/v1.0/security' },
  )
}
