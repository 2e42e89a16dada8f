/**
 * OData function-call path segments such as `findbyip(ip='10.1.2.3',timestamp=2024-01-01T00:00:00Z)` or
 * `GetLiveResponseResultDownloadLink(index=0)`: string arguments are single-quoted ('' escapes a quote),
 * the rest are bare.
 */
export interface FunctionSegment {
  name: string
  args: Map<string, string>
}

export function parseFunctionSegment(segment: string): FunctionSegment | null {
  const m = /^([A-Za-z][A-Za-z0-9_]*)\((.*)\)$/s.exec(segment)
  if (!m) return null
  const args = new Map<string, string>()
  const text = m[2]!
  let i = 0
  while (i < text.length) {
    const eq = text.indexOf('=', i)
    if (eq < 0) return null
    const key = text.slice(i, eq).trim().toLowerCase()
    if (!/^[a-z][a-z0-9_]*$/.test(key)) return null
    let j = eq + 1
    while (text[j] === ' ') j++
    let value = ''
    if (text[j] === "'") {
      j++
      for (;;) {
        if (j >= text.length) return null
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            value += "'"
            j += 2
            continue
          }
          j++
          break
        }
        value += text[j]
        j++
      }
    } else {
      const end = text.indexOf(',', j)
      value = text.slice(j, end < 0 ? text.length : end).trim()
      j = end < 0 ? text.length : end
    }
    while (text[j] === ' ') j++
    if (j < text.length && text[j] !== ',') return null
    if (args.has(key)) return null
    args.set(key, value)
    i = j + 1
  }
  return { name: m[1]!, args }
}
