/**
 * Identifier and literal quoting shared by every SQL printer. Both engines follow the SQL standard here:
 * identifiers in double quotes (`""` escapes a quote), strings in single quotes (`''` escapes a quote,
 * backslashes are literal: PostgreSQL's `standard_conforming_strings` is on by default). NUL cannot be
 * stored in either engine's text, so it is rejected rather than silently truncated.
 */
export class SqlQuoteError extends Error {}

function rejectNul(s: string, what: string): void {
  if (s.includes('\u0000')) throw new SqlQuoteError(`${what} contains a NUL character`)
}

/** `"name"`, always quoted (column names are case-sensitive wire names). */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new SqlQuoteError('empty SQL identifier')
  rejectNul(name, 'SQL identifier')
  return `"${name.replace(/"/g, '""')}"`
}

/** `"a"."b"` for a qualified name. */
export function quoteQualified(...parts: readonly string[]): string {
  return parts.map(quoteIdent).join('.')
}

/** `'text'` with quotes doubled. Prefer parameters for user input; this is for printed constants. */
export function quoteString(s: string): string {
  rejectNul(s, 'SQL string literal')
  return `'${s.replace(/'/g, "''")}'`
}

/** Escapes `%`, `_` and the escape character itself for `LIKE … ESCAPE '\'`. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`)
}
