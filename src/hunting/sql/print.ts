import type { SqlDialect } from './dialect.js'
import type { ParamValue, RuntimeSlot, SqlNode } from './sql-tree.js'

export interface PrintedSql {
  text: string
  params: ParamValue[]
  /** Per parameter: where its value comes from at run time, or undefined for values of the query text. */
  slots: (RuntimeSlot | undefined)[]
}

const quoteIdent = (s: string) => '"' + s.replace(/"/g, '""') + '"'

/**
 * Prints a SQL tree for one dialect; parameters are numbered in order of appearance. A parameter node
 * that occurs more than once (an expression printed twice, e.g. the keys of `DISTINCT ON (…) … ORDER BY
 * …`) gets one number, so the engine sees the same expression both times.
 */
export function printSql(node: SqlNode, dialect: SqlDialect): PrintedSql {
  const out: string[] = []
  const params: ParamValue[] = []
  const slots: (RuntimeSlot | undefined)[] = []
  const numbered = new Map<SqlNode, number>()
  const stack: SqlNode[] = [node]
  while (stack.length) {
    const n = stack.pop()!
    switch (n.t) {
      case 'raw':
        out.push(n.s)
        break
      case 'ident':
        out.push(n.qualifier ? `${n.qualifier}.${quoteIdent(n.name)}` : quoteIdent(n.name))
        break
      case 'param': {
        let i = numbered.get(n)
        if (i === undefined) {
          params.push(n.value)
          slots.push(n.slot)
          numbered.set(n, (i = params.length))
        }
        out.push(dialect.placeholder(i, n.type))
        break
      }
      case 'seq':
        for (let i = n.parts.length - 1; i >= 0; i--) stack.push(n.parts[i]!)
        break
    }
  }
  return { text: out.join(''), params, slots }
}
