import type { Diagnostic } from '../core/result.js'
import type { ComparisonOp, Literal, SyntaxNode } from './ast.js'
import { lexFilter, type Token } from './filter-lexer.js'

/** Deepest nesting of parentheses / `not` / function calls accepted in one `$filter`. */
export const MAX_FILTER_DEPTH = 32
export const MAX_FILTER_LENGTH = 16_384

const COMPARISONS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le'])

class ParseFailure {
  constructor(readonly diagnostic: Diagnostic) {}
}

class Parser {
  #i = 0
  #depth = 0
  constructor(private readonly tokens: Token[]) {}

  get #tok(): Token {
    return this.tokens[this.#i]!
  }

  #fail(message: string, tok: Token = this.#tok, code = 'odata-syntax'): never {
    // A thrown value local to this parser; parseFilter turns it into a diagnostic.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw new ParseFailure({
      code,
      message,
      severity: 'error',
      span: { start: tok.pos, length: Math.max(1, tok.text.length) },
    })
  }

  #isWord(word: string, tok: Token = this.#tok): boolean {
    return tok.kind === 'ident' && tok.text.toLowerCase() === word
  }

  #isPunct(p: string, tok: Token = this.#tok): boolean {
    return tok.kind === 'punct' && tok.text === p
  }

  #expectPunct(p: string): void {
    if (!this.#isPunct(p))
      this.#fail(`Expected '${p}' at position ${this.#tok.pos} but found ${describe(this.#tok)}.`)
    this.#i++
  }

  #enter(): void {
    if (++this.#depth > MAX_FILTER_DEPTH)
      this.#fail(
        `The $filter expression is nested too deeply (limit ${MAX_FILTER_DEPTH}).`,
        this.#tok,
        'odata-too-complex',
      )
  }

  parse(): SyntaxNode {
    const e = this.#or()
    const t = this.#tok
    if (t.kind === 'ident')
      this.#fail(`The operator '${t.text}' is not supported in $filter.`, t, 'odata-unsupported-operator')
    if (this.#tok.kind !== 'eof')
      this.#fail(`Syntax error at position ${this.#tok.pos}: unexpected ${describe(this.#tok)}.`)
    return e
  }

  #or(): SyntaxNode {
    let left = this.#and()
    while (this.#isWord('or')) {
      const pos = this.#tok.pos
      this.#i++
      left = { kind: 'Binary', op: 'or', left, right: this.#and(), pos }
    }
    return left
  }

  #and(): SyntaxNode {
    let left = this.#unary()
    while (this.#isWord('and')) {
      const pos = this.#tok.pos
      this.#i++
      left = { kind: 'Binary', op: 'and', left, right: this.#unary(), pos }
    }
    return left
  }

  #unary(): SyntaxNode {
    if (this.#isWord('not') && !this.#isPunct(')', this.tokens[this.#i + 1])) {
      const pos = this.#tok.pos
      this.#i++
      this.#enter()
      const operand = this.#unary()
      this.#depth--
      return { kind: 'Not', operand, pos }
    }
    return this.#comparison()
  }

  #comparison(): SyntaxNode {
    const left = this.#primary()
    const t = this.#tok
    if (t.kind === 'ident' && COMPARISONS.has(t.text.toLowerCase())) {
      this.#i++
      const right = this.#primary()
      return { kind: 'Binary', op: t.text.toLowerCase() as ComparisonOp, left, right, pos: t.pos }
    }
    if (this.#isWord('in')) {
      this.#i++
      this.#expectPunct('(')
      const list: SyntaxNode[] = []
      if (!this.#isPunct(')'))
        for (;;) {
          list.push(this.#primary())
          if (this.#isPunct(',')) {
            this.#i++
            continue
          }
          break
        }
      this.#expectPunct(')')
      return { kind: 'In', left, list, pos: t.pos }
    }
    if (t.kind === 'ident' && !['and', 'or'].includes(t.text.toLowerCase()))
      this.#fail(`The operator '${t.text}' is not supported in $filter.`, t, 'odata-unsupported-operator')
    return left
  }

  #primary(): SyntaxNode {
    const t = this.#tok
    if (this.#isPunct('(')) {
      this.#i++
      this.#enter()
      const e = this.#or()
      this.#depth--
      this.#expectPunct(')')
      return e
    }
    switch (t.kind) {
      case 'string':
        this.#i++
        return { kind: 'Literal', type: 'string', value: t.value ?? '' }
      case 'number': {
        this.#i++
        const text = t.text.replace(/[mMdDfFlL]$/, '')
        const value = Number(text)
        if (!Number.isFinite(value)) this.#fail(`The number ${t.text} is out of range.`, t)
        return { kind: 'Literal', type: 'number', value, text }
      }
      case 'datetime': {
        this.#i++
        return dateLiteral(t.text) ?? this.#fail(`'${t.text}' is not a valid date-time literal.`, t)
      }
      case 'guid':
        this.#i++
        return { kind: 'Literal', type: 'guid', value: t.text.toLowerCase() }
      case 'ident':
        return this.#identifier()
      case 'punct':
      case 'eof':
        return this.#fail(`Syntax error at position ${t.pos}: expected a value but found ${describe(t)}.`)
    }
  }

  #identifier(): SyntaxNode {
    const t = this.#tok
    const lower = t.text.toLowerCase()
    const next = this.tokens[this.#i + 1]!
    if (lower === 'true' || lower === 'false') {
      this.#i++
      return { kind: 'Literal', type: 'bool', value: lower === 'true' }
    }
    if (lower === 'null') {
      this.#i++
      return { kind: 'Literal', type: 'null' }
    }
    if ((lower === 'datetime' || lower === 'datetimeoffset' || lower === 'guid') && next.kind === 'string') {
      this.#i += 2
      const raw = next.value ?? ''
      if (lower === 'guid') {
        if (!/^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$/.test(raw))
          this.#fail(`'${raw}' is not a valid guid literal.`, next)
        return { kind: 'Literal', type: 'guid', value: raw.toLowerCase() }
      }
      return dateLiteral(raw) ?? this.#fail(`'${raw}' is not a valid date-time literal.`, next)
    }
    if (this.#isPunct('(', next)) {
      this.#i += 2
      this.#enter()
      const args: SyntaxNode[] = []
      if (!this.#isPunct(')'))
        for (;;) {
          args.push(this.#or())
          if (this.#isPunct(',')) {
            this.#i++
            continue
          }
          break
        }
      this.#expectPunct(')')
      this.#depth--
      return { kind: 'Call', name: t.text, args, pos: t.pos }
    }
    const segments = [t.text]
    this.#i++
    while (this.#isPunct('/')) {
      this.#i++
      const seg = this.#tok
      if (seg.kind !== 'ident') this.#fail(`Expected a property name after '/' at position ${seg.pos}.`, seg)
      const fn = seg.text.toLowerCase()
      if ((fn === 'any' || fn === 'all') && this.#isPunct('(', this.tokens[this.#i + 1])) {
        this.#i += 2
        return this.#lambda(segments, fn, t.pos)
      }
      segments.push(seg.text)
      this.#i++
    }
    return { kind: 'Path', segments, pos: t.pos }
  }

  #lambda(collection: string[], fn: 'any' | 'all', pos: number): SyntaxNode {
    this.#enter()
    if (this.#isPunct(')')) {
      this.#i++
      this.#depth--
      return { kind: 'Lambda', collection, fn, variable: null, body: null, pos }
    }
    const v = this.#tok
    if (v.kind !== 'ident' || !this.#isPunct(':', this.tokens[this.#i + 1]))
      this.#fail(`Expected '<variable>:' in ${fn}() at position ${v.pos}.`, v)
    this.#i += 2
    const body = this.#or()
    this.#expectPunct(')')
    this.#depth--
    return { kind: 'Lambda', collection, fn, variable: v.text, body, pos }
  }
}

function describe(t: Token): string {
  return t.kind === 'eof' ? 'the end of the expression' : `'${t.text}'`
}

/** OData date-time literal (`2019-11-22T00:00:00Z`, `2018-08-01Z`, `2018-08-01`) as a UTC Date. */
export function dateLiteral(text: string): Literal | null {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(
      text,
    )
  if (!m) return null
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}.${(frac + '000').slice(0, 3)}${zone}`
  const value = new Date(iso)
  if (Number.isNaN(value.getTime())) return null
  // Reject overflowing fields (Date rolls 2021-02-30 over to March).
  if (value.toISOString().slice(0, 10) !== `${y}-${mo}-${d}` && zone === 'Z') return null
  return { kind: 'Literal', type: 'datetime', value, text }
}

/** What a `$filter` pass answers when a pathological expression exhausts the stack (RangeError). */
export const filterTooComplex = (): Diagnostic => ({
  code: 'odata-too-complex',
  message: 'The $filter expression is too complex.',
  severity: 'error',
})

/** Parses `$filter` text into a syntax tree, or diagnostics. Never throws. */
export function parseFilter(
  text: string,
): { ok: true; value: SyntaxNode } | { ok: false; error: Diagnostic[] } {
  if (text.length > MAX_FILTER_LENGTH)
    return {
      ok: false,
      error: [
        {
          code: 'odata-too-complex',
          message: `The $filter expression is too long (limit ${MAX_FILTER_LENGTH} characters).`,
          severity: 'error',
        },
      ],
    }
  const { tokens, diagnostics } = lexFilter(text)
  if (diagnostics.length) return { ok: false, error: diagnostics }
  if (tokens.length === 1)
    return {
      ok: false,
      error: [{ code: 'odata-syntax', message: 'The $filter expression is empty.', severity: 'error' }],
    }
  try {
    return { ok: true, value: new Parser(tokens).parse() }
  } catch (err) {
    if (err instanceof ParseFailure) return { ok: false, error: [err.diagnostic] }
    if (err instanceof RangeError) return { ok: false, error: [filterTooComplex()] }
    throw err
  }
}
