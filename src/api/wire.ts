import type { FastifyReply, FastifyRequest } from 'fastify'
import type { EntityDef, FieldType } from '../schema/catalogue-types.js'

/** The content type MDE answers JSON with (captured from real responses). */
export const MDE_CONTENT_TYPE =
  'application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8'

/** MDE date-time format: ISO-8601 UTC with `Z`, trailing fractional zeros trimmed (`…:59.2Z`, `…:11Z`). */
export function mdeDate(d: Date | string | null | undefined): string | null {
  if (d === null || d === undefined) return null
  const date = typeof d === 'string' ? new Date(d) : d
  if (Number.isNaN(date.getTime())) return null
  return date.toISOString().replace(/\.?0+Z$/, 'Z')
}

function parseJsonValue(v: unknown, fallback: unknown): unknown {
  if (v === null || v === undefined) return fallback
  if (typeof v !== 'string') return v
  try {
    return JSON.parse(v) as unknown
  } catch {
    return fallback
  }
}

type Converter = (v: unknown) => unknown

function converter(type: FieldType, nullable: boolean): Converter {
  switch (type) {
    case 'datetime':
      return (v) => (v instanceof Date || typeof v === 'string' ? mdeDate(v) : null)
    case 'json':
      return (v) => parseJsonValue(v, nullable ? null : [])
    case 'string[]':
      return (v) => parseJsonValue(v, [])
    case 'bool':
      return (v) => (v === null || v === undefined ? (nullable ? null : false) : Boolean(v))
    case 'int':
    case 'long':
    case 'double':
      return (v) => (v === null || v === undefined ? null : typeof v === 'bigint' ? Number(v) : v)
    case 'string':
    case 'guid':
    case 'enum':
      return (v) => (v === undefined ? null : v)
  }
}

export interface WireShape {
  entity: EntityDef
  /** Wire fields in MDE order with their converters. */
  fields: readonly (readonly [string, Converter])[]
  /** Column list for SELECT (every wire field, double-quoted). */
  columns: string
}

const shapes = new WeakMap<EntityDef, WireShape>()

/** The wire shape of an entity (non-internal fields, declaration order), cached. */
export function wireShape(entity: EntityDef): WireShape {
  let s = shapes.get(entity)
  if (!s) {
    const fields = Object.entries(entity.fields)
      .filter(([, f]) => !f.internal)
      .map(([name, f]) => [name, converter(f.type, Boolean(f.nullable))] as const)
    s = { entity, fields, columns: fields.map(([n]) => `"${n}"`).join(', ') }
    shapes.set(entity, s)
  }
  return s
}

/** Row → MDE JSON object in wire order. `select` keeps only the named properties (order kept). */
export function toWire(
  shape: WireShape,
  row: Record<string, unknown>,
  select?: readonly string[] | null,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, conv] of shape.fields) if (!select || select.includes(name)) out[name] = conv(row[name])
  return out
}

/** `scheme://host` of the request, as the client called it. */
export function requestBase(req: FastifyRequest): string {
  const host = req.headers.host ?? req.hostname
  return `${req.protocol}://${host}`
}

/** `@odata.context` for an entity set or fragment, echoing the called host. */
export function odataContext(req: FastifyRequest, fragment: string): string {
  return `${requestBase(req)}/api/$metadata#${fragment}`
}

/** Sends a JSON body with MDE's headers. */
export function sendMde(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply
    .code(status)
    .header('OData-Version', '4.0')
    .header('content-type', MDE_CONTENT_TYPE)
    .send(body === undefined ? '' : JSON.stringify(body))
}

/** A column value as text ('' for null) without relying on Object's default stringification. */
export function text(v: unknown): string {
  if (typeof v === 'string') return v
  if (v === null || v === undefined) return ''
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v)
  if (v instanceof Date) return v.toISOString()
  return JSON.stringify(v)
}
