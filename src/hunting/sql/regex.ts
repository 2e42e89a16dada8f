/**
 * KQL regular expressions are RE2. DuckDB runs RE2 itself; PostgreSQL runs Tcl AREs, which differ:
 * `.` matches a newline, `\b` is a backspace (word boundary is `\y`), embedded flags are allowed only
 * at the very start, named groups and `\x{…}` do not exist, `{,n}` is a quantifier, repetition counts
 * stop at 255. This translates a constant RE2 pattern into an equivalent ARE, or explains why it cannot.
 */
export type PgRegex = { ok: true; flags: string; body: string } | { ok: false; reason: string }

const LETTER = /[A-Za-z]/

interface State {
  ci: boolean
  dotNl: boolean
}

/** Translates an RE2 pattern to a PostgreSQL ARE: leading embedded flags (`(?…)` or '') and the body. */
export function re2ToPg(pattern: string): PgRegex {
  let i = 0
  const p = pattern
  let leadCi = false
  let leadDotNl = false
  let leadMulti = false
  // Leading flag groups apply to the whole pattern.
  for (let m = /^\(\?([imsU]+)\)/.exec(p); m; m = /^\(\?([imsU]+)\)/.exec(p.slice(i))) {
    const f = m[1]!
    if (f.includes('U')) return { ok: false, reason: 'the ungreedy flag (?U)' }
    if (f.includes('i')) leadCi = true
    if (f.includes('s')) leadDotNl = true
    if (f.includes('m')) leadMulti = true
    i += m[0].length
  }
  // A whole-pattern (?i) becomes PostgreSQL's leading flag unless the pattern switches it off later;
  // scoped case-insensitivity is expanded into [aA] classes.
  const scopedCi = leadCi && /\(\?[ims]*-[ims]*i/.test(p)
  const out: string[] = []
  const stack: State[] = []
  let st: State = { ci: scopedCi, dotNl: leadDotNl }
  while (i < p.length) {
    const c = p[i]!
    if (c === '\\') {
      const r = escape(p, i, st, false)
      if (!r.ok) return r
      out.push(r.text)
      i = r.next
      continue
    }
    if (c === '[') {
      const r = bracket(p, i, st.ci)
      if (!r.ok) return r
      out.push(r.text)
      i = r.next
      continue
    }
    if (c === '(') {
      if (p[i + 1] === '?') {
        const rest = p.slice(i)
        const named = /^\(\?P?<[A-Za-z_][A-Za-z0-9_]*>/.exec(rest)
        if (named) {
          stack.push(st)
          st = { ...st }
          out.push('(')
          i += named[0].length
          continue
        }
        const flags = /^\(\?([imsU]*)(?:-([imsU]*))?(:|\))/.exec(rest)
        if (flags) {
          const on = flags[1] ?? ''
          const off = flags[2] ?? ''
          if ((on + off).includes('U')) return { ok: false, reason: 'the ungreedy flag (?U)' }
          if ((on + off).includes('m'))
            return { ok: false, reason: 'a multi-line flag (?m) inside the pattern' }
          const next: State = {
            ci: on.includes('i') ? true : off.includes('i') ? false : st.ci,
            dotNl: on.includes('s') ? true : off.includes('s') ? false : st.dotNl,
          }
          if (flags[3] === ':') {
            stack.push(st)
            out.push('(?:')
          }
          st = next
          i += flags[0].length
          continue
        }
        if (rest.startsWith('(?:')) {
          stack.push(st)
          st = { ...st }
          out.push('(?:')
          i += 3
          continue
        }
        return { ok: false, reason: `the group '${rest.slice(0, 4)}'` }
      }
      stack.push(st)
      st = { ...st }
      out.push('(')
      i++
      continue
    }
    if (c === ')') {
      st = stack.pop() ?? st
      out.push(')')
      i++
      continue
    }
    if (c === '.') {
      out.push(st.dotNl ? '.' : '[^\\n]')
      i++
      continue
    }
    if (c === '{') {
      const q = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i))
      if (!q) {
        out.push('\\{')
        i++
        continue
      }
      const lo = Number(q[1])
      const hi = q[3] ? Number(q[3]) : lo
      if (lo > 255 || hi > 255)
        return { ok: false, reason: `the repetition count ${q[0]} (PostgreSQL allows up to 255)` }
      out.push(q[0])
      i += q[0].length
      continue
    }
    if (st.ci && LETTER.test(c)) {
      out.push(`[${c.toLowerCase()}${c.toUpperCase()}]`)
      i++
      continue
    }
    out.push(c)
    i++
  }
  const flags = (leadCi && !scopedCi ? 'i' : '') + (leadMulti ? 'w' : '')
  return { ok: true, flags: flags ? `(?${flags})` : '', body: out.join('') }
}

type Piece = { ok: true; text: string; next: number } | { ok: false; reason: string }

