import type { EntityDef, FieldDef } from '../schema/catalogue-types.js'

/** What the OData layer knows about one entity set: its wire properties and what each supports. */
export interface ODataEntityModel {
  /** Type name used in messages (Alert, Machine, …). */
  name: string
  /** lower-case wire name → canonical name + field. */
  properties: ReadonlyMap<string, { name: string; field: FieldDef }>
  /** lower-case alias → canonical property name (e.g. `createdbysource` → `source`). */
  aliases: ReadonlyMap<string, string>
  /** Navigation properties accepted by `$expand` (canonical names). */
  expandable: readonly string[]
  /** Wire properties that are not columns (navigations) but may appear in `$select`. */
  extraSelectable: readonly string[]
  /** Largest `$top` accepted. */
  maxTop: number
}

export interface EntityModelOptions {
  aliases?: Record<string, string>
  expandable?: readonly string[]
  extraSelectable?: readonly string[]
  maxTop?: number
}

export const DEFAULT_MAX_TOP = 10_000

/** Builds the OData model of a catalogue entity (internal fields are invisible). */
export function entityModel(e: EntityDef, opts: EntityModelOptions = {}): ODataEntityModel {
  const properties = new Map<string, { name: string; field: FieldDef }>()
  for (const [name, field] of Object.entries(e.fields))
    if (!field.internal) properties.set(name.toLowerCase(), { name, field })
  const aliases = new Map<string, string>()
  for (const [alias, target] of Object.entries(opts.aliases ?? {})) aliases.set(alias.toLowerCase(), target)
  return {
    name: e.name,
    properties,
    aliases,
    expandable: opts.expandable ?? [],
    extraSelectable: [...(opts.extraSelectable ?? []), ...(opts.expandable ?? [])],
    maxTop: opts.maxTop ?? DEFAULT_MAX_TOP,
  }
}

export function resolveProperty(
  model: ODataEntityModel,
  name: string,
): { name: string; field: FieldDef } | undefined {
  const lower = name.toLowerCase()
  return model.properties.get(lower) ?? model.properties.get(model.aliases.get(lower)?.toLowerCase() ?? '')
}
