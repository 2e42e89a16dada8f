import type { Diagnostic } from '../core/result.js'

export type TokenKind = 'ident' | 'string' | 'number' | 'datetime' | 'guid' | 'punct' | 'eof'

export interface Token {
  kind: TokenKind
  text: string
  /** Decoded value for strings. */
  value?: string
  pos: number
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z_-])/
const DATETIME =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}:\d{2})?(?![0-9A-Za-z_:.-])/
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?:[mMdDfFlL])?(?![0-9A-Za-z_])/
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*/
const PUNCT = '(),/:'

export const MAX_TOKENS = 2000

/** Splits `$filter` text into tokens; errors are diagnostics, never exceptions. */
export function lexFilter(text: string): { tokens: Token[]; diagnostics: Diagnostic[] } {
  const tokens: Token[] = []
  let i = 0
  const diag = (
    message: string,
    pos: number,
    code = 'odata-syntax',
  ): { tokens: Token[]; diagnostics: Diagnostic[] } => ({
    tokens,
    diagnostics: [{ code, message, severity: 'error', span: { start: pos, length: 1 } }],
  })
  while (i < text.length) {
    const c = text[i]!
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++
      continue
    }
    if (tokens.length >= MAX_TOKENS)
      return diag(
        `The $filter expression is too long (more than ${MAX_TOKENS} tokens).`,
        i,
        'odata-too-complex',
      )
    const rest = text.slice(i, i + 64)
    if (c === "'") {
      let j = i + 1
      let out = ''
      for (;;) {
        if (j >= text.length) return diag(`Unterminated string literal at position ${i}.`, i)
        const ch = text[j]!
        if (ch === "'") {
          if (text[j + 1] === "'") {
            out += "'"
            j += 2
            continue
          }
          break
        }
        out += ch
        j++
      }
      tokens.push({ kind: 'string', text: text.slice(i, j + 1), value: out, pos: i })
      i = j + 1
      continue
    }
    if (PUNCT.includes(c)) {
      tokens.push({ kind: 'punct', text: c, pos: i })
      i++
      continue
    }
    const guid = GUID.exec(rest)
    if (guid) {
      tokens.push({ kind: 'guid', text: guid[0], pos: i })
      i += guid[0].length
      continue
    }
    const dt = DATETIME.exec(text.slice(i, i + 40))
    if (dt && dt[0].length >= 10) {
      tokens.push({ kind: 'datetime', text: dt[0], pos: i })
      i += dt[0].length
      continue
    }
    const num = NUMBER.exec(rest)
    if (num) {
      tokens.push({ kind: 'number', text: num[0], pos: i })
      i += num[0].length
      continue
    }
    const id = IDENT.exec(text.slice(i, i + 256))
    if (id) {
      tokens.push({ kind: 'ident', text: id[0], pos: i })
      i += id[0].length
      continue
    }
    return diag(`Unexpected character '${c}' at position ${i}.`, i)
  }
  tokens.push({ kind: 'eof', text: '', pos: text.length })
  return { tokens, diagnostics: [] }
}
