import { MdeError } from './errors.js'

type Obj = Record<string, unknown>

/**
 * Reads a JSON request body with MDE's rules: property names are case-sensitive and each endpoint
 * accepts its documented casing (sometimes two, where the docs disagree). A body that is not an object
 * or carries an unknown property is 400 InvalidRequestBody; a missing required property is 400
 * MissingRequiredParameter; a bad value is 400 InvalidInput.
 */
export class BodyReader {
  readonly obj: Obj

  constructor(body: unknown, accepted: readonly string[], opts: { allowEmpty?: boolean } = {}) {
    if (body === undefined || body === null || body === '') {
      if (!opts.allowEmpty) throw new MdeError('InvalidRequestBody', 'Request body is missing.')
      this.obj = {}
      return
    }
    if (typeof body !== 'object' || Array.isArray(body))
      throw new MdeError('InvalidRequestBody', 'Request body must be a JSON object.')
    this.obj = body as Obj
    const unknown = Object.keys(this.obj).filter((k) => !accepted.includes(k))
    if (unknown.length)
      throw new MdeError(
        'InvalidRequestBody',
        `Request body has unknown properties: ${unknown
          .slice(0, 5)
          .map((k) => `'${k.slice(0, 60)}'`)
          .join(', ')} (property names are case-sensitive; accepted: ${accepted.join(', ')}).`,
      )
  }

  #get(names: readonly string[]): [string, unknown] | undefined {
    for (const n of names) if (n in this.obj && this.obj[n] !== undefined) return [n, this.obj[n]]
    return undefined
  }

  has(names: readonly string[]): boolean {
    return this.#get(names) !== undefined
  }

  #missing(names: readonly string[]): never {
    throw new MdeError('MissingRequiredParameter', `The required property '${names[0]}' is missing.`)
  }

  /**
   * A string property with its name: undefined when absent (MissingRequiredParameter when required),
   * null when null and `nullable`; any other non-string is InvalidRequestBody.
   */
  #text(
    names: readonly string[],
    opts: { required?: boolean; nullable?: boolean },
  ): [name: string, value: string | null] | undefined {
    const hit = this.#get(names)
    if (!hit) return opts.required ? this.#missing(names) : undefined
    const [name, v] = hit
    if (v === null && opts.nullable) return [name, null]
    if (typeof v !== 'string')
      throw new MdeError('InvalidRequestBody', `The property '${name}' must be a string.`)
    return [name, v]
  }

  string(names: readonly string[], opts: { required: true; maxLength?: number }): string
  string(
    names: readonly string[],
    opts?: { required?: false; maxLength?: number; nullable?: boolean },
  ): string | null | undefined
  string(
    names: readonly string[],
    opts: { required?: boolean; maxLength?: number; nullable?: boolean } = {},
  ): string | null | undefined {
    const hit = this.#text(names, opts)
    if (!hit) return undefined
    const [name, v] = hit
    if (v === null) return null
    if (opts.maxLength !== undefined && v.length > opts.maxLength)
      throw new MdeError(
        'InvalidInput',
        `The property '${name}' is longer than ${opts.maxLength} characters.`,
      )
    return v
  }

  bool(names: readonly string[]): boolean | undefined {
    const hit = this.#get(names)
    if (!hit) return undefined
    const [name, v] = hit
    if (typeof v === 'boolean') return v
    if (v === 'true' || v === 'false') return v === 'true'
    throw new MdeError('InvalidRequestBody', `The property '${name}' must be a boolean.`)
  }

  /** A value from a closed set, matched case-insensitively, returned in canonical casing. */
  enumOf<T extends string>(
    names: readonly string[],
    values: readonly T[],
    opts: { required?: boolean; aliases?: Record<string, T>; nullable?: boolean } = {},
  ): T | null | undefined {
    const hit = this.#text(names, opts)
    if (!hit) return undefined
    const [name, v] = hit
    if (v === null) return null
    const lower = v.toLowerCase()
    const canonical =
      values.find((x) => x.toLowerCase() === lower) ??
      Object.entries(opts.aliases ?? {}).find(([a]) => a.toLowerCase() === lower)?.[1]
    if (canonical === undefined)
      throw new MdeError(
        'InvalidInput',
        `'${v.slice(0, 100)}' is not a valid value for '${name}' (allowed: ${values.join(', ')}).`,
      )
    return canonical
  }

  stringArray(
    names: readonly string[],
    opts: { required?: boolean; max?: number; orCommaString?: boolean } = {},
  ): string[] | undefined {
    const hit = this.#get(names)
    if (!hit) return opts.required ? this.#missing(names) : undefined
    const [name, v] = hit
    let arr: unknown[]
    if (typeof v === 'string' && opts.orCommaString)
      arr = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    else if (Array.isArray(v)) arr = v
    else throw new MdeError('InvalidRequestBody', `The property '${name}' must be an array of strings.`)
    if (!arr.every((x): x is string => typeof x === 'string'))
      throw new MdeError('InvalidRequestBody', `The property '${name}' must be an array of strings.`)
    if (opts.max !== undefined && arr.length > opts.max)
      throw new MdeError(
        'MaximumBatchSizeExceeded',
        `The property '${name}' has ${arr.length} items; the maximum allowed is ${opts.max}.`,
      )
    return arr
  }

  raw(names: readonly string[]): unknown {
    return this.#get(names)?.[1]
  }
}