const SIMPLE_ESCAPES = new Set(['d', 'D', 's', 'S', 'w', 'W', 'n', 't', 'r', 'f', 'v', 'a', 'A'])

function escape(p: string, i: number, st: State, inBracket: boolean): Piece {
  const n = p[i + 1]
  if (n === undefined) return { ok: false, reason: 'a trailing backslash' }
  if (n === 'b')
    return inBracket ? { ok: false, reason: '\\b inside []' } : { ok: true, text: '\\y', next: i + 2 }
  if (n === 'B')
    return inBracket ? { ok: false, reason: '\\B inside []' } : { ok: true, text: '\\Y', next: i + 2 }
  if (n === 'z') return { ok: true, text: '\\Z', next: i + 2 }
  if (n === 'C') return { ok: true, text: '.', next: i + 2 }
  if (n === 'Q') {
    const end = p.indexOf('\\E', i + 2)
    const lit = p.slice(i + 2, end < 0 ? p.length : end)
    const text = [...lit]
      .map((ch) =>
        /[A-Za-z0-9_\s]/.test(ch)
          ? st.ci && LETTER.test(ch)
            ? `[${ch.toLowerCase()}${ch.toUpperCase()}]`
            : ch
          : '\\' + ch,
      )
      .join('')
    return { ok: true, text, next: end < 0 ? p.length : end + 2 }
  }
  if (n === 'x') {
    const braced = /^\\x\{([0-9A-Fa-f]{1,8})\}/.exec(p.slice(i))
    const short = /^\\x([0-9A-Fa-f]{2})/.exec(p.slice(i))
    const m = braced ?? short
    if (!m) return { ok: false, reason: 'a malformed \\x escape' }
    return { ok: true, text: `\\U${m[1]!.padStart(8, '0')}`, next: i + m[0].length }
  }
  if (n === 'p' || n === 'P') return { ok: false, reason: 'Unicode classes (\\p)' }
  if (SIMPLE_ESCAPES.has(n)) {
    if (inBracket && (n === 'D' || n === 'S' || n === 'W')) return { ok: false, reason: `\\${n} inside []` }
    return { ok: true, text: '\\' + n, next: i + 2 }
  }
  if (n === '0') {
    const oct = /^\\0([0-7]{0,2})/.exec(p.slice(i))!
    return {
      ok: true,
      text: `\\u${parseInt('0' + oct[1], 8)
        .toString(16)
        .padStart(4, '0')}`,
      next: i + oct[0].length,
    }
  }
  if (/[0-9]/.test(n)) return { ok: false, reason: 'backreferences' }
  if (/[A-Za-z]/.test(n)) return { ok: false, reason: `the escape \\${n}` }
  return { ok: true, text: '\\' + n, next: i + 2 }
}

/** A bracket expression; under case-insensitivity letters and letter ranges get both cases. */
function bracket(p: string, start: number, ci: boolean): Piece {
  let i = start + 1
  let text = '['
  if (p[i] === '^') {
    text += '^'
    i++
  }
  let first = true
  const extra: string[] = []
  while (i < p.length) {
    const c = p[i]!
    if (c === ']' && !first) return { ok: true, text: text + extra.join('') + ']', next: i + 1 }
    first = false
    if (c === '[' && p[i + 1] === ':') {
      const end = p.indexOf(':]', i + 2)
      if (end < 0) return { ok: false, reason: 'an unterminated character class' }
      text += p.slice(i, end + 2)
      i = end + 2
      continue
    }
    if (c === '\\') {
      const r = escape(p, i, { ci, dotNl: true }, true)
      if (!r.ok) return r
      text += r.text
      i = r.next
      continue
    }
    if (p[i + 1] === '-' && p[i + 2] !== undefined && p[i + 2] !== ']') {
      const hi = p[i + 2]!
      text += `${c}-${hi === '\\' ? '\\' + (p[i + 3] ?? '') : hi}`
      if (ci && /[a-z]/.test(c) && /[a-z]/.test(hi)) extra.push(`${c.toUpperCase()}-${hi.toUpperCase()}`)
      if (ci && /[A-Z]/.test(c) && /[A-Z]/.test(hi)) extra.push(`${c.toLowerCase()}-${hi.toLowerCase()}`)
      i += hi === '\\' ? 4 : 3
      continue
    }
    text += c === '-' ? '\\-' : c
    if (ci && LETTER.test(c)) extra.push(c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())
    i++
  }
  return { ok: false, reason: 'an unterminated [ ]' }
}

/** RE2 rewrite text (`\0` = whole match, `\1`…) → PostgreSQL regexp_replace (`\&`, `\1`…). */
export function re2RewriteToPg(rewrite: string): string {
  return rewrite.replace(/\\(\\|0)/g, (m, c: string) => (c === '0' ? '\\&' : m))
}
