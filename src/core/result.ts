/** Compilers (KQL, OData) return diagnostics as values, not exceptions. */
export interface SourceSpan {
  start: number
  length: number
}

export interface Diagnostic {
  /** Stable, kebab-case, prefixed code, e.g. `kql-unknown-column`, `odata-unsupported-function`. */
  code: string
  message: string
  severity: 'error' | 'warning'
  span?: SourceSpan
  data?: Record<string, unknown>
}

export type Result<T, E = Diagnostic[]> = { ok: true; value: T } | { ok: false; error: E }

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value })
export const fail = <E>(error: E): Result<never, E> => ({ ok: false, error })
