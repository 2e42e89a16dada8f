import type { ExternalTable, ResultColumn } from '../../hunting/index.js'

/** Fetches the text of one externaldata URL. */
export type ExternalFetcher = (url: string, signal: AbortSignal) => Promise<string>

export interface ExternalDataPolicy {
  /** Exact URLs or URL prefixes ending in '/' that queries may read; empty = externaldata disabled. */
  allowList: readonly string[]
  maxBytes: number
  timeoutMs: number
  maxRows: number
}

export class ExternalDataError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ExternalDataError'
  }
}

/** Whether a URL is on the allow-list (exact match, or under an allowed prefix ending with '/'). */
export function isAllowed(url: string, allowList: readonly string[]): boolean {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return false
  if (u.username || u.password) return false
  const norm = u.toString()
  return allowList.some((a) => norm === a || (a.endsWith('/') && norm.startsWith(a)))
}

/**
 * The network fetcher used in production: only allow-listed URLs (checked again here), no redirects
 * (a redirect could leave the allow-list), a byte cap read incrementally and a time limit.
 */
export function httpFetcher(policy: ExternalDataPolicy): ExternalFetcher {
  return async (url, signal) => {
    if (!isAllowed(url, policy.allowList))
      throw new ExternalDataError(`externaldata URL is not allowed: ${url}`)
    const timeout = AbortSignal.timeout(policy.timeoutMs)
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.any([signal, timeout]) })
    if (res.status !== 200) throw new ExternalDataError(`externaldata URL ${url} answered ${res.status}`)
    const reader = (res.body as ReadableStream<Uint8Array> | null)?.getReader()
    if (!reader) return ''
    const chunks: Uint8Array[] = []
    let total = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.byteLength
      if (total > policy.maxBytes) {
        await reader.cancel()
        throw new ExternalDataError(`externaldata URL ${url} is larger than ${policy.maxBytes} bytes`)
      }
      chunks.push(value)
    }
    return Buffer.concat(chunks).toString('utf8')
  }
}

/** Splits CSV text into records (RFC 4180 quoting). */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else field += c
    } else if (c === '"' && field === '') quoted = true
    else if (c === delimiter) {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else field += c
  }
  if (field !== '' || row.length) {
    row.push(field)
    rows.push(row)
  }
  return rows
}

function typed(v: string | undefined, type: ResultColumn['type']): unknown {
  if (v === undefined) return null
  switch (type) {
    case 'string':
    case 'guid':
      return v
    case 'long':
    case 'int':
    case 'real':
    case 'decimal': {
      const n = Number(v.trim())
      return v.trim() === '' || Number.isNaN(n) ? null : n
    }
    case 'bool':
      return /^(true|1)$/i.test(v.trim()) ? true : /^(false|0)$/i.test(v.trim()) ? false : null
    case 'datetime': {
      const ms = Date.parse(/Z|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`)
      return Number.isNaN(ms) ? null : ms * 1000
    }
    case 'dynamic':
      try {
        return { json: JSON.parse(v) as unknown }
      } catch {
        return { json: v }
      }
    case 'timespan':
      return null
  }
}

/** Converts fetched text into typed rows of the declared schema. */
export function toExternalTable(
  text: string,
  source: { format: string; ignoreFirstRecord: boolean; columns: ResultColumn[] },
  maxRows: number,
): ExternalTable {
  const fmt = source.format
  let records: string[][]
  if (fmt === 'txt' || fmt === 'raw')
    records = text
      .split(/\r?\n/)
      .filter((l) => l !== '')
      .map((l) => [l])
  else if (fmt === 'tsv' || fmt === 'tsve') records = parseCsv(text, '\t')
  else if (fmt === 'csv' || fmt === 'scsv' || fmt === 'psv')
    records = parseCsv(text, fmt === 'scsv' ? ';' : fmt === 'psv' ? '|' : ',')
  else if (fmt === 'json' || fmt === 'multijson')
    records = text
      .split(/\r?\n/)
      .filter((l) => l.trim())
      .map((l) => {
        try {
          const o = JSON.parse(l) as Record<string, unknown>
          return source.columns.map((c) =>
            o[c.name] === undefined
              ? ''
              : typeof o[c.name] === 'string'
                ? (o[c.name] as string)
                : JSON.stringify(o[c.name]),
          )
        } catch {
          return []
        }
      })
  else throw new ExternalDataError(`externaldata format '${fmt}' is not supported`)
  if (source.ignoreFirstRecord) records = records.slice(1)
  if (records.length > maxRows) throw new ExternalDataError(`externaldata has more than ${maxRows} records`)
  const rows = records.map((r) => source.columns.map((c, i) => typed(r[i], c.type)))
  return { columns: source.columns, rows }
}
